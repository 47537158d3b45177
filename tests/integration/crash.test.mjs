// Crash safety: four participants post steadily while the server is killed with SIGKILL at
// random (seeded) moments, each time with posts in flight, and restarted on the same data dir at
// the test-clock instant it had reached (sometimes later: time passed while it was down). The
// participants reconnect with token and `since` and resend what is unacked. Every acked post
// survives exactly once, resends never double a post, seqs stay gap-free, and the live chat's
// timetable carries on exactly: each phase begins at its scheduled instant, once.
//
// Every fourth round also restarts gracefully (SIGTERM) before its kill: the clients must see
// 1012, and no post the server committed before it exited may have gone unacked (a post still
// unacked at the 1012 whose resend is answered with a seq from before the restart was committed
// and not acked).
//
// HASHCHAT_CRASH_KILLS sets the number of SIGKILLs (default 20; more for a soak),
// HASHCHAT_CRASH_SEED the seed (default 4242).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advance, addMinutes,
    addSeconds, msBetween, step, Checks, Watch, ResumingClient, assertPhase, withTimeout, TIMEOUT_MS,
} from './harness.mjs';
import { Q1, Q2, Q3, join } from './common.mjs';
import { mulberry32, randInt } from './proxy.mjs';

const KILLS = Number(process.env.HASHCHAT_CRASH_KILLS ?? 20);
const SEED = Number(process.env.HASHCHAT_CRASH_SEED ?? 4242);
const WRITERS = 4;
const WINDOW = 3; // posts a writer has in flight at most
const START = '2026-11-26T19:00:00.000Z';
const T = (m) => addMinutes(START, m);
const SPEC = {
    hashtag: '#CrashPD',
    title: 'Crash test',
    mode: 'live',
    timezone: 'UTC',
    start: '2026-11-26T19:00:00',
    questions: [Q1, Q2, Q3],
    intro_minutes: 5,
    round_minutes: 8,
    wrapup_minutes: 5,
};
const CLOCK0 = '2026-11-26T18:55:00.000Z';
// the timetable: [begins at, phase fields]
const TIMETABLE = [
    [T(0), { phase: 'intro', round: 0, question: null, started_at: T(0), ends_at: T(5) }],
    [T(5), { phase: 'round', round: 1, question: Q1, started_at: T(5), ends_at: T(13) }],
    [T(13), { phase: 'round', round: 2, question: Q2, started_at: T(13), ends_at: T(21) }],
    [T(21), { phase: 'round', round: 3, question: Q3, started_at: T(21), ends_at: T(29) }],
    [T(29), { phase: 'wrapup', round: null, question: null, started_at: T(29), ends_at: T(34) }],
    [T(34), { phase: 'closed', round: null, question: null, started_at: null, ends_at: null }],
];
/** The phase the timetable gives at `now`. */
function expectedPhase(now) {
    let cur = { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: T(0) };
    for (const [at, p] of TIMETABLE) if (msBetween(at, now) >= 0) cur = p;
    return cur;
}
// the kills spread the chat from 18:55 to 19:27 (inside Q3) over their number
const SPAN_S = msBetween(CLOCK0, T(27)) / 1000;

test(`posts survive ${KILLS} SIGKILLs with posts in flight; the timetable carries on`, { timeout: 60_000 + KILLS * 6_000 }, async (t) => {
    let srv;
    let dataDir;
    const clients = [];
    const checks = new Checks();
    const watch = new Watch();
    const rng = mulberry32(SEED);
    try {
        srv = await startServer({ clock: CLOCK0 });
        dataDir = srv.dataDir;
        const { id } = await createSession(srv, SPEC);

        // clients wait for a running server: `up` is replaced by a pending promise before a kill
        let up = Promise.resolve();
        let markUp = () => {};
        const endpoint = async () => {
            await up;
            return srv.port;
        };
        let writing = true;
        const pump = (c) => {
            while (writing && c.outbox.size < WINDOW) {
                const k = c.written.length + 1;
                c.write(`${c.handle}-${k}`, `Post ${k} by ${c.handle} [m:${c.handle}:${k}]`);
            }
        };
        for (let i = 0; i < WRITERS; i++) {
            clients.push(new ResumingClient({
                endpoint,
                session: id,
                handle: `w${i}`,
                name: `Writer ${i}`,
                onChange: (c) => {
                    pump(c);
                    watch.notify();
                },
            }));
        }
        for (const c of clients) {
            c.start();
            await watch.until(() => c.token && c.online, `${c.label}: first welcome`);
        }
        const totalAcks = () => clients.reduce((s, c) => s + c.acked.size, 0);
        const violations = () => clients.flatMap((c) => c.violations);
        const progress = () => `acks ${totalAcks()}, online ${clients.filter((c) => c.online).length}, in flight ${clients.map((c) => c.inFlight()).join('/')}, violations ${violations().slice(0, 5).join(' | ')}`;

        const ackedBeforeKill = new Map(); // cid -> seq, as acked before some kill
        const killLog = [];
        const unackedAtTerm = []; // {cid, from, head}: unacked when a SIGTERM's 1012 arrived
        // The head when the current process started: a post committed at or below it was
        // committed by an earlier process (unacked because that one was killed), and its resend may
        // legitimately arrive after the SIGTERM, when the server no longer takes anything on.
        let lifeStartHead = 0;
        let terms = 0;
        for (let k = 1; k <= KILLS; k++) {
            if (k % 4 === 0) {
                await step(`graceful restart before kill ${k}`, async () => {
                    await watch.until(() => clients.every((c) => c.online) && clients.some((c) => c.inFlight() > 0), 'a post in flight', 30_000, progress);
                    up = new Promise((resolve) => {
                        markUp = resolve;
                    });
                    await stopServer(srv);
                    await watch.until(() => clients.every((c) => !c.online), 'every client closed', TIMEOUT_MS);
                    for (const c of clients) assert.equal(c.lastClose, 1012, `${c.label} closed with 1012 on SIGTERM`);
                    const pending = clients.flatMap((c) => [...c.outbox.keys()]);
                    srv = await startServer({ dataDir, clock: srv.clock });
                    const s = await getSession(srv, id);
                    for (const cid of pending) unackedAtTerm.push({ cid, from: lifeStartHead, head: s.head });
                    lifeStartHead = s.head;
                    terms += 1;
                    markUp();
                });
            }
            await step(`kill ${k}`, async () => {
                // this round's share of the chat's time: part passes while the server runs,
                // sometimes part while it is down
                const budget = Math.max(1, Math.round(SPAN_S / KILLS));
                const down = rng() < 0.3 ? randInt(rng, 0, budget) : 0;
                const running = budget - down;
                const acksBefore = totalAcks();
                if (running > 0) await advance(srv, running);
                const target = acksBefore + randInt(rng, 2, 30);
                await watch.until(
                    () => clients.every((c) => c.online) && totalAcks() >= target && clients.some((c) => c.inFlight() > 0),
                    `${target} acks with a post in flight`, 30_000, progress);
                // the moment: nothing runs between this check and the signal
                const inFlight = clients.reduce((s, c) => s + c.inFlight(), 0);
                assert.ok(inFlight >= 1, `kill ${k}: at least one post in flight, got ${inFlight}`);
                up = new Promise((resolve) => {
                    markUp = resolve;
                });
                srv.proc.kill('SIGKILL');
                for (const c of clients) for (const [cid, seq] of c.acked) ackedBeforeKill.set(cid, seq);
                const clock = srv.clock;
                const exit = await withTimeout(srv.exited, TIMEOUT_MS, 'the killed server to exit');
                assert.equal(exit.signal, 'SIGKILL');
                killLog.push({ k, inFlight, acks: totalAcks(), clock, down });

                const restartAt = addSeconds(clock, down);
                srv = await startServer({ dataDir, clock: restartAt });
                markUp();
                const s = await getSession(srv, id);
                lifeStartHead = s.head;
                assertPhase(s.phase, expectedPhase(restartAt), `GET after restart ${k} at ${restartAt}`);
            });
        }
        t.diagnostic(`SIGKILLs: ${killLog.length}, SIGTERMs: ${terms}; posts in flight at each kill: ${killLog.map((x) => x.inFlight).join(',')}; restarts after downtime: ${killLog.filter((x) => x.down > 0).length}; clock at the last kill ${killLog.at(-1)?.clock}`);

        await step('the load stops; every outbox drains; the chat runs to its end', async () => {
            writing = false;
            await watch.until(() => clients.every((c) => c.online && c.outbox.size === 0), 'every outbox empty', 30_000, progress);
            // run the rest of the timetable: the wrap-up and the close, on time
            await advance(srv, msBetween(srv.clock, T(34)) / 1000);
            const s = await getSession(srv, id);
            assertPhase(s.phase, TIMETABLE.at(-1)[1], 'GET at the close');
            await watch.until(() => clients.every((c) => c.lastSeq === s.head), `every client at head ${s.head}`, 30_000,
                () => clients.map((c) => `${c.label}@${c.lastSeq}`).join(' '));
        });
        t.diagnostic(`${clients.reduce((s, c) => s + c.written.length, 0)} posts written, ${ackedBeforeKill.size} acked before a kill; ${clients.map((c) => `${c.label}: ${c.welcomes} welcomes, ${c.resends} resends, ${c.rateLimited} rate_limited`).join('; ')}`);
        await checks.soft('what each connection delivered followed the protocol', () => assert.deepEqual(violations(), []));

        const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
        try {
            const head = reader.welcome.head;
            await reader.waitSeq(head, 30_000);
            await reader.ping();
            const log = reader.events;
            await checks.soft('the log is seq 1..head', () => reader.assertGapFree(head, 0));
            for (const c of clients) {
                await checks.soft(`${c.label} holds exactly the log`, () => {
                    assert.equal(c.events.length, log.length);
                    assert.deepEqual(c.events, log);
                });
            }
            const byMarker = new Map();
            for (const e of log) {
                if (e.kind !== 'post') continue;
                const m = /\[m:(\w+):(\d+)\]$/.exec(e.text);
                const key = m ? `${m[1]}-${m[2]}` : `unmarked seq ${e.seq}`;
                byMarker.set(key, [...(byMarker.get(key) ?? []), e]);
            }
            await checks.soft('every post acked before a kill is in the log once, at its acked seq', () => {
                const problems = [];
                for (const [cid, seq] of ackedBeforeKill) {
                    const found = byMarker.get(cid) ?? [];
                    if (found.length !== 1 || found[0].seq !== seq) problems.push(`${cid} acked as seq ${seq}, in the log at ${found.map((e) => e.seq).join(',') || 'nowhere'}`);
                }
                assert.deepEqual(problems, []);
            });
            await checks.soft('no post appears twice; every post written is there once, by its author', () => {
                const problems = [];
                const written = new Set();
                for (const c of clients) {
                    for (const { cid } of c.written) {
                        written.add(cid);
                        const found = byMarker.get(cid) ?? [];
                        if (found.length !== 1) problems.push(`${cid} appears ${found.length} times`);
                        else if (found[0].author !== c.handle) problems.push(`${cid} by ${found[0].author}`);
                        else if (c.acked.get(cid) !== found[0].seq) problems.push(`${cid} acked ${c.acked.get(cid)}, at ${found[0].seq}`);
                    }
                }
                for (const key of byMarker.keys()) if (!written.has(key)) problems.push(`${key} in the log but never written`);
                assert.deepEqual(problems, []);
            });
            await checks.soft('SIGTERM: everything committed before the exit was acked before the 1012', () => {
                const late = [];
                for (const { cid, from, head: h } of unackedAtTerm) {
                    const seq = clients.find((c) => c.acked.has(cid))?.acked.get(cid);
                    if (seq !== undefined && seq > from && seq <= h) late.push(`${cid} (seq ${seq}, committed after ${from}, head at restart ${h})`);
                }
                assert.deepEqual(late, [], 'posts committed before SIGTERM but not acked before the close');
            });
            await checks.soft('the phases are exactly the timetable, each once, at its instant', () => {
                const ph = log.filter((e) => e.kind === 'phase');
                assert.equal(ph.length, TIMETABLE.length, `phase events: ${JSON.stringify(ph.map((e) => [e.seq, e.at, e.phase, e.round]))}`);
                for (const [i, [at, want]] of TIMETABLE.entries()) assertPhase(ph[i], { ...want, at }, `#${i}`);
                for (let i = 1; i < ph.length; i++) assert.ok(ph[i].segment > ph[i - 1].segment, 'segments increase');
            });
        } finally {
            reader.terminate();
        }

        for (const c of clients) await c.stop();
        await stopServer(srv);
        checks.done();
    } finally {
        for (const c of clients) await c.stop();
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});
