// Sessions on demand: a session's room (its log in memory) is built when something needs it (a
// join, an HTTP write, its timetable falling due) and let go when it has no connections, nothing
// in flight and nothing due within --room-idle-seconds. Reads never build one. The timetable runs
// with no room loaded and across restarts, each phase logged once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, createSession, getSession, http, advanceTo, metrics, metric, dropAll,
    step, withTimeout, TIMEOUT_MS, Client, makeDataDir, removeDataDir,
} from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';

const ARGS = ['--room-idle-seconds=60'];

async function roomsLoaded(srv) {
    return metric(await metrics(srv), 'hashchat_rooms_loaded');
}

/** Waits (bounded) until `hashchat_rooms_loaded` is `n`: a room is let go just after it answers. */
async function untilRoomsLoaded(srv, n, what) {
    await withTimeout((async () => {
        while ((await roomsLoaded(srv)) !== n) await new Promise((resolve) => setImmediate(resolve));
    })(), TIMEOUT_MS, `${n} rooms loaded: ${what}`);
}

/** Every event of the session's log, as a viewer reads it (this builds the room). */
async function logOf(srv, id) {
    const c = await Client.connect(srv, 'auditor');
    try {
        const w = await c.expectReply({ type: 'hello', session: id, view: true }, 'welcome');
        if (w.head > 0) await c.waitSeq(w.head);
        return c.events;
    } finally {
        c.terminate();
    }
}

test('rooms are built when needed and let go when idle; the timetable runs without them', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    const dataDir = await makeDataDir();
    try {
        srv = await startServer({ dataDir, clock: '2026-11-26T18:55:00Z', args: ARGS });
        const created = await createSession(srv, {
            hashtag: '#OnDemand', title: 'On demand', mode: 'live', timezone: 'Europe/London',
            start: '2026-11-26T20:00', questions: [Q1, Q2], intro_minutes: 5, round_minutes: 8,
            wrapup_minutes: 5,
        });
        const id = created.id;
        const auth = { authorization: `Bearer ${created.moderator_key}` };

        await step('a new session with nothing due within a minute has no room loaded', async () => {
            await untilRoomsLoaded(srv, 0, 'after creation');
            assert.equal(metric(await metrics(srv), 'hashchat_sessions'), 1);
        });

        await step('reads never build a room', async () => {
            const s = await getSession(srv, id);
            assert.equal(s.phase.phase, 'scheduled');
            assert.equal(s.head, 0);
            assert.equal(s.title, 'On demand');
            assert.equal((await http(srv, 'GET', `/api/sessions/${id}/transcript.json`)).status, 200);
            assert.equal((await http(srv, 'GET', `/api/sessions/${id}/links`)).status, 200);
            assert.equal((await http(srv, 'GET', '/api/sessions')).status, 200);
            assert.equal(await roomsLoaded(srv), 0);
        });

        await step('the start falls due with no room loaded: built, the intro logged, let go', async () => {
            await advanceTo(srv, '2026-11-26T20:00:30Z');
            const s = await getSession(srv, id);
            assert.equal(s.phase.phase, 'intro');
            assert.equal(s.head, 1);
            await untilRoomsLoaded(srv, 0, 'the intro lasts 5 minutes');
            assert.deepEqual(await getSession(srv, id), s, 'the view is the same with the room let go');
        });

        await step('a join builds the room, the last one leaving lets it go', async () => {
            const ann = await join(srv, id, 'ann', 'Ann');
            clients.push(ann);
            assert.equal(await roomsLoaded(srv), 1);
            const ack = await ann.post('A0 Ann, maths');
            assert.equal(ack.seq, 2);
            await ann.closeNormally();
            await untilRoomsLoaded(srv, 0, 'ann left');
            assert.equal((await getSession(srv, id)).head, 2);
            // She comes back: the room is built again from the store, with her and her post.
            const again = await join(srv, id, 'ann', 'Ann', { token: ann.token, since: 0 });
            clients.push(again);
            await again.waitSeq(2);
            again.assertGapFree(2, 0);
            await again.closeNormally();
            await untilRoomsLoaded(srv, 0, 'ann left again');
        });

        await step('an HTTP write builds the room; it is let go after', async () => {
            const res = await http(srv, 'PATCH', `/api/sessions/${id}`, { title: 'On demand, renamed' }, auth);
            assert.equal(res.status, 200, JSON.stringify(res.json));
            assert.equal(res.json.title, 'On demand, renamed');
            await untilRoomsLoaded(srv, 0, 'after the PATCH');
            assert.equal((await getSession(srv, id)).title, 'On demand, renamed');
        });

        await step('a co-moderator key made over HTTP is stored through the committer', async () => {
            const res = await http(srv, 'POST', `/api/sessions/${id}/keys`, { label: 'Sam' }, auth);
            assert.equal(res.status, 201, JSON.stringify(res.json));
            await untilRoomsLoaded(srv, 0, 'after the key');
        });

        await step('Q1 falls due while the server is down: logged once when it starts', async () => {
            await stopServer(srv);
            srv = await startServer({ dataDir, clock: '2026-11-26T20:06:00Z', args: ARGS });
            const s = await getSession(srv, id);
            assert.equal(s.phase.phase, 'round');
            assert.equal(s.phase.round, 1);
            assert.equal(s.title, 'On demand, renamed');
            await untilRoomsLoaded(srv, 0, 'Q1 lasts 8 minutes');
            const keys = await http(srv, 'GET', `/api/sessions/${id}/keys`, undefined, auth);
            assert.equal(keys.status, 200);
            assert.deepEqual(keys.json.keys.map((k) => [k.key_id, k.label, k.revoked]), [['k1', 'owner', false], ['k2', 'Sam', false]],
                'the key made before the restart is there after it');
        });

        await step('Q2 and the wrap-up fall due with no room loaded; each phase is in the log once', async () => {
            await advanceTo(srv, '2026-11-26T20:14:00Z');
            assert.equal((await getSession(srv, id)).phase.round, 2);
            await untilRoomsLoaded(srv, 0, 'Q2 lasts 8 minutes');
            await advanceTo(srv, '2026-11-26T20:30:00Z');
            assert.equal((await getSession(srv, id)).phase.phase, 'closed');
            await untilRoomsLoaded(srv, 0, 'closed: nothing due');
            const events = await logOf(srv, id);
            const phases = events.filter((e) => e.kind === 'phase' || e.kind === 'release').map((e) => `${e.phase}:${e.round ?? ''}`);
            assert.deepEqual(phases, ['intro:0', 'round:1', 'round:2', 'wrapup:', 'closed:'], 'each phase once, in order');
            assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'the log is gap-free');
        });
    } finally {
        dropAll(clients);
        if (srv) await stopServer(srv);
        await removeDataDir(dataDir);
    }
});

test('a slow chat releases its questions with no room loaded, across a restart, each once', { timeout: 120_000 }, async () => {
    let srv;
    const dataDir = await makeDataDir();
    // 07:00 London: BST (06:00Z) until the clocks go back on Sun 2026-10-25, then GMT (07:00Z).
    const R = ['2026-10-23T06:00:00.000Z', '2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z'];
    try {
        srv = await startServer({ dataDir, clock: '2026-10-22T12:00:00Z', args: ARGS });
        const { id } = await createSession(srv, {
            hashtag: '#SlowOnDemand', title: 'Slow, on demand', mode: 'slow', timezone: 'Europe/London',
            start: '2026-10-23T07:00', release_time: '07:00', questions: [Q1, Q2, 'Q3?'],
        });
        await untilRoomsLoaded(srv, 0, 'the first release is tomorrow');

        await step('day 1: Q1 released at 07:00 with no room loaded; let go after', async () => {
            await advanceTo(srv, R[0]);
            const s = await getSession(srv, id);
            assert.equal(s.phase.round, 1);
            assert.equal(s.phase.started_at, R[0]);
            await untilRoomsLoaded(srv, 0, 'Q2 is a day away');
        });

        await step('Q2 falls due while the server is down: released once when it starts, dated when due', async () => {
            await stopServer(srv);
            srv = await startServer({ dataDir, clock: '2026-10-24T09:30:00Z', args: ARGS });
            const s = await getSession(srv, id);
            assert.equal(s.phase.round, 2);
            assert.equal(s.phase.started_at, R[1]);
            await untilRoomsLoaded(srv, 0, 'Q3 is a day away');
        });

        await step('Q3 across the October change; the log has each release once, in order', async () => {
            await advanceTo(srv, R[2]);
            assert.equal((await getSession(srv, id)).phase.round, 3);
            await untilRoomsLoaded(srv, 0, 'the close is a day away');
            const releases = (await logOf(srv, id)).filter((e) => e.kind === 'release');
            assert.deepEqual(releases.map((e) => [e.round, e.at]), [[1, R[0]], [2, R[1]], [3, R[2]]]);
        });
    } finally {
        if (srv) await stopServer(srv);
        await removeDataDir(dataDir);
    }
});
