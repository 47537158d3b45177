// The proof that several nodes are one chat: PostgreSQL, three nodes and nginx running the
// shipped site (only its ports, upstreams and certificate paths changed; unprivileged, logging to
// stderr, a certificate made here), all on loopback. A #PubPD evening with a few hundred clients
// spread over the nodes by nginx's round-robin; the writer killed (SIGKILL) in the middle of a
// round, later the next writer frozen (SIGSTOP) past its lease and thawed; a slow chat whose
// release falls due while no node has it loaded. The clients resume through nginx on their own
// (harness ResumingClient: since = last seq, the outbox sent again). At the end every client has
// the whole log once and in order, every acknowledged post is in it once, and every phase change
// and release is in the log once.
//
// Bounded: every wait has a deadline; the failovers wait (in real time) for leases of 1.5 s.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    PG_URL, pgUrlOf, createDatabase, dropDatabase, startServer, killServer, removeDataDir, createSession,
    advanceTo, addMinutes, step, metrics, metric, http, eventually, Client, ResumingClient, Watch,
} from './harness.mjs';
import { eveningSpec } from './common.mjs';
import { makeNginx, NGINX } from './nginx_common.mjs';
import { existsSync } from 'node:fs';

const CLIENTS = 300;
const LEASE_MS = 1500;
const T = (m) => addMinutes('2026-11-26T19:00:00.000Z', m);
const SLOW = {
    hashtag: '#SlowProof',
    title: 'A slow chat nobody has open',
    mode: 'slow',
    timezone: 'Europe/London',
    start: '2026-11-26T19:30',
    release_time: '19:30',
    questions: ['What did you try this week?', 'What will you keep?'],
};

/** Every event, as comparable text. */
const digest = (events) => events.map((e) => `${e.seq}:${e.kind}:${e.author ?? ''}:${e.text ?? ''}:${e.phase ?? ''}:${e.round ?? ''}`);

test('the proof: three nodes behind nginx, a few hundred clients, SIGKILL and SIGSTOP mid-round, a slow chat falling due with no room', {
    skip: (!PG_URL && 'needs HASHCHAT_TEST_PG') || (!existsSync(NGINX) && 'needs nginx'),
    timeout: 300_000,
}, async () => {
    const database = `hc_proof_${process.pid}`;
    dropDatabase(database);
    createDatabase(database);
    const url = pgUrlOf(database);
    const nodes = [];
    const clients = [];
    let nginx;
    const watch = new Watch();
    try {
        for (const name of ['a', 'b', 'c']) {
            nodes.push(await startServer({
                clock: '2026-11-26T18:55:00Z',
                args: [`--database=${url}`, `--node-id=${name}`, `--lease-ms=${LEASE_MS}`, '--lease-renew-ms=300', '--trust-proxy'],
            }));
        }
        const alive = () => nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null);
        nginx = await makeNginx(nodes.map((n) => n.port), { workerConnections: 4 * CLIENTS });
        await nginx.start();
        const live = await createSession(nodes[0], eveningSpec('#PubPD', 'PubPD at the Crown'));
        const slow = await createSession(nodes[1], SLOW);

        let seq = 0;
        const everyone = () => clients;
        const writeAll = (round, tag) => {
            for (const c of clients) c.write(`${c.handle}-${tag}`, `A${round}: ${c.handle} ${tag} (${++seq})`);
        };
        const allAcked = (what, timeout = 60_000) => watch.until(
            () => everyone().every((c) => c.outbox.size === 0), what, timeout,
            () => `${everyone().filter((c) => c.outbox.size > 0).length} clients wait for acks`,
        );
        const allHave = (pred, what, timeout = 60_000) => watch.until(
            () => everyone().every((c) => c.events.some(pred)), what, timeout,
            () => `${everyone().filter((c) => !c.events.some(pred)).length} clients lack it`,
        );
        const writerOf = async () => {
            for (const n of alive()) if (metric(await metrics(n), 'hashchat_leases_held') >= 1) return n;
            return undefined;
        };

        await step(`${CLIENTS} clients join through nginx, spread over the three nodes`, async () => {
            for (let i = 0; i < CLIENTS; i++) {
                const handle = `p${String(i).padStart(3, '0')}`;
                clients.push(new ResumingClient({
                    endpoint: async () => nginx.ws, session: live.id, handle, name: `P ${i}`,
                    onChange: () => watch.notify(),
                }).start());
            }
            await watch.until(() => clients.every((c) => c.online), 'every client welcomed', 60_000,
                () => `${clients.filter((c) => !c.online).length} not welcomed`);
            const per = [];
            for (const n of nodes) per.push(metric(await metrics(n), 'hashchat_connections'));
            assert.ok(per.every((k) => k >= CLIENTS / 6), `round-robin reached every node: ${per.join(', ')}`);
        });

        await step('Q1; every client answers, each acknowledged', async () => {
            await advanceTo(nodes[2], T(5));
            for (const n of nodes) n.clock = T(5);
            await allHave((e) => e.kind === 'phase' && e.round === 1, 'Q1 everywhere');
            writeAll(1, 'a1');
            await allAcked('every first answer acknowledged');
        });

        await step('mid-round the writer is killed (SIGKILL): answers sent meanwhile are acknowledged once, the clients on it resume through nginx', async () => {
            const w = await writerOf();
            assert.ok(w, 'a node writes the evening');
            writeAll(1, 'a1-more');
            w.proc.kill('SIGKILL');
            await w.exited;
            await allAcked('every answer sent across the failover acknowledged');
        });

        await step('Q2 from a surviving node; the next writer frozen (SIGSTOP) past its lease, then thawed', async () => {
            const [first] = alive();
            await advanceTo(first, T(13));
            for (const n of nodes) n.clock = T(13);
            await allHave((e) => e.kind === 'phase' && e.round === 2, 'Q2 everywhere');
            const w = await writerOf();
            assert.ok(w, 'a node writes the evening after the failover');
            const [other] = alive().filter((n) => n !== w);
            const before = metric(await metrics(other), 'hashchat_sessions_taken_over_total');
            w.proc.kill('SIGSTOP');
            writeAll(2, 'a2');
            await eventually(async () => metric(await metrics(other), 'hashchat_sessions_taken_over_total') > before,
                'the other node to take the evening over', 15_000);
            w.proc.kill('SIGCONT');
            await allAcked('every answer sent across the freeze acknowledged');
        });

        await step('the slow chat\'s release falls due with no room anywhere: one node claims it and releases it once', async () => {
            const [first] = alive();
            await advanceTo(first, T(31));
            for (const n of nodes) n.clock = T(31);
            const reader = await Client.connect(nginx.ws, 'slow-reader');
            try {
                await reader.hello(slow.id, 'reader', 'Reader');
                const view = await http(first, 'GET', `/api/sessions/${slow.id}`);
                await reader.waitSeq(view.json.head);
                const releases = reader.events.filter((e) => e.kind === 'release');
                assert.deepEqual(releases.map((e) => e.round), [1], 'the first question, released once');
            } finally {
                reader.terminate();
            }
        });

        await step('the evening ends; every client has the whole log once, in order; every acknowledged post is in it once; every phase change once', async () => {
            const [first] = alive();
            await advanceTo(first, T(40));
            for (const n of nodes) n.clock = T(40);
            await allHave((e) => e.kind === 'phase' && e.phase === 'closed', 'the close everywhere');
            const head = (await http(first, 'GET', `/api/sessions/${live.id}`)).json.head;
            await watch.until(() => clients.every((c) => c.lastSeq >= head), 'every client at the head', 60_000);
            const reference = await Client.connect(first, 'reference');
            let log;
            try {
                await reference.hello(live.id, 'referee', 'Referee');
                await reference.waitSeq(head);
                log = reference.events.filter((e) => e.seq <= head);
            } finally {
                reference.terminate();
            }
            reference.assertGapFree(head);
            const want = digest(log);
            for (const c of clients) {
                assert.deepEqual(c.violations, [], `${c.label}: no gap, duplicate or unexpected error`);
                assert.deepEqual(digest(c.events.filter((e) => e.seq <= head)), want, `${c.label} has the whole log once, in order`);
            }
            const posts = new Map();
            for (const e of log.filter((x) => x.kind === 'post')) posts.set(e.text, (posts.get(e.text) ?? []).concat(e.seq));
            for (const c of clients) {
                for (const { cid, text } of c.written) {
                    const seqs = posts.get(text) ?? [];
                    assert.equal(seqs.length, 1, `${c.label} ${cid}: in the log once (${seqs.join(', ')})`);
                    assert.equal(c.acked.get(cid), seqs[0], `${c.label} ${cid}: acknowledged with its seq`);
                }
            }
            const phases = log.filter((e) => e.kind === 'phase').map((e) => `${e.phase}:${e.round ?? ''}`);
            assert.equal(new Set(phases).size, phases.length, `each phase change once: ${phases.join(', ')}`);
            assert.deepEqual(phases, ['intro:0', 'round:1', 'round:2', 'round:3', 'wrapup:', 'closed:'].filter((p) => phases.includes(p)),
                `in order: ${phases.join(', ')}`);
            assert.ok(phases.includes('closed:') && phases.includes('round:3'), `the timetable ran to the end: ${phases.join(', ')}`);
            const sum = (f) => clients.reduce((n, c) => n + f(c), 0);
            const resumed = clients.filter((c) => c.welcomes > 1).length;
            console.log(`proof: ${clients.length} clients, ${head} events, ${sum((c) => c.written.length)} posts acknowledged; ` +
                `${resumed} clients resumed (${sum((c) => c.welcomes)} welcomes), ${sum((c) => c.resends)} posts sent again, ` +
                `${sum((c) => c.rateLimited)} rate_limited, ${sum((c) => c.duplicatesDropped)} duplicates dropped`);
            assert.ok(resumed >= CLIENTS / 6, `the killed node's clients resumed through nginx (${resumed})`);
        });
    } finally {
        await Promise.all(clients.map((c) => c.stop()));
        for (const n of nodes) n.proc.kill('SIGCONT');
        for (const n of nodes) await killServer(n);
        for (const n of nodes) await removeDataDir(n.dataDir);
        await nginx?.stop();
        dropDatabase(database);
    }
});
