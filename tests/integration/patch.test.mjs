// PATCH /api/sessions/{id}: a moderator edits a chat before it starts (questions, start), only the
// title, description and options after; the edit is durable and clients see the moved start.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopServer, createSession, getSession, http, advance } from './harness.mjs';
import { join } from './common.mjs';

test('a chat is edited before its start, and only its title after', async () => {
    let srv = await startServer({ clock: '2026-11-20T12:00:00Z' });
    try {
        const created = await createSession(srv, {
            hashtag: '#ukedchat', title: 'Thursday', timezone: 'Europe/London', start: '2026-11-26T20:00', questions: ['tbc'],
        });
        const { id, moderator_key: key } = created;
        const auth = { authorization: `Bearer ${key}` };
        const watcher = await join(srv, id, 'watcher', 'Watcher');

        let res = await http(srv, 'PATCH', `/api/sessions/${id}`, { questions: ['What went well?', 'What next?'], start: '2026-11-26T20:30' }, auth);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.deepEqual(res.json.questions.map((q) => q.text), ['What went well?', 'What next?']);
        assert.equal(res.json.phase.ends_at, '2026-11-26T20:30:00.000Z');
        // The moved start is a phase event every member sees.
        const moved = await watcher.waitEvent((e) => e.kind === 'phase' && e.phase === 'scheduled', 'the moved start');
        assert.equal(moved.ends_at, '2026-11-26T20:30:00.000Z');

        for (const [body, headers, status, code] of [
            [{ title: 'x' }, {}, 401, 'bad_key'],
            [{ title: 'x' }, { authorization: 'Bearer forged' }, 401, 'bad_key'],
            [{ mode: 'slow' }, auth, 400, 'bad_request'],
            [{ hashtag: '#other' }, auth, 400, 'bad_request'],
            [{ questions: [] }, auth, 400, 'bad_request'],
            [{ start: '2026-11-01T20:00' }, auth, 400, 'bad_request'], // in the past
            [{ colour: 'red' }, auth, 400, 'bad_request'],
        ]) {
            res = await http(srv, 'PATCH', `/api/sessions/${id}`, body, headers);
            assert.equal(res.status, status, JSON.stringify(body));
            assert.equal(res.json.error, code, JSON.stringify(body));
        }
        assert.equal((await getSession(srv, id)).title, 'Thursday');

        // Durable: after a restart the edit is there, and the chat starts at the new time.
        const dataDir = srv.dataDir;
        watcher.terminate();
        await stopServer(srv);
        srv = await startServer({ dataDir, clock: '2026-11-26T20:29:00Z' });
        let s = await getSession(srv, id);
        assert.equal(s.phase.phase, 'scheduled');
        assert.deepEqual(s.questions.map((q) => q.text), ['What went well?', 'What next?']);
        await advance(srv, 60);
        s = await getSession(srv, id);
        assert.equal(s.phase.phase, 'intro');

        // Started: the title may change, the questions may not.
        res = await http(srv, 'PATCH', `/api/sessions/${id}`, { title: 'Thursday #ukedchat' }, auth);
        assert.equal(res.status, 200);
        assert.equal(res.json.title, 'Thursday #ukedchat');
        res = await http(srv, 'PATCH', `/api/sessions/${id}`, { questions: ['changed'] }, auth);
        assert.equal(res.status, 400);
        assert.equal((await getSession(srv, id)).questions[0].text, 'What went well?');
    } finally {
        await stopServer(srv);
    }
});
