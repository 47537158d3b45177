// Several nodes on one PostgreSQL database (--node-id): each session is written by one node at
// a time under a lease, and any node serves any client. Members on the nodes that follow the
// writer get every event once and in order; a post written on a follower is handed over to the
// writer through PostgreSQL and acknowledged once; when the writer dies (SIGKILL) a follower
// takes the lease over after it expires, executes what was handed over and not yet taken, and
// the chat goes on. A server started without --node-id on the cluster's database is refused.
//
// The nodes share one test clock, kept in PostgreSQL: advanced on one, it moves them all.
// Leases are held in PostgreSQL and expire on its clock: the failover waits (bounded) for the
// lease to run out, which --lease-ms keeps short here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    PG_URL, pgUrlOf, createDatabase, dropDatabase, startServer, killServer, removeDataDir, createSession,
    advanceTo, addMinutes, iso, step, metrics, metric, withTimeout, Client, http, eventually,
} from './harness.mjs';
import { Q2, eveningSpec, expectPostEvent, join } from './common.mjs';

const START = '2026-11-26T19:00:00.000Z';
const T = (m) => addMinutes(START, m);
const SPEC = eveningSpec('#Cluster', 'Cluster test');
const LEASE_MS = 1500;

/** How many are online as a client last heard it (a presence message, or its welcome). */
function online(client) {
    for (let i = client.messages.length - 1; i >= 0; i--) {
        const m = client.messages[i];
        if (m.type === 'presence') return m.online;
        if (m.type === 'welcome') return m.session.online;
    }
    return undefined;
}

/** Every event a client has, as comparable text (seq, kind, author, text). */
function digest(client) {
    return client.events.map((e) => `${e.seq}:${e.kind}:${e.author ?? ''}:${e.text ?? e.phase ?? ''}`);
}

/** Waits until every client has the same events up to `head`, gap-free. */
async function sameEverywhere(clients, head) {
    for (const c of clients) await c.waitSeq(head, 15_000);
    for (const c of clients) c.assertGapFree(head);
    const ref = digest(clients[0]);
    for (const c of clients.slice(1)) assert.deepEqual(digest(c), ref, `${c.label} and ${clients[0].label} see the same events`);
}

/**
 * Runs `fn({ nodes, clients, url })` on a cluster of its own: a fresh database, and one node per
 * entry of `nodes` (name -> extra arguments; each with its --node-id), all on the shared test
 * clock. Whatever happens, the clients are cut, the nodes (thawed) killed and the database dropped.
 */
async function withCluster(name, nodeArgs, fn) {
    const database = `hc_${name}_${process.pid}`;
    dropDatabase(database);
    createDatabase(database);
    const url = pgUrlOf(database);
    const nodes = {};
    const clients = [];
    try {
        for (const [id, args] of Object.entries(nodeArgs)) {
            nodes[id] = await startServer({
                clock: '2026-11-26T18:55:00Z',
                args: [`--database=${url}`, `--node-id=${id}`, '--lease-renew-ms=300', ...args],
            });
        }
        await fn({ nodes, clients, url });
    } finally {
        for (const c of clients) c.terminate();
        for (const n of Object.values(nodes)) n.proc.kill('SIGCONT');
        for (const n of Object.values(nodes)) await killServer(n);
        for (const n of Object.values(nodes)) await removeDataDir(n.dataDir);
        dropDatabase(database);
    }
}

const LEASE = [`--lease-ms=${LEASE_MS}`];
// rooms kept while idle for an hour: what is loaded where can be counted after a release
const DUE_ARGS = [...LEASE, '--room-idle-seconds=3600'];

test('three nodes on one PostgreSQL database: hand-over, replication and failover', { skip: !PG_URL && 'needs HASHCHAT_TEST_PG', timeout: 180_000 }, async () => {
    await withCluster('cluster', { a: LEASE, b: LEASE, c: LEASE }, async ({ nodes, clients, url }) => {
        const created = await createSession(nodes.b, SPEC);
        const id = created.id;

        // ann joins on a first: a builds the session's room and takes its lease (the writer).
        const ann = await join(nodes.a, id, 'ann', 'Ann');
        const host = await join(nodes.a, id, 'host', 'Host', { key: created.moderator_key });
        const bob = await join(nodes.b, id, 'bob', 'Bob');
        const cat = await join(nodes.c, id, 'cat', 'Cat');
        clients.push(ann, host, bob, cat);

        await step('presence counts the members on every node', async () => {
            for (const c of [ann, host, bob, cat]) {
                await c.until(() => online(c) === 4, `${c.label}: 4 online over three nodes`);
            }
            const view = await http(nodes.b, 'GET', `/api/sessions/${id}`);
            assert.equal(view.json.online, 4, `the HTTP view counts every node: ${view.text}`);
        });

        await step('the test clock is shared: advanced on a follower, it moves every node, and the writer runs the timetable', async () => {
            await advanceTo(nodes.c, T(5));
            for (const c of [ann, bob, cat]) {
                await c.waitEvent((e) => e.kind === 'phase' && e.round === 1, `${c.label}: Q1`);
            }
            for (const n of [nodes.a, nodes.b]) {
                await eventually(async () => iso((await http(n, 'GET', '/healthz')).json.now) === T(5), `${n.label ?? 'a node'}'s clock to move`);
                n.clock = T(5);
            }
        });

        let a1;
        await step('a post on the writer reaches the followers\' members', async () => {
            a1 = await ann.post('A1: a question on the door', { cid: 'ann-a1' });
            for (const c of [bob, cat]) await expectPostEvent(c, a1.seq, { author: 'ann', name: 'Ann', text: 'A1: a question on the door', round: 1 });
        });

        await step('posts, replies, likes and edits on followers are handed over and acknowledged once', async () => {
            const b1 = await bob.post('A1: I ask them to predict', { cid: 'bob-a1' });
            assert.equal(b1.seq, a1.seq + 1, 'the writer gave the handed-over post the next seq');
            const c1 = await cat.post('Love this @ann', { cid: 'cat-r1', reply_to: a1.seq });
            await bob.ok({ type: 'like', seq: a1.seq });
            await cat.ok({ type: 'edit', seq: c1.seq, text: 'Love this, @ann' });
            // the same cid again is acknowledged with the same seq, not written twice
            const again = await bob.post('A1: I ask them to predict', { cid: 'bob-a1' });
            assert.equal(again.seq, b1.seq, 'a resent cid is acknowledged with its first seq');
            await expectPostEvent(ann, c1.seq, { author: 'cat', name: 'Cat', text: 'Love this @ann', round: 1, reply_to: a1.seq, mentions: ['ann'] });
            const head = (await http(nodes.a, 'GET', `/api/sessions/${id}`)).json.head;
            await sameEverywhere([ann, host, bob, cat], head);
            const edit = cat.events.find((e) => e.kind === 'edit' && e.target === c1.seq);
            assert.ok(edit, `the edit was written: ${JSON.stringify(cat.events.slice(-3))}`);
            const m = await metrics(nodes.b);
            assert.ok(metric(m, 'hashchat_commands_handed_over_total') >= 3, 'b handed its commands over');
        });

        await step('a handed-over command the writer refuses comes back as its error, and changes nothing', async () => {
            const before = (await http(nodes.a, 'GET', `/api/sessions/${id}`)).json.head;
            const err = await bob.expectError({ type: 'edit', seq: a1.seq, text: 'not mine' }, 'not_allowed');
            assert.ok(err.message, 'the error says why');
            await bob.ping();
            assert.equal((await http(nodes.a, 'GET', `/api/sessions/${id}`)).json.head, before, 'nothing was written');
        });

        await step('HTTP writes on followers (keys, PATCH) are handed over to the writer', async () => {
            const auth = (k) => ({ authorization: `Bearer ${k}` });
            const keysPath = `/api/sessions/${id}/keys`;
            const made = await http(nodes.b, 'POST', keysPath, { label: 'Sam' }, auth(created.moderator_key));
            assert.equal(made.status, 201, `create a key on a follower: ${made.status} ${made.text}`);
            assert.equal(made.json.label, 'Sam');
            const list = await http(nodes.c, 'GET', keysPath, undefined, auth(created.moderator_key));
            assert.equal(list.status, 200, list.text);
            assert.ok(list.json.keys.some((k) => k.key_id === made.json.key_id && !k.revoked), `the writer's list has it: ${list.text}`);
            const refused = await http(nodes.b, 'POST', keysPath, { label: 'Eve' }, auth('not-a-key'));
            assert.equal(refused.status, 401, `the writer's refusal comes back: ${refused.text}`);
            assert.equal(refused.json.error, 'bad_key');
            const sam = await join(nodes.a, id, 'sam', 'Sam', { key: made.json.key });
            clients.push(sam);
            assert.equal(sam.welcome.you.role, 'moderator', 'the new key is a moderator key on the writer');
            // At once on a follower too: a key it does not know yet (its notification may not have
            // come) is looked up in the store before the join is refused.
            const sam2 = await join(nodes.c, id, 'sam2', 'Sam', { key: made.json.key });
            assert.equal(sam2.welcome.you.role, 'moderator', 'the new key opens the moderator\'s view on a follower');
            clients.push(sam2);
            const patched = await http(nodes.c, 'PATCH', `/api/sessions/${id}`, { title: 'Cluster test, renamed' }, auth(created.moderator_key));
            assert.equal(patched.status, 200, `PATCH on a follower: ${patched.status} ${patched.text}`);
            assert.equal(patched.json.title, 'Cluster test, renamed');
            assert.equal((await http(nodes.a, 'GET', `/api/sessions/${id}`)).json.title, 'Cluster test, renamed');
            await eventually(async () => (await http(nodes.b, 'GET', `/api/sessions/${id}`)).json.title === 'Cluster test, renamed',
                'the follower b to show the new title');
            const revoked = await http(nodes.c, 'DELETE', `${keysPath}/${made.json.key_id}`, undefined, auth(created.moderator_key));
            assert.ok(revoked.status === 200 || revoked.status === 204, `revoke on a follower: ${revoked.status} ${revoked.text}`);
            for (const c of [sam, sam2]) {
                const close = await c.waitClose();
                assert.equal(close.code, 1008, `the revoked key's connection ${c.label} is closed`);
            }
        });

        await step('a lone server (no --node-id) is refused on the cluster\'s database', async () => {
            await assert.rejects(
                startServer({ args: [`--database=${url}`] }),
                /without --node-id|another hashchat server|several nodes/,
            );
        });

        let killedAt;
        let pending;
        await step('SIGKILL the writer: a follower takes the lease over and the chat goes on', async () => {
            nodes.a.proc.kill('SIGKILL');
            await nodes.a.exited;
            killedAt = Date.now();
            // written while nobody writes the session: handed over, waits in PostgreSQL, and is
            // executed by the node that takes over
            pending = bob.post('A1: still here after the writer died', { cid: 'bob-after' });
            const ack = await withTimeout(pending, 15_000, 'the post handed over while no node wrote the session');
            const took = Date.now() - killedAt;
            assert.ok(took < 5000 + LEASE_MS, `a follower took over within ${took} ms`);
            await expectPostEvent(cat, ack.seq, { author: 'bob', name: 'Bob', text: 'A1: still here after the writer died', round: 1 });
        });

        await step('the dead node\'s members stop counting', async () => {
            for (const c of [bob, cat]) await c.until(() => online(c) === 2, `${c.label}: 2 online once a is gone`);
        });

        await step('ann reconnects to another node and resumes where she was', async () => {
            const since = ann.events.at(-1).seq;
            const again = await Client.connect(nodes.c, 'ann2');
            clients.push(again);
            await again.hello(id, 'ann', 'Ann', { token: ann.token, since });
            const b = await again.post('A1: back on c', { cid: 'ann-back' });
            await expectPostEvent(bob, b.seq, { author: 'ann', text: 'A1: back on c', round: 1 });
            await sameEverywhere([bob, cat], b.seq);
        });

        await step('the new writer runs the timetable on', async () => {
            await advanceTo(nodes.b, T(13));
            nodes.c.clock = T(13);
            for (const c of [bob, cat]) {
                const q2 = await c.waitEvent((e) => e.kind === 'phase' && e.round === 2, `${c.label}: Q2`);
                assert.equal(q2.question, Q2);
            }
            const q2s = bob.events.filter((e) => e.kind === 'phase' && e.round === 2);
            assert.equal(q2s.length, 1, 'Q2 was written once');
        });

        await step('SIGSTOP the writer past its lease: the other node takes over; thawed, the old writer appends nothing, steps down and keeps its clients', async () => {
            const held = async (n) => metric(await metrics(n), 'hashchat_leases_held');
            const [hb, hc] = [await held(nodes.b), await held(nodes.c)];
            assert.equal(hb + hc, 1, `one node writes the session (b ${hb}, c ${hc})`);
            const [frozen, other] = hb === 1 ? [nodes.b, nodes.c] : [nodes.c, nodes.b];
            const onFrozen = hb === 1 ? bob : cat;
            const onOther = hb === 1 ? cat : bob;
            const since = onFrozen.events.at(-1).seq;
            frozen.proc.kill('SIGSTOP');
            // sent to the frozen writer: it reads it when thawed, and may not append it
            const from = onFrozen.messages.length;
            onFrozen.send({ type: 'post', cid: 'sent-to-frozen', text: 'A2: sent while my node was frozen' });
            const ack = await withTimeout(onOther.post('A2: while the writer is frozen', { cid: 'while-frozen' }), 15_000,
                'the other node to take over and acknowledge');
            assert.equal(metric(await metrics(other), 'hashchat_sessions_taken_over_total') >= 1, true, 'the other node took the session over');
            frozen.proc.kill('SIGCONT');
            // Thawed, it finds its lease taken: what it wrote in memory is not the session's.
            // The post is either refused (rate_limited: send it again) or, if the node stepped
            // down before reading it, handed over to the new writer and acknowledged.
            const answer = await onFrozen.waitMessage((m) => m.cid === 'sent-to-frozen' && (m.type === 'ack' || m.type === 'error'),
                'the answer to the post sent to the frozen node', from, 15_000);
            let resent = answer;
            if (answer.type === 'error') {
                assert.equal(answer.code, 'rate_limited', `refused to be sent again: ${JSON.stringify(answer)}`);
                assert.ok(answer.retry_after_ms > 0);
                resent = await onFrozen.post('A2: sent while my node was frozen', { cid: 'sent-to-frozen' });
            }
            assert.equal(onFrozen.close, undefined, 'the thawed node kept its client connected');
            await onOther.waitSeq(resent.seq);
            const posts = onOther.events.filter((e) => e.kind === 'post' && /frozen/.test(e.text));
            assert.deepEqual(posts.map((e) => e.text).sort(), ['A2: sent while my node was frozen', 'A2: while the writer is frozen'],
                'each post written during the freeze is in the log once');
            assert.ok(posts.some((e) => e.seq === ack.seq));
            // The client on the node that stepped down has every event once, in order, on the
            // connection it had all along: what the new writer wrote included.
            const head = (await http(other, 'GET', `/api/sessions/${id}`)).json.head;
            await onFrozen.waitSeq(head, 15_000);
            onFrozen.assertGapFree(head);
            onOther.assertGapFree(head);
            assert.deepEqual(digest(onFrozen).slice(-(head - since)), digest(onOther).slice(-(head - since)),
                'the client that stayed has what the new writer wrote');
            // And it goes on: a post from it now is handed over and acknowledged once.
            const later = await onFrozen.post('A2: still on the same connection', { cid: 'after-thaw' });
            await expectPostEvent(onOther, later.seq, { text: 'A2: still on the same connection', round: 2 });
        });
    });
});

test('past the failover bound a handed-over post is taken back (rate_limited, retry_after_ms); sent again, it is acknowledged once', { skip: !PG_URL && 'needs HASHCHAT_TEST_PG', timeout: 120_000 }, async () => {
    // a takes the session with a long lease: frozen, nobody may take it over for a minute. b's
    // own lease, and so how long it lets a handed-over command wait (two leases), is short.
    await withCluster('bound', { a: ['--lease-ms=60000'], b: LEASE }, async ({ nodes, clients }) => {
        const created = await createSession(nodes.a, SPEC);
        const id = created.id;
        const ann = await join(nodes.a, id, 'ann', 'Ann');
        const bob = await join(nodes.b, id, 'bob', 'Bob');
        clients.push(ann, bob);
        await advanceTo(nodes.a, T(5));
        await bob.waitEvent((e) => e.kind === 'phase' && e.round === 1, 'bob: Q1');

        await step('the writer freezes: a post handed over past the bound is refused with rate_limited and written nowhere', async () => {
            nodes.a.proc.kill('SIGSTOP');
            const from = bob.messages.length;
            const sentAt = Date.now();
            bob.send({ type: 'post', cid: 'bob-stalled', text: 'A1: nobody writes this chat now' });
            const err = await bob.waitMessage((m) => m.type === 'error' && m.cid === 'bob-stalled', 'the refusal', from, 15_000);
            const waited = Date.now() - sentAt;
            assert.equal(err.code, 'rate_limited', JSON.stringify(err));
            assert.equal(err.retry_after_ms, LEASE_MS, 'come back a lease later');
            assert.ok(waited >= 2 * LEASE_MS - 100, `refused past the bound (two leases), after ${waited} ms`);
            assert.ok(!bob.messages.some((m) => m.type === 'ack' && m.cid === 'bob-stalled'), 'not acknowledged');
        });

        await step('thawed, the writer goes on; the post sent again is acknowledged once', async () => {
            nodes.a.proc.kill('SIGCONT');
            const ack = await bob.post('A1: nobody writes this chat now', { cid: 'bob-stalled' });
            await expectPostEvent(ann, ack.seq, { author: 'bob', text: 'A1: nobody writes this chat now', round: 1 });
            const again = await bob.post('A1: nobody writes this chat now', { cid: 'bob-stalled' });
            assert.equal(again.seq, ack.seq, 'the same cid: the same seq');
            const head = (await http(nodes.a, 'GET', `/api/sessions/${id}`)).json.head;
            await bob.waitSeq(head);
            bob.assertGapFree(head);
            const copies = ann.events.filter((e) => e.kind === 'post' && e.text === 'A1: nobody writes this chat now');
            assert.equal(copies.length, 1, 'the post is in the log once (the withdrawn row was never executed)');
        });
    });
});

test('a session that falls due with no room on any node is claimed by one node, which releases it once', { skip: !PG_URL && 'needs HASHCHAT_TEST_PG', timeout: 120_000 }, async () => {
    await withCluster('due', { a: DUE_ARGS, b: DUE_ARGS, c: DUE_ARGS }, async ({ nodes, clients }) => {
        const created = await createSession(nodes.b, SPEC);
        const id = created.id;
        // Every node lists it (hc_session), none has its room: nobody joined.
        for (const n of Object.values(nodes)) {
            await eventually(async () => (await http(n, 'GET', `/api/sessions/${id}`)).status === 200, 'every node to know the session');
        }
        const sum = async (name) => {
            let total = 0;
            for (const n of Object.values(nodes)) total += metric(await metrics(n), name);
            return total;
        };
        assert.equal(await sum('hashchat_rooms_loaded'), 0, 'no room anywhere');

        await step('it falls due on every node at once: one node claims it, builds its room and releases what is due', async () => {
            await advanceTo(nodes.a, T(5));
            for (const n of Object.values(nodes)) n.clock = T(5);
            await eventually(async () => (await http(nodes.c, 'GET', `/api/sessions/${id}`)).json.phase?.round === 1, 'Q1 to be released');
            assert.equal(await sum('hashchat_leases_held'), 1, 'one node writes it');
            assert.equal(await sum('hashchat_rooms_built_total'), 1, 'one room, on the node that claimed it: the others built none');
            assert.equal(await sum('hashchat_rooms_loaded'), 1);
        });

        await step('each phase change is in the log once', async () => {
            const reader = await join(nodes.a, id, 'reader', 'Reader');
            clients.push(reader);
            const head = (await http(nodes.b, 'GET', `/api/sessions/${id}`)).json.head;
            await reader.waitSeq(head);
            reader.assertGapFree(head);
            const phases = reader.events.filter((e) => e.kind === 'phase').map((e) => `${e.phase}:${e.round ?? ''}`);
            assert.deepEqual(phases, ['intro:0', 'round:1'], 'the intro and Q1, each once');
        });
    });
});
