// Bursts of posts from many clients: every post acked once with distinct, gap-free seqs, every
// client sees the whole log in order, and the posts share transactions (group commit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, metrics, metric,
    dropAll, step, TIMEOUT_MS, Client,
} from './harness.mjs';
import { Q1, assertAllSame, join } from './common.mjs';

const CLIENTS = 8;
const BURST = 100; // more than a connection may have in flight (64): reading pauses and resumes

test('8 clients x 100 posts without waiting: all acked, gap-free, group-committed', { timeout: 120_000 }, async (t) => {
    let srv;
    const clients = [];
    const extra = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const created = await createSession(srv, {
            hashtag: '#Burst',
            title: 'Group commit',
            mode: 'live',
            timezone: 'UTC',
            questions: [Q1],
            options: { premoderation: false, slowdown_seconds: 0 },
        });
        const id = created.id;
        for (let i = 0; i < CLIENTS; i++) clients.push(await join(srv, id, `p${i}`, `Participant ${i}`));

        const m0 = await metrics(srv);
        const appended0 = metric(m0, 'hashchat_events_appended_total');
        const commits0 = metric(m0, 'hashchat_commits_total');
        const deliveries0 = metric(m0, 'hashchat_deliveries_total');
        assert.equal(metric(m0, 'hashchat_connections'), CLIENTS, 'connections gauge');
        assert.ok(metric(m0, 'hashchat_sessions') >= 1, 'sessions gauge');
        const head0 = (await getSession(srv, id)).head;

        // all frames of all clients go out before any ack is awaited
        const cids = [];
        for (let k = 0; k < BURST; k++) {
            for (let i = 0; i < CLIENTS; i++) {
                const cid = `p${i}-burst-${k}`;
                cids.push(cid);
                clients[i].send({ type: 'post', cid, text: `burst post ${k} from p${i}` });
            }
        }
        const total = CLIENTS * BURST;
        // a client joining while the burst is being written gets backlog + live without gap or repeat
        const midJoiner = await join(srv, id, 'late', 'Late Joiner', { since: 0 });
        extra.push(midJoiner);

        const ackSeq = new Map();
        await step('every post is acked exactly once', async () => {
            for (const c of clients) {
                await c.until(() => c.messages.filter((m) => m.type === 'ack' || m.type === 'error').length >= BURST,
                    `${BURST} acks`, 3 * TIMEOUT_MS);
                const errors = c.messages.filter((m) => m.type === 'error');
                assert.deepEqual(errors, [], `${c.label}: no post refused`);
                const acks = c.messages.filter((m) => m.type === 'ack');
                assert.equal(acks.length, BURST, `${c.label}: one ack per post`);
                for (const a of acks) {
                    assert.ok(!ackSeq.has(a.cid), `cid ${a.cid} acked once`);
                    ackSeq.set(a.cid, a.seq);
                }
            }
            assert.deepEqual([...ackSeq.keys()].sort(), [...cids].sort());
        });

        await step('seqs are distinct and gap-free', async () => {
            const seqs = [...ackSeq.values()].sort((a, b) => a - b);
            const want = Array.from({ length: total }, (_, i) => head0 + 1 + i);
            assert.deepEqual(seqs, want);
            const head = (await getSession(srv, id)).head;
            assert.equal(head, head0 + total);
        });

        await step('every client saw every post once, in order, matching the acks', async () => {
            const head = head0 + total;
            await assertAllSame([...clients, midJoiner], head);
            t.diagnostic(`the mid-burst joiner's welcome head was ${midJoiner.welcome.head}`);
            for (const e of clients[0].events.slice(head0)) {
                assert.equal(e.kind, 'post');
                const [, k] = /burst post (\d+) from/.exec(e.text);
                assert.equal(ackSeq.get(`${e.author}-burst-${k}`), e.seq, `event ${e.seq} is the post acked with that seq`);
                assert.equal(e.round, null, 'a post before any question has no round');
            }
        });

        await step('metrics: group commit', async () => {
            const m1 = await metrics(srv);
            const appended = metric(m1, 'hashchat_events_appended_total') - appended0;
            const commits = metric(m1, 'hashchat_commits_total') - commits0;
            const deliveries = metric(m1, 'hashchat_deliveries_total') - deliveries0;
            assert.equal(appended, total, 'events appended = posts');
            t.diagnostic(`${total} posts in ${commits} commits`);
            assert.ok(commits >= 1, 'at least one commit');
            assert.ok(commits < total, `posts share commits: ${commits} commits for ${total} posts`);
            assert.ok(deliveries >= total * CLIENTS, `every event delivered to every client: ${deliveries} >= ${total * CLIENTS}`);
            assert.equal(metric(m1, 'hashchat_connections_dropped_total'), 0, 'no reader was dropped');
        });

        await step('resending the whole burst makes nothing new', async () => {
            const c = clients[0];
            const from = c.messages.length;
            for (let k = 0; k < BURST; k++) c.send({ type: 'post', cid: `p0-burst-${k}`, text: `burst post ${k} from p0` });
            await c.until(() => c.messages.slice(from).filter((m) => m.type === 'ack' || m.type === 'error').length >= BURST, 'resend acks');
            const acks = c.messages.slice(from).filter((m) => m.type === 'ack');
            assert.equal(acks.length, BURST, 'each resend acked');
            for (const a of acks) assert.equal(a.seq, ackSeq.get(a.cid), `resend of ${a.cid} keeps its seq`);
            const m2 = await metrics(srv);
            assert.equal(metric(m2, 'hashchat_events_appended_total') - appended0, total, 'no event appended by resends');
            assert.equal((await getSession(srv, id)).head, head0 + total);
        });

        await step('the same cid twice in flight makes one post; another author may reuse a cid', async () => {
            const [a, b] = clients;
            const head = (await getSession(srv, id)).head;
            const from = a.messages.length;
            a.send({ type: 'post', cid: 'twin', text: 'twin post', rid: 'twin-1' });
            a.send({ type: 'post', cid: 'twin', text: 'twin post', rid: 'twin-2' });
            const r1 = await a.waitMessage((m) => m.rid === 'twin-1', 'first twin', from);
            const r2 = await a.waitMessage((m) => m.rid === 'twin-2', 'second twin', from);
            assert.equal(r1.type, 'ack', JSON.stringify(r1));
            assert.equal(r2.type, 'ack', JSON.stringify(r2));
            assert.equal(r1.seq, head + 1);
            assert.equal(r2.seq, r1.seq, 'the resend in flight gets the same seq');
            const other = await b.post('same cid, other author', { cid: 'twin' });
            assert.equal(other.seq, head + 2, "a cid is unique per author: b's 'twin' is a new post");
            await a.ping();
            await assertAllSame(clients, head + 2);
            assert.equal((await getSession(srv, id)).head, head + 2);
        });

        await step('a backlog over 500 events comes in batches of at most 500', async () => {
            const c = clients[1];
            const from = c.messages.length;
            for (let k = 0; k < 150; k++) c.send({ type: 'post', cid: `more-${k}`, text: `more ${k}` });
            await c.until(() => c.messages.slice(from).filter((m) => m.type === 'ack' || m.type === 'error').length >= 150, '150 acks');
            assert.deepEqual(c.messages.slice(from).filter((m) => m.type === 'error'), []);
            const head = (await getSession(srv, id)).head;
            assert.ok(head > 500, `head ${head} > 500`);
            const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
            clients.push(reader);
            await assertAllSame(clients, head);
            const sizes = reader.messages.filter((m) => m.type === 'events').map((m) => m.events.length);
            assert.ok(sizes.length >= 2, `backlog of ${head} events needs at least two batches: ${JSON.stringify(sizes)}`);
            assert.ok(sizes.every((n) => n >= 1 && n <= 500), `batches of 1..500 events: ${JSON.stringify(sizes)}`);
            const r2 = await join(srv, id, 'reader2', 'Reader 2', { since: head - 7 });
            clients.push(r2);
            await r2.waitSeq(head);
            await r2.ping();
            r2.assertGapFree(head, head - 7);
        });

        await step('connections gauge follows closes', async () => {
            await clients[0].closeNormally();
            const deadline = Date.now() + TIMEOUT_MS;
            let conns;
            const open = clients.filter((c) => !c.close).length + (midJoiner.close ? 0 : 1);
            // the gauge is polled (a condition with a bound), not slept on
            while (Date.now() < deadline) {
                conns = metric(await metrics(srv), 'hashchat_connections');
                if (conns === open) break;
                await clients[1].ping();
            }
            assert.equal(conns, open);
        });

        for (const c of clients) await c.closeNormally();
        await midJoiner.closeNormally();
        await stopServer(srv);
    } finally {
        dropAll([...clients, ...extra]);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('presence counts joined connections and is not logged', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const { id } = await createSession(srv, { hashtag: '#Presence', title: 'Presence', mode: 'live', timezone: 'UTC', questions: [Q1] });
        const lastOnline = (c) => c.messages.filter((m) => m.type === 'presence').at(-1)?.online;
        for (let i = 0; i < 3; i++) clients.push(await join(srv, id, `m${i}`, `Member ${i}`));
        assert.equal(clients[2].welcome.session.online, 3, 'welcome.session.online counts the new member');
        await clients[0].until(() => lastOnline(clients[0]) === 3, 'presence 3 at m0');
        await clients[1].until(() => lastOnline(clients[1]) === 3, 'presence 3 at m1');
        // a connection that has not joined is not online
        const anon = await Client.connect(srv, 'anon');
        clients.push(anon);
        await anon.ping();
        await clients[2].closeNormally();
        await clients[0].until(() => lastOnline(clients[0]) === 2, 'presence 2 after a close');
        await clients[1].until(() => lastOnline(clients[1]) === 2, 'presence 2 after a close');
        const s = await getSession(srv, id);
        assert.equal(s.online, 2);
        assert.equal(s.head, 0, 'presence is not logged');
        assert.deepEqual(clients[0].events, []);
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
