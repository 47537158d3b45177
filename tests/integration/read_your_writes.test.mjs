// Read your writes: once an event is acknowledged (an `ack`, an `ok`) or broadcast, the session's
// HTTP view shows it: its head, its phase. Hammered with both cores busy (two spinning processes,
// stopped at the end), where a view that lags the log shows up (issue 14 measured 154-166 stale
// reads in 1,025 with the head published after the acks went out).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, stopServer, createSession, getSession, dropAll, step } from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';

const ROUNDS = 1500;

/** Two processes that keep both cores busy until killed (at most 120 s each). */
function loadCores() {
    const spin = "const end = Date.now() + 120000; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);";
    return [0, 1].map(() => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
}

test('an acknowledged or broadcast event is in the HTTP view at once', { timeout: 240_000 }, async () => {
    let srv;
    const clients = [];
    const spinners = loadCores();
    try {
        srv = await startServer();
        const created = await createSession(srv, {
            hashtag: '#FreshView', title: 'Read your writes', mode: 'live', timezone: 'Europe/London',
            questions: [Q1, Q2], intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
        });
        const id = created.id;
        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        const bob = await join(srv, id, 'bob', 'Bob');
        clients.push(mod, ann, bob);
        await mod.ok({ type: 'control', action: 'start' });

        await step(`${ROUNDS} posts: each ack's seq is in the next GET's head`, async () => {
            const stale = [];
            for (let i = 0; i < ROUNDS; i++) {
                const ack = await ann.post(`A0 Post number ${i}`);
                const view = await getSession(srv, id);
                if (view.head < ack.seq) stale.push({ seq: ack.seq, head: view.head });
            }
            assert.deepEqual(stale.slice(0, 10), [], `${stale.length} stale reads of ${ROUNDS}`);
        });

        await step('what another member is sent is in the view when it arrives', async () => {
            const stale = [];
            for (let i = 0; i < 200; i++) {
                const from = bob.events.length;
                ann.send({ type: 'post', cid: `b${i}`, text: `A0 Broadcast ${i}` });
                await bob.until(() => bob.events.length > from, `event ${i} at bob`);
                const seq = bob.events[bob.events.length - 1].seq;
                const view = await getSession(srv, id);
                if (view.head < seq) stale.push({ seq, head: view.head });
            }
            assert.deepEqual(stale.slice(0, 10), [], `${stale.length} stale reads of 200`);
        });

        await step("a moderator's control is in the view's phase once it is ok", async () => {
            for (let i = 0; i < 100; i++) {
                const paused = await mod.ok({ type: 'control', action: 'pause' });
                const a = await getSession(srv, id);
                assert.equal(a.phase.phase, 'paused', `pause ${i} (seq ${paused.seq}) shows: ${JSON.stringify(a.phase)}`);
                assert.ok(a.head >= paused.seq);
                const resumed = await mod.ok({ type: 'control', action: 'resume' });
                const b = await getSession(srv, id);
                assert.notEqual(b.phase.phase, 'paused', `resume ${i} (seq ${resumed.seq}) shows: ${JSON.stringify(b.phase)}`);
                assert.ok(b.head >= resumed.seq);
            }
        });
    } finally {
        for (const s of spinners) s.kill('SIGKILL');
        dropAll(clients);
        if (srv) await stopServer(srv);
    }
});
