// A restarted server continues a live chat exactly where it was: same log, same timetable,
// tokens and cids still known; phases that fell due while it was down are appended with the
// instant they were due.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advance, advanceTo,
    phases, assertPhase, dropAll, step, addMinutes, Client, http,
} from './harness.mjs';
import { Q1, Q2, Q3, eveningSpec, expectPostEvent, expectEvent, assertAllSame, lastSeq, join } from './common.mjs';

const START = '2026-11-26T19:00:00.000Z';
const T = (m) => addMinutes(START, m);
const SPEC = eveningSpec('#Restart', 'Restart test');

/** Runs the first part of the chat up to `until` (an instant inside Q2 or later) with posts. */
async function runUntil(srv, id, key, clients) {
    const mod = await join(srv, id, 'host', 'Host', { key });
    const ann = await join(srv, id, 'ann', 'Ann');
    const bob = await join(srv, id, 'bob', 'Bob');
    clients.push(mod, ann, bob);
    const acks = {};
    await advanceTo(srv, T(0));
    await ann.waitEvent((e) => e.kind === 'phase' && e.phase === 'intro', 'intro');
    acks.intro = await ann.post('Hi from Ann', { cid: 'ann-intro' });
    await advanceTo(srv, T(5));
    await ann.waitEvent((e) => e.kind === 'phase' && e.round === 1, 'Q1');
    acks.a1 = await ann.post('A1: a question on the door', { cid: 'ann-a1' });
    acks.b1 = await bob.post('Nice', { cid: 'bob-r1', reply_to: acks.a1.seq });
    await advanceTo(srv, T(13));
    await ann.waitEvent((e) => e.kind === 'phase' && e.round === 2, 'Q2');
    await advanceTo(srv, T(15));
    acks.a2 = await ann.post('A2: mid-round answer', { cid: 'ann-a2' });
    await bob.ok({ type: 'like', seq: acks.a2.seq });
    await ann.ok({ type: 'edit', seq: acks.a2.seq, text: 'A2: mid-round answer, edited' });
    acks.b2 = await bob.post('A2 homework is practice', { cid: 'bob-a2' });
    return { mod, ann, bob, acks };
}

test('restart on the same data dir continues the chat exactly', { timeout: 120_000 }, async () => {
    let srv;
    let dataDir;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        dataDir = srv.dataDir;
        const created = await createSession(srv, SPEC);
        const id = created.id;
        assert.equal(id, 'restart-2026-11-26');
        const { mod, ann, bob, acks } = await runUntil(srv, id, created.moderator_key, clients);

        const head = (await getSession(srv, id)).head;
        await assertAllSame([mod, ann, bob], head);
        const before = structuredClone(ann.events);
        const q2 = phases(ann).at(-1);
        assertPhase(q2, { phase: 'round', round: 2, question: Q2, started_at: T(13), ends_at: T(21) }, 'Q2 before restart');
        const annToken = ann.token;
        const bobToken = bob.token;
        assert.ok(annToken && bobToken, 'tokens were issued');

        await step('SIGTERM: clean exit, clients told to reconnect (1012)', async () => {
            await stopServer(srv);
            for (const c of [mod, ann, bob]) {
                const close = await c.waitClose();
                assert.equal(close.code, 1012, `${c.label} closed with 1012 on shutdown, got ${JSON.stringify(close)}`);
            }
        });

        srv = await startServer({ dataDir, clock: T(15) });

        await step('session after restart: same head, same phase, same ends_at', async () => {
            const s = await getSession(srv, id);
            assert.equal(s.head, head, 'no event appended by the restart');
            assertPhase(s.phase, { phase: 'round', round: 2, question: Q2, started_at: T(13), ends_at: T(21), segment: q2.segment }, 'GET after restart');
        });

        let cat;
        await step('a new client with since=0 gets the same events', async () => {
            cat = await join(srv, id, 'cat', 'Cat', { since: 0 });
            clients.push(cat);
            assert.equal(cat.welcome.head, head);
            assert.equal(cat.welcome.now, T(15));
            assertPhase(cat.welcome.session.phase, { phase: 'round', round: 2, ends_at: T(21) }, 'welcome after restart');
            await cat.waitSeq(head);
            cat.assertGapFree(head);
            assert.deepEqual(cat.events, before, 'the log after restart deep-equals the log before');
        });

        let ann2;
        await step('token + since=N gives exactly the events after N', async () => {
            const n = head - 3;
            ann2 = await join(srv, id, 'ann', 'Ann', { token: annToken, since: n }, 'ann2');
            clients.push(ann2);
            assert.equal(ann2.welcome.head, head);
            assert.equal(ann2.welcome.you.role, 'participant');
            assert.equal(ann2.welcome.you.token, undefined, 'a resumed join issues no new token');
            await ann2.waitSeq(head);
            await ann2.ping();
            ann2.assertGapFree(head, n);
            assert.deepEqual(ann2.events, before.slice(n));
        });

        await step('old handle: no token -> handle_taken, wrong token -> bad_token', async () => {
            const probe = await Client.connect(srv, 'probe');
            clients.push(probe);
            await probe.expectError({ type: 'hello', session: id, handle: 'bob', name: 'Bob' }, 'handle_taken');
            await probe.expectError({ type: 'hello', session: id, handle: 'BOB', name: 'Bob' }, 'handle_taken');
            await probe.expectError({ type: 'hello', session: id, handle: 'bob', name: 'Bob', token: annToken }, 'bad_token');
            await probe.expectError({ type: 'hello', session: id, handle: 'bob', name: 'Bob', token: `${bobToken}x` }, 'bad_token');
            await probe.expectError({ type: 'hello', session: id, handle: 'bob', name: 'Bob', token: bobToken, since: head + 1 }, 'bad_since');
            await probe.expectError({ type: 'hello', session: id, handle: 'host2', name: 'Host 2', key: `${created.moderator_key}x` }, 'bad_key');
            await probe.expectError({ type: 'hello', session: 'no-such-session', handle: 'bob', name: 'Bob', token: bobToken }, 'not_found');
            // the connection stayed open: the right token now works on it
            const w = await probe.hello(id, 'bob', 'Bob', { token: bobToken, since: head });
            assert.equal(w.head, head);
            await probe.ping();
            assert.deepEqual(probe.events, [], 'since=head: no backlog');
        });

        await step('moderator key still works after restart', async () => {
            const mod2 = await join(srv, id, 'host', 'Host', { key: created.moderator_key, token: mod.token, since: head }, 'mod2');
            clients.push(mod2);
            assert.equal(mod2.welcome.you.role, 'moderator');
        });

        await step('a resent cid after restart returns the same seq and makes no event', async () => {
            const again = await ann2.expectReply({ type: 'post', cid: 'ann-a2', text: 'A2: mid-round answer' }, 'ack');
            assert.equal(again.seq, acks.a2.seq);
            const again1 = await ann2.expectReply({ type: 'post', cid: 'ann-a1', text: 'A1: different text, same cid' }, 'ack');
            assert.equal(again1.seq, acks.a1.seq);
            await cat.ping();
            await ann2.ping();
            assert.equal((await getSession(srv, id)).head, head, 'resends append nothing');
            assert.equal(lastSeq(cat), head, 'no event broadcast for a resend');
        });

        await step('the clock reaches the unchanged ends_at: Q3 arrives', async () => {
            await advance(srv, 359);
            assert.equal((await getSession(srv, id)).head, head, 'nothing one second before ends_at');
            await advanceTo(srv, T(21));
            for (const c of [cat, ann2]) {
                const ev = await c.waitEvent((e) => e.seq === head + 1, 'Q3 after restart');
                assertPhase(ev, { kind: 'phase', at: T(21), phase: 'round', round: 3, question: Q3, started_at: T(21), ends_at: T(29) }, `Q3 seen by ${c.label}`);
            }
            const p = await cat.post('A3: after the restart');
            assert.equal(p.seq, head + 2, 'seqs continue gap-free after restart');
            await expectPostEvent(ann2, p.seq, { author: 'cat', name: 'Cat', round: 3, at: T(21) });
            await assertAllSame([cat], head + 2);
            assert.deepEqual(ann2.events.at(-1), cat.events.at(-1));
        });

        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});

test('phases due while the server was down are appended with their due instant', { timeout: 120_000 }, async () => {
    let srv;
    let dataDir;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        dataDir = srv.dataDir;
        const created = await createSession(srv, SPEC);
        const id = created.id;
        const { ann } = await runUntil(srv, id, created.moderator_key, clients);
        await advanceTo(srv, T(25)); // Q3 from 19:21
        await ann.waitEvent((e) => e.kind === 'phase' && e.round === 3, 'Q3');
        const p = await ann.post('A3: last answer before the outage');
        await expectPostEvent(ann, p.seq, { author: 'ann', round: 3, at: T(25) });
        const head = (await getSession(srv, id)).head;
        await ann.waitSeq(head);
        const before = structuredClone(ann.events);
        await stopServer(srv);

        // down from 19:25 to 19:40: wrap-up (19:29) and closed (19:34) fell due meanwhile
        srv = await startServer({ dataDir, clock: T(40) });
        await step('catch-up events after restart', async () => {
            const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
            clients.push(reader);
            await reader.until(() => reader.events.some((e) => e.kind === 'phase' && e.phase === 'closed'), 'closed phase after catch-up');
            const s = await getSession(srv, id);
            assert.equal(s.head, head + 2, 'exactly two phase events were due');
            await reader.waitSeq(s.head);
            reader.assertGapFree(s.head);
            assert.deepEqual(reader.events.slice(0, head), before, 'the old log is unchanged');
            await expectEvent(reader, head + 1, { kind: 'phase', phase: 'wrapup', at: T(29), round: null, started_at: T(29), ends_at: T(34) });
            await expectEvent(reader, head + 2, { kind: 'phase', phase: 'closed', at: T(34), started_at: null, ends_at: null });
            await reader.expectError({ type: 'post', cid: 'late-1', text: 'too late' }, 'closed');
        });
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});

test('a paused, extended chat survives a restart with its remaining time and its likes', { timeout: 120_000 }, async () => {
    let srv;
    let dataDir;
    const clients = [];
    const B = '2026-11-26T18:55:00.000Z';
    const at = (m) => addMinutes(B, m);
    try {
        srv = await startServer({ clock: B });
        dataDir = srv.dataDir;
        const created = await createSession(srv, {
            hashtag: '#PauseRestart', title: 'Pause across a restart', mode: 'live', timezone: 'Europe/London',
            questions: [Q1, Q2], intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
        });
        const id = created.id;
        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        const bob = await join(srv, id, 'bob', 'Bob');
        clients.push(mod, ann, bob);

        let annPost, bobPost, pausedHead;
        await step('start, next at 18:56, extend 2, posts, likes, pause at 19:00', async () => {
            await mod.ok({ type: 'control', action: 'start' });
            await advanceTo(srv, at(1));
            await mod.ok({ type: 'control', action: 'next' }); // Q1 18:56-19:04
            await advanceTo(srv, at(3));
            const ext = await mod.ok({ type: 'control', action: 'extend', minutes: 2 }); // 19:06
            await expectEvent(ann, ext.seq, { kind: 'phase', phase: 'round', round: 1, ends_at: at(11) });
            annPost = (await ann.post('A1: before the restart')).seq;
            bobPost = (await bob.post('A1: bob was here')).seq;
            await bob.ok({ type: 'like', seq: annPost });
            await bob.ok({ type: 'delete', seq: bobPost });
            await advanceTo(srv, at(5)); // 19:00, 6 minutes left
            const p = await mod.ok({ type: 'control', action: 'pause' });
            await expectEvent(ann, p.seq, { kind: 'phase', phase: 'paused', round: 1, remaining_ms: 360_000, resume_phase: 'round' });
            pausedHead = (await getSession(srv, id)).head;
            await assertAllSame(clients, pausedHead);
        });
        const before = structuredClone(ann.events);

        await stopServer(srv);
        srv = await startServer({ dataDir, clock: at(65) }); // an hour later

        await step('still paused after the restart, nothing appended', async () => {
            const s = await getSession(srv, id);
            assert.equal(s.head, pausedHead);
            assertPhase(s.phase, { phase: 'paused', round: 1, question: Q1, remaining_ms: 360_000, resume_phase: 'round', ends_at: null }, 'GET after restart');
        });

        const mod2 = await join(srv, id, 'host', 'Host', { key: created.moderator_key, token: mod.token, since: pausedHead }, 'mod2');
        const ann2 = await join(srv, id, 'ann', 'Ann', { token: ann.token, since: 0 }, 'ann2');
        const bob2 = await join(srv, id, 'bob', 'Bob', { token: bob.token, since: pausedHead }, 'bob2');
        clients.push(mod2, ann2, bob2);

        await step('the log is the same', async () => {
            await ann2.waitSeq(pausedHead);
            assert.deepEqual(ann2.events, before);
        });

        await step('likes and deletions are rebuilt from the log', async () => {
            await bob2.expectError({ type: 'like', seq: annPost }, 'bad_request'); // already liked
            await bob2.expectError({ type: 'like', seq: bobPost }, 'not_found'); // deleted
            await bob2.expectError({ type: 'edit', seq: annPost, text: 'A1: not mine' }, 'not_allowed');
            const u = await bob2.ok({ type: 'unlike', seq: annPost });
            await expectEvent(ann2, u.seq, { kind: 'unlike', target: annPost, author: 'bob', count: 0 });
            const e = await ann2.ok({ type: 'edit', seq: annPost, text: 'A1: edited after the restart' });
            await expectEvent(bob2, e.seq, { kind: 'edit', target: annPost, author: 'ann', text: 'A1: edited after the restart' });
        });

        await step('resume after the restart: ends_at = now + the 6 minutes left', async () => {
            await mod2.expectError({ type: 'control', action: 'pause' }, 'bad_request');
            const r = await mod2.ok({ type: 'control', action: 'resume' });
            await expectEvent(ann2, r.seq, { kind: 'phase', at: at(65), phase: 'round', round: 1, question: Q1, ends_at: at(71) });
            const head = (await getSession(srv, id)).head;
            await advanceTo(srv, at(71));
            await expectEvent(ann2, head + 1, { kind: 'phase', at: at(71), phase: 'round', round: 2, question: Q2, started_at: at(71), ends_at: at(79) });
            await assertAllSame([ann2], head + 1);
        });

        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});

test('every acked post survives a SIGKILL in the middle of a burst', { timeout: 120_000 }, async (t) => {
    let srv;
    let dataDir;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        dataDir = srv.dataDir;
        const { id } = await createSession(srv, { ...SPEC, hashtag: '#Crash' });
        const writers = [];
        for (let i = 0; i < 4; i++) writers.push(await join(srv, id, `w${i}`, `Writer ${i}`));
        clients.push(...writers);
        // bursts without waiting; kill the server once some acks are in
        for (let k = 0; k < 300; k++) {
            for (const [i, w] of writers.entries()) w.send({ type: 'post', cid: `w${i}-${k}`, text: `crash burst ${k} from w${i}` });
        }
        await writers[0].until(() => writers[0].messages.filter((m) => m.type === 'ack').length >= 20, 'some acks');
        srv.proc.kill('SIGKILL');
        await srv.exited;
        for (const w of writers) await w.waitClose();
        const acked = new Map();
        for (const w of writers) for (const m of w.messages) if (m.type === 'ack') acked.set(m.cid, m.seq);
        t.diagnostic(`${acked.size} posts acked before SIGKILL`);

        srv = await startServer({ dataDir, clock: '2026-11-26T18:55:00Z' });
        const reader = await join(srv, id, 'reader', 'Reader', { since: 0 });
        clients.push(reader);
        const head = reader.welcome.head;
        await reader.waitSeq(head);
        await reader.ping();
        reader.assertGapFree(head);
        const bySeq = new Map(reader.events.map((e) => [e.seq, e]));
        for (const [cid, seq] of acked) {
            const [, k] = cid.split('-');
            const who = cid.split('-')[0];
            const ev = bySeq.get(seq);
            assert.ok(ev, `acked ${cid} (seq ${seq}) survived; head is ${head}`);
            assert.equal(ev.author, who);
            assert.equal(ev.text, `crash burst ${k} from ${who}`, `seq ${seq} is the post acked for ${cid}`);
        }
        // resending an acked cid after the crash returns the same seq
        const [cid0, seq0] = [...acked.entries()][0];
        const who0 = cid0.split('-')[0];
        const w2 = await join(srv, id, who0, 'Writer', { token: writers[Number(who0.slice(1))].token, since: head }, `${who0}-again`);
        clients.push(w2);
        const again = await w2.expectReply({ type: 'post', cid: cid0, text: 'resend' }, 'ack');
        assert.equal(again.seq, seq0);
        assert.equal((await getSession(srv, id)).head, head);
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});

test('posts acknowledged before a crash that the search index had not read are found after the restart', { timeout: 120_000 }, async () => {
    let srv;
    let dataDir;
    const clients = [];
    try {
        // The index waits an hour (and nothing here reads it) so the crash comes before it.
        srv = await startServer({ clock: '2026-11-26T18:55:00Z', args: ['--index-delay-ms=3600000'] });
        dataDir = srv.dataDir;
        const created = await createSession(srv, SPEC);
        const id = created.id;
        const { ann, bob, acks } = await runUntil(srv, id, created.moderator_key, clients);
        const more = await ann.post('A2: quokkas before the crash', { cid: 'ann-quokka' });
        await bob.ok({ type: 'edit', seq: acks.b2.seq, text: 'A2 homework is quokka practice' });
        srv.proc.kill('SIGKILL'); // a crash: no drain, no last index write
        await srv.exited;
        dropAll(clients);

        srv = await startServer({ dataDir, clock: T(16) });
        await step('the restart indexes the log the index had not read', async () => {
            assert.match(srv.log(), new RegExp(`session ${id}: indexed events 1 to \\d+ for search`));
            const res = await http(srv, 'GET', '/api/search?q=quokka*');
            assert.equal(res.status, 200, res.text);
            assert.deepEqual(res.json.results.map((r) => r.seq).sort((a, b) => a - b), [acks.b2.seq, more.seq].sort((a, b) => a - b));
            const edited = await http(srv, 'GET', '/api/search?q=edited');
            assert.deepEqual(edited.json.results.map((r) => r.seq), [acks.a2.seq], 'the edit of A2 is indexed');
        });
        await step('a second restart has nothing left to index', async () => {
            await stopServer(srv);
            srv = await startServer({ dataDir, clock: T(16) });
            assert.doesNotMatch(srv.log(), /indexed events/);
            const res = await http(srv, 'GET', '/api/search?q=quokka*');
            assert.equal(res.json.results.length, 2);
        });
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});
