// A scheduled live chat driven by the test clock alone (no control messages): before the
// start, intro, Q1..Q3, wrap-up, closed; participants post, reply, like, edit, delete, mention.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advance, advanceTo,
    phases, assertPhase, dropAll, step, addMinutes,
} from './harness.mjs';
import { Q1, Q2, Q3, eveningSpec, expectPostEvent, expectEvent, assertAllSame, lastSeq, join, assertInstant } from './common.mjs';

const START = '2026-11-26T19:00:00.000Z'; // 19:00 Europe/London in November is 19:00 UTC
const T = (minutes) => addMinutes(START, minutes);

const SPEC = {
    ...eveningSpec('#PubPD', 'PubPD timetable test'),
    description: 'driven by the clock only',
    talk_minutes: 0,
};

// Expected timetable: intro 19:00-19:05, Q1 19:05-19:13, Q2 19:13-19:21, Q3 19:21-19:29,
// wrap-up 19:29-19:34, closed from 19:34.
const EXPECTED_PHASES = [
    { at: T(0), phase: 'intro', round: 0, question: null, started_at: T(0), ends_at: T(5) },
    { at: T(5), phase: 'round', round: 1, question: Q1, started_at: T(5), ends_at: T(13) },
    { at: T(13), phase: 'round', round: 2, question: Q2, started_at: T(13), ends_at: T(21) },
    { at: T(21), phase: 'round', round: 3, question: Q3, started_at: T(21), ends_at: T(29) },
    { at: T(29), phase: 'wrapup', round: null, question: null, started_at: T(29), ends_at: T(34) },
    { at: T(34), phase: 'closed', round: null, question: null, started_at: null, ends_at: null },
];

function assertPhaseList(client, what) {
    const ph = phases(client);
    assert.equal(ph.length, EXPECTED_PHASES.length,
        `${what}: ${EXPECTED_PHASES.length} phase events expected, got ${JSON.stringify(ph.map((p) => p.phase))}`);
    EXPECTED_PHASES.forEach((want, i) => assertPhase(ph[i], want, `${what} #${i} (${want.phase} ${want.round})`));
    assert.equal(ph[0].segment, 0, 'the intro is segment 0');
    for (let i = 1; i < ph.length; i++) {
        assert.ok(Number.isInteger(ph[i].segment) && ph[i].segment > ph[i - 1].segment,
            `segments strictly increase: ${JSON.stringify(ph.map((p) => p.segment))}`);
    }
}

test('a scheduled chat runs on the clock alone, and every client sees the same log', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const created = await createSession(srv, SPEC);
        const id = created.id;

        await step('created session', async () => {
            assert.equal(id, 'pubpd-2026-11-26', 'id is the hashtag slug and the local start date');
            assert.equal(created.urls?.join, `/s/${id}`);
            const s = await getSession(srv, id);
            assert.equal(s.id, id);
            assert.equal(s.hashtag, '#PubPD');
            assert.equal(s.mode, 'live');
            assert.equal(s.timezone, 'Europe/London');
            assert.equal(s.start, START);
            assert.equal(s.intro_minutes, 5);
            assert.equal(s.round_minutes, 8);
            assert.equal(s.wrapup_minutes, 5);
            assert.deepEqual(s.questions.map((q) => [q.round, q.text]), [[1, Q1], [2, Q2], [3, Q3]]);
            assert.equal(s.head, 0);
            assertPhase(s.phase, { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: START, segment: -1 }, 'scheduled (GET)');
        });

        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann A');
        const bob = await join(srv, id, 'bob', 'Bob B');
        const cat = await join(srv, id, 'cat', 'Cat C');
        clients.push(mod, ann, bob, cat);

        await step('welcome', async () => {
            assert.equal(mod.welcome.you.role, 'moderator');
            assert.equal(mod.welcome.you.handle, 'host');
            for (const [c, name] of [[ann, 'Ann A'], [bob, 'Bob B'], [cat, 'Cat C']]) {
                const w = c.welcome;
                assert.equal(w.protocol, 1);
                assert.equal(w.head, 0);
                assert.equal(w.now, '2026-11-26T18:55:00.000Z');
                assert.deepEqual([w.you.handle, w.you.name, w.you.role], [c.handle, name, 'participant']);
                assert.equal(typeof w.you.token, 'string', 'first join issues a token');
                assert.ok(w.you.token.length > 0);
                assert.equal(w.session.id, id);
                assertPhase(w.session.phase, { phase: 'scheduled', ends_at: START, segment: -1 }, 'welcome.session.phase');
            }
        });

        // ---- scheduled: posts are accepted, without a round
        let early;
        await step('post while scheduled', async () => {
            const ack = await ann.post('Hello early, everyone!');
            early = ack.seq;
            assert.equal(ack.seq, 1, 'the first event of a fresh session is seq 1');
            await expectPostEvent(bob, ack.seq, { author: 'ann', name: 'Ann A', text: 'Hello early, everyone!', round: null, at: '2026-11-26T18:55:00.000Z' });
        });

        await step('nothing happens before the start', async () => {
            await advance(srv, 299); // 18:59:59
            const s = await getSession(srv, id);
            assert.equal(s.head, 1, 'no phase event one second before the start');
            assert.equal(s.phase.phase, 'scheduled');
            await ann.ping();
            assert.equal(phases(ann).length, 0);
        });

        // ---- intro at 19:00
        await step('intro begins at 19:00', async () => {
            await advance(srv, 1);
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase', 'intro phase');
                assertPhase(ev, { ...EXPECTED_PHASES[0], segment: 0 }, `intro seen by ${c.label}`);
            }
            const s = await getSession(srv, id);
            assertPhase(s.phase, { phase: 'intro', round: 0, started_at: T(0), ends_at: T(5), segment: 0 }, 'GET during intro');
        });

        await step('intro posts belong to round 0', async () => {
            const a = await bob.post("Hi, I'm Bob, I teach maths in Leeds");
            await expectPostEvent(cat, a.seq, { author: 'bob', name: 'Bob B', round: 0, text: "Hi, I'm Bob, I teach maths in Leeds", at: T(0) });
            const b = await cat.post('A0: Cat here, year 4');
            await expectPostEvent(ann, b.seq, { author: 'cat', round: 0, text: 'A0: Cat here, year 4' });
        });

        await step('mid-intro: no phase change', async () => {
            await advance(srv, 120); // 19:02
            const before = (await getSession(srv, id)).head;
            const s = await getSession(srv, id);
            assert.equal(s.head, before);
            assert.equal(s.phase.phase, 'intro');
            await advance(srv, 179); // 19:04:59
            assert.equal((await getSession(srv, id)).phase.phase, 'intro', 'still intro one second before its end');
        });

        // ---- Q1 at 19:05
        await step('Q1 begins at 19:05', async () => {
            await advance(srv, 1);
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase' && e.round === 1, 'Q1 phase');
                assertPhase(ev, EXPECTED_PHASES[1], `Q1 seen by ${c.label}`);
            }
        });

        let annA1, bobA1, catNoPrefix, bobReply;
        await step('answers in Q1', async () => {
            annA1 = (await ann.post('A1: We start every lesson with a question @bob')).seq;
            await expectPostEvent(mod, annA1, { author: 'ann', round: 1, text: 'A1: We start every lesson with a question @bob', mentions: ['bob'], at: T(5) });
            bobA1 = (await bob.post('a1) A puzzle on the board')).seq;
            await expectPostEvent(mod, bobA1, { author: 'bob', round: 1, text: 'a1) A puzzle on the board' });
            catNoPrefix = (await cat.post('Hook first, then objectives')).seq;
            await expectPostEvent(mod, catNoPrefix, { author: 'cat', round: 1 });
            bobReply = (await bob.post('@ann love it, stealing this', { reply_to: annA1 })).seq;
            await expectPostEvent(mod, bobReply, { author: 'bob', round: 1, reply_to: annA1, mentions: ['ann'] });
        });

        await step('a round not yet asked is refused', async () => {
            const head = (await getSession(srv, id)).head;
            await ann.expectError({ type: 'post', cid: 'ann-too-early-1', text: 'A2: too early' }, 'bad_request');
            await ann.expectError({ type: 'post', cid: 'ann-too-early-2', text: 'Early', round: 2 }, 'bad_request');
            await ann.expectError({ type: 'post', cid: 'ann-too-early-3', text: 'Way early', round: 4 }, 'bad_request');
            assert.equal((await getSession(srv, id)).head, head, 'refused posts append nothing');
        });

        await step('likes', async () => {
            const l1 = await bob.ok({ type: 'like', seq: annA1 });
            await expectEvent(ann, l1.seq, { kind: 'like', target: annA1, author: 'bob', count: 1 });
            const l2 = await cat.ok({ type: 'like', seq: annA1 });
            await expectEvent(ann, l2.seq, { kind: 'like', target: annA1, author: 'cat', count: 2 });
            await bob.expectError({ type: 'like', seq: annA1 }, 'bad_request');
            const u = await bob.ok({ type: 'unlike', seq: annA1 });
            await expectEvent(ann, u.seq, { kind: 'unlike', target: annA1, author: 'bob', count: 1 });
            await bob.expectError({ type: 'unlike', seq: annA1 }, 'bad_request');
            await bob.expectError({ type: 'like', seq: 9999 }, 'not_found');
            const l1p = (await getSession(srv, id)).head;
            // a like on a phase event is not a like on a visible post
            const phaseSeq = phases(ann)[0].seq;
            await bob.expectError({ type: 'like', seq: phaseSeq }, 'not_found');
            assert.equal((await getSession(srv, id)).head, l1p);
        });

        await step('edit', async () => {
            const e = await ann.ok({ type: 'edit', seq: annA1, text: 'A1: We start every lesson with a puzzle @cat' });
            await expectEvent(bob, e.seq, { kind: 'edit', target: annA1, author: 'ann', text: 'A1: We start every lesson with a puzzle @cat', mentions: ['cat'] });
            await bob.expectError({ type: 'edit', seq: annA1, text: 'A1: hijacked' }, 'not_allowed');
            await ann.expectError({ type: 'edit', seq: 9999, text: 'nope' }, 'not_found');
        });

        await step('delete', async () => {
            await bob.expectError({ type: 'delete', seq: annA1 }, 'not_allowed');
            const d = await cat.ok({ type: 'delete', seq: catNoPrefix });
            await expectEvent(ann, d.seq, { kind: 'delete', target: catNoPrefix, author: 'cat' });
            const head = (await getSession(srv, id)).head;
            await bob.expectError({ type: 'like', seq: catNoPrefix }, 'not_found');
            await bob.expectError({ type: 'post', cid: 'bob-reply-deleted', text: 'replying to a ghost', reply_to: catNoPrefix }, 'not_found');
            await cat.expectError({ type: 'edit', seq: catNoPrefix, text: 'resurrect' }, 'not_found');
            await cat.expectError({ type: 'delete', seq: catNoPrefix }, 'not_found');
            assert.equal((await getSession(srv, id)).head, head);
        });

        await step('mid-Q1 then Q2 at 19:13', async () => {
            await advance(srv, 240); // 19:09
            assert.equal((await getSession(srv, id)).phase.round, 1);
            await advance(srv, 240); // 19:13
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase' && e.round === 2, 'Q2 phase');
                assertPhase(ev, EXPECTED_PHASES[2], `Q2 seen by ${c.label}`);
            }
        });

        await step('answers in Q2: explicit round, prefix, reply inherits round, current round', async () => {
            const a = (await cat.post('Late answer about openers', { round: 1 })).seq;
            await expectPostEvent(ann, a, { author: 'cat', round: 1, text: 'Late answer about openers', at: T(13) });
            const b = (await ann.post('A1. another late one')).seq;
            await expectPostEvent(cat, b, { author: 'ann', round: 1 });
            const c = (await cat.post('So true', { reply_to: bobA1 })).seq;
            await expectPostEvent(ann, c, { author: 'cat', round: 1, reply_to: bobA1 });
            const d = (await bob.post('A2 Homework: rarely')).seq;
            await expectPostEvent(ann, d, { author: 'bob', round: 2, text: 'A2 Homework: rarely' });
            const e = (await ann.post('No homework for us')).seq;
            await expectPostEvent(bob, e, { author: 'ann', round: 2 });
            const f = (await bob.post('A2- same here', { round: 0 })).seq;
            await expectPostEvent(ann, f, { author: 'bob', round: 0 }, 'explicit round wins over the prefix');
        });

        await step('moderator announce and delete', async () => {
            const a = await mod.ok({ type: 'announce', text: 'Halfway there! Q3 at 19:21' });
            await expectEvent(ann, a.seq, { kind: 'announce', author: 'host', name: 'Host', text: 'Halfway there! Q3 at 19:21' });
            const d = await mod.ok({ type: 'delete', seq: bobReply });
            await expectEvent(ann, d.seq, { kind: 'delete', target: bobReply, author: 'host' });
            await ann.expectError({ type: 'announce', text: 'I am not a moderator' }, 'not_allowed');
        });

        await step('Q3 at 19:21', async () => {
            await advanceTo(srv, T(21));
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase' && e.round === 3, 'Q3 phase');
                assertPhase(ev, EXPECTED_PHASES[3], `Q3 seen by ${c.label}`);
            }
            const a = (await ann.post('A3: exit tickets @bob @cat')).seq;
            await expectPostEvent(bob, a, { author: 'ann', round: 3, mentions: ['bob', 'cat'] });
            const b = (await bob.post('Retrieval practice')).seq;
            await expectPostEvent(ann, b, { author: 'bob', round: 3 });
            const l = await ann.ok({ type: 'like', seq: b });
            await expectEvent(bob, l.seq, { kind: 'like', target: b, author: 'ann', count: 1 });
        });

        await step('wrap-up at 19:29', async () => {
            await advanceTo(srv, T(29));
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase' && e.phase === 'wrapup', 'wrap-up phase');
                assertPhase(ev, EXPECTED_PHASES[4], `wrap-up seen by ${c.label}`);
            }
            const a = (await cat.post('Thanks all, great chat!')).seq;
            await expectPostEvent(ann, a, { author: 'cat', round: null });
            const b = (await bob.post('A3 - also seating plans')).seq;
            await expectPostEvent(ann, b, { author: 'bob', round: 3 });
        });

        await step('closed at 19:34', async () => {
            await advanceTo(srv, T(34));
            for (const c of clients) {
                const ev = await c.waitEvent((e) => e.kind === 'phase' && e.phase === 'closed', 'closed phase');
                assertPhase(ev, EXPECTED_PHASES[5], `closed seen by ${c.label}`);
            }
            const head = (await getSession(srv, id)).head;
            const err = await ann.expectError({ type: 'post', cid: 'ann-after-close', text: 'Anyone still here?' }, 'closed');
            assert.equal(err.cid, 'ann-after-close', 'a refused post echoes its cid');
            await ann.expectError({ type: 'edit', seq: annA1, text: 'A1: too late to edit' }, 'closed');
            await ann.ping();
            const s = await getSession(srv, id);
            assert.equal(s.head, head, 'nothing appended after closed');
            assertPhase(s.phase, { phase: 'closed', round: null, question: null, started_at: null, ends_at: null }, 'GET when closed');
            await advance(srv, 3600);
            assert.equal((await getSession(srv, id)).head, head, 'time passing after closed appends nothing');
        });

        await step('every client saw the same gap-free log', async () => {
            const head = (await getSession(srv, id)).head;
            await assertAllSame(clients, head);
            assertPhaseList(ann, 'phase events');
            for (const e of ann.events) assertInstant(e.at, `event ${e.seq} at`);
            assert.equal(ann.events[0].seq, early);
            // at never decreases along the log
            for (let i = 1; i < ann.events.length; i++) {
                assert.ok(ann.events[i].at >= ann.events[i - 1].at, `at is monotonic at seq ${ann.events[i].seq}`);
            }
        });

        await step('a late joiner gets the same log from since=0', async () => {
            const late = await join(srv, id, 'dan', 'Dan D');
            clients.push(late);
            const head = (await getSession(srv, id)).head;
            assert.equal(late.welcome.head, head);
            await late.waitSeq(head);
            late.assertGapFree(head);
            assert.deepEqual(late.events, ann.events, 'backlog equals the live log');
            assert.ok(late.messages.every((m) => m.type !== 'events' || m.events.length <= 500), 'backlog batches of at most 500');
        });

        for (const c of clients) await c.closeNormally();
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('one clock jump over several boundaries emits every due phase with its due instant', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const { id } = await createSession(srv, SPEC);
        const ann = await join(srv, id, 'ann', 'Ann');
        clients.push(ann);

        await step('18:55 -> 19:10 gives intro and Q1', async () => {
            await advanceTo(srv, T(10));
            await ann.until(() => phases(ann).length >= 2, 'two phase events');
            const ph = phases(ann);
            assertPhase(ph[0], EXPECTED_PHASES[0], 'intro');
            assertPhase(ph[1], EXPECTED_PHASES[1], 'Q1');
            const s = await getSession(srv, id);
            assert.equal(s.head, 2);
            assertPhase(s.phase, { phase: 'round', round: 1, ends_at: T(13) }, 'GET');
            const a = (await ann.post('A1: posted at 19:10')).seq;
            await expectPostEvent(ann, a, { round: 1, at: T(10), author: 'ann' });
        });

        await step('19:10 -> 20:00 gives Q2, Q3, wrap-up and closed', async () => {
            await advanceTo(srv, T(60));
            await ann.until(() => phases(ann).length >= 6, 'six phase events');
            const head = (await getSession(srv, id)).head;
            await ann.waitSeq(head);
            ann.assertGapFree(head);
            assertPhaseList(ann, 'after the jump');
        });

        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('start is a local time in the session zone; the id is slug + local date, -2, -3 on collision', { timeout: 60_000 }, async () => {
    let srv;
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const cases = [
            // [timezone, local start, UTC start, id]
            ['America/Toronto', '2026-11-26T19:00:00', '2026-11-27T00:00:00.000Z', 'pubpd-2026-11-26'],
            ['America/Toronto', '2026-11-26T19:00:00', '2026-11-27T00:00:00.000Z', 'pubpd-2026-11-26-2'],
            ['Europe/London', '2026-11-26T20:00:00', '2026-11-26T20:00:00.000Z', 'pubpd-2026-11-26-3'],
            ['Europe/London', '2027-07-01T19:00:00', '2027-07-01T18:00:00.000Z', 'pubpd-2027-07-01'],
            ['Asia/Kolkata', '2026-11-27T00:30:00', '2026-11-26T19:00:00.000Z', 'pubpd-2026-11-27'],
            ['Europe/London', '2027-03-28T02:30:00', '2027-03-28T01:30:00.000Z', 'pubpd-2027-03-28'], // just after the jump to BST
        ];
        for (const [timezone, start, utc, wantId] of cases) {
            const { id } = await createSession(srv, { ...SPEC, timezone, start });
            assert.equal(id, wantId, `${timezone} ${start}`);
            const s = await getSession(srv, id);
            assert.equal(s.start, utc, `${timezone} ${start} is ${utc}`);
            assert.equal(s.timezone, timezone);
            assertPhase(s.phase, { phase: 'scheduled', ends_at: utc }, `${id} scheduled`);
        }
        // unscheduled: the creation date in the zone (18:55 UTC is already the 27th in Auckland)
        const { start: _unused, ...unscheduled } = SPEC;
        const nz = await createSession(srv, { ...unscheduled, hashtag: '#NoStart', timezone: 'Pacific/Auckland' });
        assert.equal(nz.id, 'nostart-2026-11-27', 'creation date in Pacific/Auckland');
        const la = await createSession(srv, { ...unscheduled, hashtag: '#NoStart', timezone: 'America/Los_Angeles' });
        assert.equal(la.id, 'nostart-2026-11-26', 'creation date in America/Los_Angeles');
        // the Kolkata session (+05:30) starts at 19:00 UTC on the clock
        await advanceTo(srv, T(0));
        const s = await getSession(srv, 'pubpd-2026-11-27');
        assertPhase(s.phase, { phase: 'intro', round: 0, started_at: T(0), ends_at: T(5) }, 'Kolkata session at 19:00 UTC');
        const listed = await getSession(srv, 'pubpd-2026-11-26');
        assertPhase(listed.phase, { phase: 'scheduled' }, 'Toronto session still scheduled at 19:00 UTC');
        // one advance runs the due transitions of every session
        await advanceTo(srv, T(60));
        assertPhase((await getSession(srv, 'pubpd-2026-11-27')).phase, { phase: 'closed' }, 'Kolkata session closed by 20:00 UTC');
        assertPhase((await getSession(srv, 'pubpd-2026-11-26-3')).phase,
            { phase: 'intro', round: 0, started_at: T(60), ends_at: T(65), segment: 0 }, 'London 20:00 session in its intro');
        assertPhase((await getSession(srv, 'pubpd-2026-11-26')).phase, { phase: 'scheduled', ends_at: '2026-11-27T00:00:00.000Z' }, 'Toronto still scheduled');
        await advanceTo(srv, '2026-11-27T00:00:00.000Z');
        for (const tor of ['pubpd-2026-11-26', 'pubpd-2026-11-26-2']) {
            assertPhase((await getSession(srv, tor)).phase,
                { phase: 'intro', started_at: '2026-11-27T00:00:00.000Z', ends_at: '2026-11-27T00:05:00.000Z' }, `${tor} at 19:00 Toronto`);
        }
        await stopServer(srv);
    } finally {
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('a chat across the spring-forward DST change keeps its durations in real time', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        // Europe/London jumps from 01:00 GMT to 02:00 BST at 2027-03-28T01:00:00Z
        srv = await startServer({ clock: '2027-03-28T00:20:00Z' });
        const { id } = await createSession(srv, {
            ...SPEC, start: '2027-03-28T00:30:00', questions: [Q1, Q2], intro_minutes: 5, round_minutes: 30, wrapup_minutes: 5,
        });
        const ann = await join(srv, id, 'ann', 'Ann');
        clients.push(ann);
        const Z = (hhmm) => `2027-03-28T${hhmm}:00.000Z`;
        await advanceTo(srv, Z('01:40'));
        await ann.until(() => phases(ann).length >= 5, 'five phase events');
        const want = [
            { phase: 'intro', at: Z('00:30'), started_at: Z('00:30'), ends_at: Z('00:35') },
            { phase: 'round', round: 1, at: Z('00:35'), started_at: Z('00:35'), ends_at: Z('01:05') },
            { phase: 'round', round: 2, at: Z('01:05'), started_at: Z('01:05'), ends_at: Z('01:35') },
            { phase: 'wrapup', at: Z('01:35'), started_at: Z('01:35'), ends_at: Z('01:40') },
            { phase: 'closed', at: Z('01:40'), started_at: null, ends_at: null },
        ];
        want.forEach((w, i) => assertPhase(phases(ann)[i], w, `DST #${i}`));
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
