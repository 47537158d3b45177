// A member that stops reading: its queue passes the bound, it is dropped with 4001, others are
// unaffected, and it resumes with token + since and gets exactly the rest.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, metrics, metric,
    dropAll, step, Checks, Watch, ResumingClient, procMemory,
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

// ---------------------------------------------------------------------------------------------
// Memory stays bounded while a reader is stalled.
//
// The server keeps every event of a session in memory once (the room's log) and a connection's
// queue refers to those same frames, so the resident size grows with the log whoever reads.
// The measurement therefore compares two equal floods after a warm-up: A with every reader
// reading, B with one reader stalled (its socket paused) until it is dropped. B may not cost
// more than A plus a few queue bounds. A queue that kept what a stalled reader did not take
// (copies of frames, batches, or the connection itself after its close) would add about the
// size of flood B (~9 MB) on top. ASan keeps freed memory in a quarantine (256 MB by default),
// which would hide everything; the server runs with a 1 MB quarantine here.

const MEM_QUEUE_BYTES = 262_144;
const MEM_TEXT = '\u{1F4DA}'.repeat(1000); // 4000 bytes of UTF-8, the longest post there is
// posts per poster per chunk: a chunk (2 x 25 x ~4.2 kB) is below the queue bound, and every
// reader has all of it before the next, so no reader that reads is ever a chunk behind
const MEM_CHUNK = 25;
const MEM_WARMUP_CHUNKS = 8;
const MEM_FLOOD_CHUNKS = 48; // per flood: 2 posters x 48 x 25 x ~3.9 kB = ~9 MB of events

/**
 * Bytes the kernel holds for a loopback connection, from /proc/net/tcp: the receive queue of
 * the client's socket (local port `clientPort`) plus the send queue of the server's socket
 * (local port `serverPort`, remote port `clientPort`).
 */
function kernelQueued(clientPort, serverPort) {
    let total = 0;
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 5) continue;
        const local = parseInt(f[1].split(':')[1], 16);
        const remote = parseInt(f[2].split(':')[1], 16);
        const [tx, rx] = f[4].split(':').map((h) => parseInt(h, 16));
        if (local === clientPort && remote === serverPort) total += rx;
        if (local === serverPort && remote === clientPort) total += tx;
    }
    return total;
}

test('a stalled reader is dropped at its bound, others keep receiving, server memory stays bounded', { timeout: 150_000 }, async (t) => {
    let srv;
    const clients = [];
    const watch = new Watch();
    const checks = new Checks();
    let stalled;
    try {
        srv = await startServer({
            clock: '2026-11-26T18:55:00Z',
            // SQLite's page cache fills as the store grows (64 MiB by default, by design): a small
            // one keeps what is measured here to what the server itself holds.
            args: [`--queue-bytes=${MEM_QUEUE_BYTES}`, '--sqlite-cache-mb=4'],
            env: { ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=1'].filter(Boolean).join(':') },
        });
        const pid = srv.proc.pid;
        const { id } = await createSession(srv, { hashtag: '#Memory', title: 'Memory', mode: 'live', timezone: 'UTC', questions: [Q1] });
        const make = (handle) => {
            const c = new ResumingClient({ endpoint: async () => srv.port, session: id, handle, name: handle, onChange: () => watch.notify() });
            clients.push(c);
            return c.start();
        };
        const posters = [make('poster1'), make('poster2')];
        const readers = [make('reader1'), make('reader2')];
        const all = [...posters, ...readers];
        await watch.until(() => all.every((c) => c.online), 'everyone joined');
        stalled = await join(srv, id, 'stalled', 'Stalled');
        const at = (c) => c.lastSeq;

        let posts = 0;
        let eventBytes = 0; // UTF-8 bytes of the events appended so far (measured at a reader)
        let counted = 0;
        let maxQueued = 0;
        /** One chunk from each poster; waits for the acks and for every reader to have it all. */
        let pacing = true; // the stalled reader paces the floods until it stalls
        const chunk = async () => {
            for (const p of posters) {
                for (let k = 0; k < MEM_CHUNK; k++) p.write(`${p.handle}-${p.written.length + 1}`, MEM_TEXT);
            }
            posts += posters.length * MEM_CHUNK;
            await watch.until(() => posters.every((p) => p.outbox.size === 0), `acks (${posts} posts)`, 60_000,
                () => posters.map((p) => `${p.label}: ${p.outbox.size} unacked, ${p.rateLimited} rate_limited`).join('; '));
            const head = Math.max(...posters.flatMap((p) => [...p.acked.values()]));
            await watch.until(() => all.every((c) => at(c) >= head), `everyone at seq ${head}`, 60_000,
                () => all.map((c) => `${c.label}@${at(c)}`).join(' '));
            if (pacing) await stalled.waitSeq(head, 30_000);
            for (; counted < readers[0].events.length; counted++) eventBytes += Buffer.byteLength(JSON.stringify(readers[0].events[counted]));
            maxQueued = Math.max(maxQueued, metric(await metrics(srv), 'hashchat_queued_bytes'));
        };
        const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;

        await step('warm-up, everyone reading', async () => {
            for (let i = 0; i < MEM_WARMUP_CHUNKS; i++) await chunk();
            await stalled.waitSeq(posts, 30_000);
        });
        const base = procMemory(pid);

        const bytesA0 = eventBytes;
        await step('flood A, everyone reading', async () => {
            for (let i = 0; i < MEM_FLOOD_CHUNKS; i++) await chunk();
            await stalled.waitSeq(posts, 30_000);
        });
        const afterA = procMemory(pid);
        const growthA = afterA.rss - base.rss;
        const floodBytes = eventBytes - bytesA0;
        assert.equal(metric(await metrics(srv), 'hashchat_connections_dropped_total'), 0, 'nobody dropped in flood A');

        // the stalled reader is dropped once the kernel's buffers and then its queue are full:
        // what was sent towards it by then is what the kernel holds plus the bound, give or take
        // the chunk in which the drop was noticed and a write in flight
        let dropBound;
        let kernelBytes;
        let droppedAfter;
        let stalledClose;
        const bytesB0 = eventBytes;
        const receivedAtStall = readers.map((r) => r.events.length);
        await step('flood B, one reader stalled', async () => {
            pacing = false;
            stalled.ws._socket.pause();
            for (let i = 0; i < MEM_FLOOD_CHUNKS; i++) {
                await chunk();
                if (droppedAfter === undefined && metric(await metrics(srv), 'hashchat_connections_dropped_total') > 0) {
                    droppedAfter = eventBytes - bytesB0;
                    kernelBytes = kernelQueued(stalled.ws._socket.localPort, srv.port);
                    dropBound = kernelBytes + MEM_QUEUE_BYTES + 2 * posters.length * MEM_CHUNK * 4300 + 65_536;
                    // the others received every event posted while it was stalled (chunk() waited for them)
                    for (const [j, r] of readers.entries()) {
                        assert.ok(r.events.length > receivedAtStall[j], `${r.label} kept receiving while a reader was stalled`);
                    }
                    // read again: what was buffered, then the close frame
                    stalled.ws._socket.resume();
                    stalledClose = await stalled.waitClose(30_000);
                }
            }
        });
        const afterB = procMemory(pid);
        const growthB = afterB.hwm - afterA.rss;
        t.diagnostic(`RSS after warm-up ${mb(base.rss)}; flood A (${mb(floodBytes)} of events, all reading) +${mb(growthA)}; flood B (${mb(eventBytes - bytesB0)}, one stalled) peak +${mb(growthB)}; stalled reader dropped after ${droppedAfter === undefined ? 'never' : mb(droppedAfter)} (kernel buffers held ${mb(kernelBytes ?? 0)}, bound ${mb(dropBound ?? 0)}); max hashchat_queued_bytes ${maxQueued}`);

        await checks.soft('the stalled reader was dropped with 4001 at its bound', () => {
            assert.ok(droppedAfter !== undefined, 'the stalled reader was dropped during flood B');
            assert.ok(droppedAfter <= dropBound, `dropped after ${droppedAfter} bytes of events, bound ${dropBound}`);
            assert.equal(stalledClose?.code, 4001, `close code ${JSON.stringify(stalledClose)}`);
            assert.match(srv.output, new RegExp(`send queue passed ${MEM_QUEUE_BYTES} bytes`), 'the server logged the drop at the bound');
            const seqs = stalled.events.map((e) => e.seq);
            assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'what it got is a gap-free prefix');
        });
        await checks.soft('the readers that read were never dropped', () => {
            for (const c of all) assert.equal(c.generation, 1, `${c.label} stayed on its first connection (last close ${c.lastClose})`);
            assert.deepEqual(all.flatMap((c) => c.violations), []);
        });
        await checks.soft('memory: flood B costs no more than flood A plus a few queue bounds', () => {
            const bound = growthA + 4 * MEM_QUEUE_BYTES + (2 << 20);
            assert.ok(growthB <= bound, `peak RSS growth in flood B ${growthB} must be <= ${bound} (growth in flood A ${growthA} + 4 x --queue-bytes + 2 MB)`);
            // a sanity bound on A itself: the log it added, plus the server's own overheads
            assert.ok(growthA <= 4 * floodBytes + (16 << 20), `RSS growth in flood A ${growthA} for ${floodBytes} bytes of events`);
        });
        await checks.soft('the queues stayed within their bounds', () => {
            assert.ok(maxQueued <= 6 * (MEM_QUEUE_BYTES + 65_536), `hashchat_queued_bytes reached ${maxQueued}`);
        });
        for (const c of clients) await c.stop();
        await stopServer(srv);
        checks.done();
    } finally {
        for (const c of clients) await c.stop();
        stalled?.terminate();
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
