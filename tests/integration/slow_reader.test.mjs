// A member that stops reading: its queue passes the bound, it is dropped with 4001, others are
// unaffected, and it resumes with token + since and gets exactly the rest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, metrics, metric,
    dropAll, step, Checks,
} from './harness.mjs';
import { Q1, assertAllSame, join } from './common.mjs';

const CHUNK = 200;
const MAX_POSTS = 8000; // a bound: ~32 MB of events towards the reader that does not read

test('a reader that stops reading is dropped with 4001 and can resume', { timeout: 180_000 }, async (t) => {
    let srv;
    const clients = [];
    const checks = new Checks();
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const { id } = await createSession(srv, { hashtag: '#Slow', title: 'Slow reader', mode: 'live', timezone: 'UTC', questions: [Q1] });
        const poster = await join(srv, id, 'poster', 'Poster');
        const slow = await join(srv, id, 'slow', 'Slow');
        const other = await join(srv, id, 'other', 'Other');
        clients.push(poster, slow, other);
        const dropped0 = metric(await metrics(srv), 'hashchat_connections_dropped_total');

        // stop reading: the kernel buffers fill, then the server's queue for this connection grows
        slow.ws._socket.pause();
        const text = '\u{1F4DA}'.repeat(1000); // 4000 bytes of UTF-8 per event
        let sent = 0;
        let dropped = dropped0;
        await step('flood until the server drops the slow reader', async () => {
            while (sent < MAX_POSTS && dropped === dropped0) {
                const from = poster.messages.length;
                for (let k = 0; k < CHUNK; k++) poster.send({ type: 'post', cid: `flood-${sent + k}`, text });
                sent += CHUNK;
                await poster.until(() => poster.messages.slice(from).filter((m) => m.type === 'ack' || m.type === 'error').length >= CHUNK, 'acks of a chunk', 30_000);
                assert.deepEqual(poster.messages.slice(from).filter((m) => m.type === 'error'), [], 'no post refused');
                // the other reader keeps up, so waiting for it bounds the server's queues
                await other.waitSeq(sent, 30_000);
                dropped = metric(await metrics(srv), 'hashchat_connections_dropped_total');
            }
            t.diagnostic(`dropped after ${sent} posts of 4000 bytes`);
            assert.equal(dropped, dropped0 + 1, `the slow reader was dropped within ${MAX_POSTS} posts`);
        });

        await step('the slow reader sees a gap-free prefix, then close 4001', async () => {
            slow.ws._socket.resume();
            const close = await slow.waitClose(30_000);
            await checks.soft('close code 4001', () => assert.equal(close.code, 4001, `the dropped reader's close code is ${JSON.stringify(close)}, docs/protocol.md says 4001`));
            const seqs = slow.events.map((e) => e.seq);
            assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'what arrived is a gap-free prefix');
            assert.ok(seqs.length < sent, 'it did not get everything');
        });

        await checks.soft('it resumes with token + since and gets exactly the rest', async () => {
            const head = (await getSession(srv, id)).head;
            assert.equal(head, sent);
            const since = slow.events.length;
            const again = await join(srv, id, 'slow', 'Slow', { token: slow.token, since }, 'slow-again');
            clients.push(again);
            await again.waitSeq(head, 30_000);
            await again.ping();
            again.assertGapFree(head, since);
            await assertAllSame([poster, other], head);
            assert.deepEqual([...slow.events, ...again.events], other.events, 'prefix + rest = the whole log');
        });

        await stopServer(srv);
        checks.done();
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('a backlog of long posts (over the 1 MiB queue bound in total) reaches a joining reader', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const { id } = await createSession(srv, { hashtag: '#LongPosts', title: 'Long posts', mode: 'live', timezone: 'UTC', questions: [Q1] });
        const poster = await join(srv, id, 'poster', 'Poster');
        clients.push(poster);
        // 300 posts of 1000 code points, 4000 bytes each: 1.2 MB of backlog, each post within every limit
        const N = 300;
        const text = '\u{1F4DA}'.repeat(1000);
        for (let k = 0; k < N; k++) poster.send({ type: 'post', cid: `long-${k}`, text });
        await poster.until(() => poster.messages.filter((m) => m.type === 'ack' || m.type === 'error').length >= N, `${N} acks`, 30_000);
        assert.deepEqual(poster.messages.filter((m) => m.type === 'error'), []);
        const head = (await getSession(srv, id)).head;
        assert.equal(head, N);

        const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
        clients.push(reader);
        await reader.waitSeq(head, 30_000);
        await reader.ping();
        reader.assertGapFree(head);
        assert.equal(reader.close, undefined, 'the reader that reads is not dropped');
        assert.deepEqual(reader.events, poster.events);
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
