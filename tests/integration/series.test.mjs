// Chat series: a weekly rule in a time zone makes its next sessions (questions filled in later
// with PATCH), the series lists them, and its calendar (read by Python's icalendar) has them all
// at the right local time across a daylight-saving change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer, http, getSession, advance } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function readIcs(text) {
    const r = spawnSync('/usr/bin/python3', [path.join(here, 'ics_read.py')], { input: text, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

test('a weekly series across the October change, filled in later, survives a restart', async () => {
    let srv = await startServer({ clock: '2026-10-12T09:00:00Z' }); // a Monday
    try {
        let res = await http(srv, 'POST', '/api/series', {
            hashtag: '#ukedchat', title: 'UKEdChat', description: 'Thursdays, 8pm UK time',
            timezone: 'Europe/London', weekday: 'thursday', time: '20:00', count: 3, round_minutes: 10,
        });
        assert.equal(res.status, 201, res.text);
        const { id, moderator_key: key, sessions } = res.json;
        assert.equal(id, 'ukedchat');
        assert.deepEqual(sessions.map((s) => s.id), ['ukedchat-2026-10-15', 'ukedchat-2026-10-22', 'ukedchat-2026-10-29']);
        // 20:00 London: BST (UTC+1) before 25 October, GMT after.
        assert.deepEqual(sessions.map((s) => s.start), ['2026-10-15T19:00:00.000Z', '2026-10-22T19:00:00.000Z', '2026-10-29T20:00:00.000Z']);

        // The series key is the owner key of its sessions: it fills in the questions.
        res = await http(srv, 'PATCH', `/api/sessions/${sessions[0].id}`, { questions: ['How do you use retrieval practice?'] }, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 200, res.text);
        res = await http(srv, 'PATCH', `/api/sessions/${sessions[0].id}`, { questions: ['x'] }, { authorization: 'Bearer nope' });
        assert.equal(res.status, 401);

        res = await http(srv, 'GET', `/api/series/${id}`);
        assert.equal(res.status, 200);
        assert.equal(res.json.weekday, 'thursday');
        assert.deepEqual(res.json.sessions.map((s) => [s.id, s.questions.length, s.phase.phase]), [
            ['ukedchat-2026-10-15', 1, 'scheduled'], ['ukedchat-2026-10-22', 0, 'scheduled'], ['ukedchat-2026-10-29', 0, 'scheduled']]);

        const ics = await fetch(`${srv.base}/api/series/${id}/calendar.ics`);
        assert.equal(ics.status, 200);
        const cal = readIcs(await ics.text());
        assert.deepEqual(cal.events.map((e) => e.local_start), ['2026-10-15T20:00:00', '2026-10-22T20:00:00', '2026-10-29T20:00:00']);
        assert.deepEqual(cal.events.map((e) => e.start_utc), ['2026-10-15T19:00:00+00:00', '2026-10-22T19:00:00+00:00', '2026-10-29T20:00:00+00:00']);
        assert.deepEqual(cal.events.map((e) => e.uid), sessions.map((s) => `${s.id}@hashchat`));

        // The next sessions come from the series when the moderator asks (series key only).
        res = await http(srv, 'POST', `/api/series/${id}/sessions`, { count: 2 }, { authorization: 'Bearer nope' });
        assert.equal(res.status, 401);
        res = await http(srv, 'POST', `/api/series/${id}/sessions`, { count: 2 }, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 201, res.text);
        assert.deepEqual(res.json.sessions, ['ukedchat-2026-11-05', 'ukedchat-2026-11-12']);
        assert.equal((await getSession(srv, 'ukedchat-2026-11-05')).start, '2026-11-05T20:00:00.000Z');
        res = await http(srv, 'POST', `/api/series/${id}/sessions`, { count: 40 }, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 400);

        // A second edition for another zone is its own series.
        res = await http(srv, 'POST', '/api/series', { hashtag: '#ukedchat', title: 'UKEdChat (Asia)', timezone: 'Asia/Kolkata', weekday: 'friday', time: '19:30', count: 1 });
        assert.equal(res.status, 201);
        assert.equal(res.json.id, 'ukedchat-2');
        assert.equal(res.json.sessions[0].start, '2026-10-16T14:00:00.000Z');

        for (const [body, why] of [
            [{ hashtag: '#x', title: 't', timezone: 'Mars/Base', weekday: 'monday', time: '20:00' }, 'zone'],
            [{ hashtag: '#x', title: 't', timezone: 'UTC', weekday: 'someday', time: '20:00' }, 'weekday'],
            [{ hashtag: '#x', title: 't', timezone: 'UTC', weekday: 'monday', time: '25:00' }, 'time'],
            [{ hashtag: '#x', title: 't', timezone: 'UTC', weekday: 'monday', time: '20:00', count: 13 }, 'count'],
            [{ hashtag: '#x', title: 't', timezone: 'UTC', weekday: 'monday', time: '20:00', first_date: '2026-10-14' }, 'first_date not a monday'],
            [{ hashtag: '#x', title: 't', timezone: 'UTC', weekday: 'monday', time: '20:00', colour: 'red' }, 'unknown field'],
        ]) {
            res = await http(srv, 'POST', '/api/series', body);
            assert.equal(res.status, 400, why);
            assert.equal(res.json.error, 'bad_request', why);
        }
        assert.equal((await http(srv, 'GET', '/api/series/nope')).status, 404);

        // Durable, and the first session starts on time after a restart.
        const dataDir = srv.dataDir;
        await stopServer(srv);
        srv = await startServer({ dataDir, clock: '2026-10-15T18:59:00Z' });
        res = await http(srv, 'GET', `/api/series/${id}`);
        assert.equal(res.json.sessions.length, 5);
        await advance(srv, 60);
        assert.equal((await getSession(srv, sessions[0].id)).phase.phase, 'intro');
    } finally {
        await stopServer(srv);
    }
});
