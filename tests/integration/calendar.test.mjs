// calendar.ics, checked with an independent parser (Python's icalendar, from Debian): valid
// iCalendar, local times with their zone giving the right instants, a stable UID, the join link.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer, createSession, http } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function readIcs(text) {
    const r = spawnSync('/usr/bin/python3', [path.join(here, 'ics_read.py')], { input: text, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `python icalendar could not read it:\n${r.stderr}\n${text}`);
    return JSON.parse(r.stdout);
}

async function ics(srv, id) {
    const res = await fetch(`http://127.0.0.1:${srv.port}/api/sessions/${id}/calendar.ics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/calendar/);
    return res.text();
}

test('a live chat is one event in its local time zone, with a stable UID and the join link', async () => {
    const srv = await startServer({ clock: '2026-10-20T00:00:00Z' });
    try {
        const { id } = await createSession(srv, {
            hashtag: '#PubPD', title: 'Pub, evening; "quotes" \\ and more', description: 'Line one\nLine, two; three',
            timezone: 'America/Toronto', start: '2026-11-26T19:00', talk_minutes: 10, round_minutes: 5, questions: ['a', 'b'],
        });
        const first = await ics(srv, id);
        const cal = readIcs(first);
        assert.equal(cal.version, '2.0');
        assert.deepEqual(cal.timezones, ['America/Toronto']);
        assert.equal(cal.events.length, 1);
        const ev = cal.events[0];
        assert.equal(ev.tzid, 'America/Toronto');
        assert.equal(ev.local_start, '2026-11-26T19:00:00');
        assert.equal(ev.start_utc, '2026-11-27T00:00:00+00:00'); // EST, after the November change
        assert.equal(ev.end_utc, '2026-11-27T00:40:00+00:00');   // 5 intro + 2 x (10 + 5) + 5 wrap-up
        assert.equal(ev.summary, '#PubPD Pub, evening; "quotes" \\ and more');
        assert.match(ev.description, /^Line one\nLine, two; three\n\nJoin: http:\/\/127\.0\.0\.1:\d+\/s\/pubpd-2026-11-26\n/);
        assert.match(ev.url, /\/s\/pubpd-2026-11-26$/);
        assert.equal(ev.uid, 'pubpd-2026-11-26@hashchat');
        // Stable: the same UID (and event) every time it is fetched.
        assert.equal(readIcs(await ics(srv, id)).events[0].uid, ev.uid);

        const unscheduled = await createSession(srv, { hashtag: '#Later', title: 'Later', timezone: 'UTC', questions: ['a'] });
        const res = await http(srv, 'GET', `/api/sessions/${unscheduled.id}/calendar.ics`);
        assert.equal(res.status, 404);
    } finally {
        await stopServer(srv);
    }
});

test('a slow chat has one event per release, each at 07:00 London time across the October change', async () => {
    const srv = await startServer({ clock: '2026-10-20T00:00:00Z' });
    try {
        const { id } = await createSession(srv, {
            hashtag: '#slowchatED', title: 'Slow week', mode: 'slow', timezone: 'Europe/London',
            start: '2026-10-23T07:00', release_time: '07:00', questions: ['q1', 'q2', 'q3', 'q4'],
        });
        const cal = readIcs(await ics(srv, id));
        assert.deepEqual(cal.events.map((e) => e.local_start), [
            '2026-10-23T07:00:00', '2026-10-24T07:00:00', '2026-10-25T07:00:00', '2026-10-26T07:00:00']);
        assert.deepEqual(cal.events.map((e) => e.start_utc), [
            '2026-10-23T06:00:00+00:00', '2026-10-24T06:00:00+00:00', '2026-10-25T07:00:00+00:00', '2026-10-26T07:00:00+00:00']);
        assert.equal(new Set(cal.events.map((e) => e.uid)).size, 4);
        assert.ok(cal.events.every((e) => e.tzid === 'Europe/London'));
    } finally {
        await stopServer(srv);
    }
});

test('Asia/Kolkata keeps its half-hour offset', async () => {
    const srv = await startServer({ clock: '2026-10-20T00:00:00Z' });
    try {
        const { id } = await createSession(srv, { hashtag: '#k', title: 'K', timezone: 'Asia/Kolkata', start: '2026-11-01T19:30', questions: ['a'] });
        const ev = readIcs(await ics(srv, id)).events[0];
        assert.equal(ev.start_utc, '2026-11-01T14:00:00+00:00');
    } finally {
        await stopServer(srv);
    }
});
