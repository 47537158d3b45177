// Fault injection: six participants post through a seeded proxy that cuts their connections at
// random byte offsets (inside frames, on frame boundaries, in the handshake; mostly from the
// server towards the client, some the other way), while the test clock moves the chat through
// its intro and rounds. Each participant keeps an outbox, resends what is unacked after every
// reconnect and resumes with its token and `since`. At the end every participant holds exactly
// the server's log, and every post written is in it exactly once.
//
// HASHCHAT_FAULT_SEED sets the proxy's seed (default 20261126).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advanceTo,
    addMinutes, step, Checks, Watch, ResumingClient, assertPhase,
} from './harness.mjs';
import { Q1, Q2, Q3, join } from './common.mjs';
import { FaultProxy, FrameTracker } from './proxy.mjs';

const SEED = Number(process.env.HASHCHAT_FAULT_SEED ?? 20261126);
const CLIENTS = 6;
const MIN_CUTS = 500;
const MIN_MID_FRAME_CUTS = 100;
const WINDOW = 4; // posts a client has in its outbox at most
const MAX_POSTS = 600; // per client: a bound, in case cuts come slower than expected
const START = '2026-11-26T19:00:00.000Z';
const T = (m) => addMinutes(START, m);
const SPEC = {
    hashtag: '#FaultPD',
    title: 'Fault injection',
    mode: 'live',
    timezone: 'UTC',
    start: '2026-11-26T19:00:00',
    questions: [Q1, Q2, Q3],
    intro_minutes: 5,
    round_minutes: 8,
    wrapup_minutes: 5,
};
// the clock moves on as the cuts pile up: [cuts, instant, the phase that begins]
const MILESTONES = [
    [80, T(0), { phase: 'intro', round: 0, question: null, started_at: T(0), ends_at: T(5) }],
    [180, T(5), { phase: 'round', round: 1, question: Q1, started_at: T(5), ends_at: T(13) }],
    [300, T(13), { phase: 'round', round: 2, question: Q2, started_at: T(13), ends_at: T(21) }],
    [420, T(21), { phase: 'round', round: 3, question: Q3, started_at: T(21), ends_at: T(29) }],
];
const WRAPUP = { phase: 'wrapup', round: null, question: null, started_at: T(29), ends_at: T(34) };

/** A WebSocket frame header for a text frame of `len` bytes (masked with a 4-byte key if asked). */
function frameHeader(len, masked) {
    const m = masked ? 0x80 : 0;
    let h;
    if (len < 126) h = [0x81, m | len];
    else if (len < 65536) h = [0x81, m | 126, len >> 8, len & 0xff];
    else h = [0x81, m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
    if (masked) h.push(1, 2, 3, 4);
    return h;
}

test('the proxy tells cuts inside a frame from cuts between frames (7, 16 and 64-bit lengths, masked or not)', () => {
    for (const masked of [false, true]) {
        const head = Buffer.from(masked ? 'GET /ws HTTP/1.1\r\nHost: x\r\n\r\n' : 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
        const parts = [head];
        const boundaries = new Set([head.length]);
        let at = head.length;
        for (const len of [0, 5, 125, 126, 300, 65535, 65536, 70000]) {
            const f = Buffer.concat([Buffer.from(frameHeader(len, masked)), Buffer.alloc(len, 0x61)]);
            parts.push(f);
            at += f.length;
            boundaries.add(at);
        }
        const stream = Buffer.concat(parts);
        // byte by byte: the position after every prefix of the stream
        const tr = new FrameTracker();
        for (let i = 1; i <= stream.length; i++) {
            tr.consume(stream, i - 1, i);
            const want = i < head.length ? 'handshake' : boundaries.has(i) ? 'between' : 'mid';
            if (tr.position !== want) assert.fail(`masked=${masked}: after ${i} bytes the tracker says ${tr.position}, expected ${want}`);
        }
        assert.equal(tr.frames, 8);
        // in chunks, stopping at boundaries: every stop is a boundary, and every boundary is found
        const tr2 = new FrameTracker();
        const stops = [];
        let i = 0;
        while (i < stream.length) {
            const end = Math.min(stream.length, i + 1000);
            const j = tr2.consume(stream, i, end, true);
            if (tr2.position === 'between') stops.push(j);
            i = j;
        }
        assert.deepEqual(stops, [...boundaries]);
    }
});

test('posting through a proxy that cuts connections at random byte offsets loses nothing and doubles nothing', { timeout: 170_000 }, async (t) => {
    let srv;
    let proxy;
    const clients = [];
    const checks = new Checks();
    const watch = new Watch();
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const { id } = await createSession(srv, SPEC);
        proxy = new FaultProxy({
            target: () => srv.port,
            seed: SEED,
            s2cBytes: [1, 4000],
            c2sBytes: [1, 1200],
            c2sShare: 0.25,
            boundaryShare: 0.25,
        });
        await proxy.listen();
        proxy.on('cut', () => watch.notify());
        t.diagnostic(`proxy seed ${SEED}`);

        let writing = true;
        const pump = (c) => {
            // a participant writes its next post as soon as its outbox has room, online or not
            while (writing && c.outbox.size < WINDOW && c.written.length < MAX_POSTS) {
                const k = c.written.length + 1;
                c.write(`${c.handle}-${k}`, `A post ${k} by ${c.handle} [m:${c.handle}:${k}]`);
            }
        };
        await step('six participants join through the proxy (not cutting yet)', async () => {
            for (let i = 0; i < CLIENTS; i++) {
                const c = new ResumingClient({
                    endpoint: async () => proxy.port,
                    session: id,
                    handle: `p${i}`,
                    name: `Participant ${i}`,
                    onChange: (cl) => {
                        pump(cl);
                        watch.notify();
                    },
                });
                clients.push(c);
            }
            // joined one after another so that each first welcome (with its token) is whole
            for (const c of clients) {
                c.start();
                await watch.until(() => c.token && c.online, `${c.label}: first welcome`);
            }
        });

        const violations = () => clients.flatMap((c) => c.violations);
        const progress = () => {
            const n = proxy.counts();
            return `cuts ${JSON.stringify(n)}, written ${clients.reduce((s, c) => s + c.written.length, 0)}, acked ${clients.reduce((s, c) => s + c.acked.size, 0)}, violations ${violations().slice(0, 5).join(' | ')}`;
        };

        await step('cut connections while the clock moves through the chat', async () => {
            proxy.cutting = true;
            for (const c of clients) pump(c);
            for (const [cuts, instant, want] of MILESTONES) {
                await watch.until(() => proxy.counts().total >= cuts, `${cuts} cuts`, 60_000, progress);
                await advanceTo(srv, instant);
                const s = await getSession(srv, id);
                assertPhase(s.phase, want, `GET at ${instant}`);
            }
            await watch.until(() => {
                const n = proxy.counts();
                return n.total >= MIN_CUTS * 1.05 && n.mid >= MIN_MID_FRAME_CUTS * 1.2;
            }, `${MIN_CUTS} cuts, ${MIN_MID_FRAME_CUTS} of them mid-frame`, 90_000, progress);
            writing = false;
            proxy.cutting = false;
            t.diagnostic(progress());
        });

        await step('with the proxy no longer cutting, everyone catches up and the outboxes drain', async () => {
            // a connection may be stuck on its way down; every client is online again soon
            await watch.until(() => clients.every((c) => c.online && c.outbox.size === 0), 'every outbox empty', 30_000, progress);
            await advanceTo(srv, T(29));
            const s = await getSession(srv, id);
            assertPhase(s.phase, WRAPUP, 'GET in the wrap-up');
            await watch.until(() => clients.every((c) => c.lastSeq === s.head), `every client at head ${s.head}`, 30_000,
                () => clients.map((c) => `${c.label}@${c.lastSeq}`).join(' '));
        });

        const counts = proxy.counts();
        t.diagnostic(`cuts: ${counts.total} (mid-frame ${counts.mid}, between frames ${counts.between}, in the handshake ${counts.handshake}); s2c ${JSON.stringify(counts.s2c)}, c2s ${JSON.stringify(counts.c2s)}; proxied connections ${counts.connections}`);
        t.diagnostic(clients.map((c) => `${c.label}: ${c.written.length} posts, ${c.welcomes} welcomes, ${c.resends} resends, ${c.rateLimited} rate_limited`).join('; '));
        await checks.soft('cut counts', () => {
            assert.ok(counts.total >= MIN_CUTS, `at least ${MIN_CUTS} cuts, got ${counts.total}`);
            assert.ok(counts.mid >= MIN_MID_FRAME_CUTS, `at least ${MIN_MID_FRAME_CUTS} mid-frame cuts, got ${counts.mid}`);
            assert.ok(counts.between > 0, 'some cuts on a frame boundary');
        });
        await checks.soft('what each connection delivered followed the protocol', () => {
            assert.deepEqual(violations(), []);
        });

        const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
        try {
            const head = reader.welcome.head;
            await reader.waitSeq(head, 30_000);
            await reader.ping();
            const log = reader.events;
            await checks.soft('the server log is seq 1..head', () => reader.assertGapFree(head, 0));
            for (const c of clients) {
                await checks.soft(`${c.label} holds exactly the server's log`, () => {
                    assert.equal(c.events.length, log.length, `${c.label} has ${c.events.length} events, the log ${log.length}`);
                    assert.deepEqual(c.events, log);
                });
                await checks.soft(`${c.label}'s outbox is empty`, () => assert.deepEqual([...c.outbox.keys()], []));
            }
            await checks.soft('every post written is in the log exactly once, at its acked seq', () => {
                const byMarker = new Map();
                for (const e of log) {
                    if (e.kind !== 'post') continue;
                    const m = /\[m:(\w+):(\d+)\]$/.exec(e.text);
                    assert.ok(m, `post ${e.seq} carries a marker: ${e.text}`);
                    assert.equal(e.author, m[1], `post ${e.seq} is by the author of its marker`);
                    const list = byMarker.get(`${m[1]}-${m[2]}`) ?? [];
                    list.push(e.seq);
                    byMarker.set(`${m[1]}-${m[2]}`, list);
                }
                const problems = [];
                let written = 0;
                for (const c of clients) {
                    for (const { cid } of c.written) {
                        written += 1;
                        const seqs = byMarker.get(cid) ?? [];
                        if (seqs.length !== 1) problems.push(`${cid} appears ${seqs.length} times (seqs ${seqs.join(',')})`);
                        else if (c.acked.get(cid) !== seqs[0]) problems.push(`${cid} acked with seq ${c.acked.get(cid)} but is at ${seqs[0]}`);
                        byMarker.delete(cid);
                    }
                }
                for (const [cid, seqs] of byMarker) problems.push(`${cid} in the log (seqs ${seqs.join(',')}) but never written`);
                assert.deepEqual(problems, [], `${written} posts written`);
            });
            await checks.soft('the phases are exactly the timetable', () => {
                const ph = log.filter((e) => e.kind === 'phase');
                const want = [...MILESTONES.map(([, instant, w]) => ({ ...w, at: instant })), { ...WRAPUP, at: T(29) }];
                assert.equal(ph.length, want.length, `phase events: ${JSON.stringify(ph)}`);
                for (const [i, w] of want.entries()) assertPhase(ph[i], w, `#${i}`);
            });
        } finally {
            reader.terminate();
        }

        for (const c of clients) await c.stop();
        await proxy.close();
        proxy = undefined;
        await stopServer(srv);
        checks.done();
    } finally {
        for (const c of clients) await c.stop();
        await proxy?.close();
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
