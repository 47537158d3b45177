// Moderator control of an unscheduled live chat: start, next, extend, pause/resume, end;
// permissions and refusals; a chat with table-talk parts before each posting part.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advance,
    phases, assertPhase, dropAll, step, addMinutes, addSeconds, msBetween,
} from './harness.mjs';
import { Q1, Q2, Q3, expectPostEvent, assertAllSame, lastSeq, join } from './common.mjs';

/** Waits on every client for the phase event with `seq` and asserts `want` on it. */
async function expectPhaseEverywhere(clients, seq, want, what) {
    let ev;
    for (const c of clients) {
        ev = await c.waitEvent((e) => e.seq === seq, `${what} (seq ${seq})`);
        assert.equal(ev.kind, 'phase', `${what}: event ${seq} is a phase event: ${JSON.stringify(ev)}`);
        assertPhase(ev, want, `${what} seen by ${c.label}`);
    }
    return ev;
}

test('moderator controls: start, next, extend, pause/resume, end', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const created = await createSession(srv, {
            hashtag: '#CtrlChat',
            title: 'Control test',
            mode: 'live',
            timezone: 'Europe/London',
            questions: [Q1, Q2, Q3],
            intro_minutes: 5,
            round_minutes: 8,
            wrapup_minutes: 5,
        });
        const id = created.id;
        assert.equal(id, 'ctrlchat-2026-11-26', 'unscheduled: the creation date in the zone');

        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        const bob = await join(srv, id, 'bob', 'Bob');
        clients.push(mod, ann, bob);
        const ctl = (action, extra = {}) => ({ type: 'control', action, ...extra });

        await step('unscheduled session waits for the moderator', async () => {
            assert.equal(mod.welcome.you.role, 'moderator');
            assertPhase(mod.welcome.session.phase,
                { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: null, segment: -1 }, 'welcome');
            await advance(srv, 600); // 19:05
            const s = await getSession(srv, id);
            assert.equal(s.head, 0, 'no start: time alone changes nothing');
            assert.equal(s.phase.phase, 'scheduled');
        });

        await step('refusals before the start', async () => {
            await ann.expectError(ctl('start'), 'not_allowed');
            await ann.expectError(ctl('resume'), 'not_allowed');
            await mod.expectError(ctl('resume'), 'bad_request');
            await mod.expectError(ctl('release'), 'bad_request');
            await mod.expectError(ctl('postpone'), 'bad_request');
            await mod.expectError(ctl('launch'), 'bad_request');
            await mod.expectError({ type: 'moderate', action: 'hide', seq: 1 }, 'not_found'); // nothing posted yet
            assert.equal((await getSession(srv, id)).head, 0);
        });

        let now = '2026-11-26T19:05:00.000Z';
        let roundSegment;
        await step('start', async () => {
            const ok = await mod.ok(ctl('start'));
            assert.equal(ok.seq, 1, 'ok carries the first event it produced');
            await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'intro', round: 0, question: null, started_at: now, ends_at: addMinutes(now, 5), segment: 0 }, 'intro');
            await mod.expectError(ctl('start'), 'bad_request');
        });

        await step('next ends the intro now', async () => {
            await advance(srv, 60);
            now = addSeconds(now, 60); // 19:06
            const ok = await mod.ok(ctl('next'));
            const ev = await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'round', round: 1, question: Q1, started_at: now, ends_at: addMinutes(now, 8) }, 'Q1 after next');
            roundSegment = ev.segment;
            assert.ok(roundSegment > 0);
        });

        const q1Start = now;
        let q1End = addMinutes(now, 8); // 19:14
        await step('extend 3 moves ends_at by exactly 3 minutes', async () => {
            await advance(srv, 120);
            now = addSeconds(now, 120); // 19:08
            await ann.expectError(ctl('extend', { minutes: 3 }), 'not_allowed');
            for (const bad of [{}, { minutes: 0 }, { minutes: 121 }, { minutes: 2.5 }, { minutes: '3' }, { minutes: -1 }, { minutes: null }]) {
                await mod.expectError(ctl('extend', bad), 'bad_request');
            }
            const head = (await getSession(srv, id)).head;
            assert.equal((await getSession(srv, id)).head, head, 'refused controls append nothing');
            const ok = await mod.ok(ctl('extend', { minutes: 3 }));
            const ev = await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'round', round: 1, question: Q1, started_at: q1Start, ends_at: addMinutes(q1End, 3), segment: roundSegment }, 'extended Q1');
            assert.equal(msBetween(q1End, ev.ends_at), 180_000);
            q1End = ev.ends_at; // 19:17
            const s = await getSession(srv, id);
            assertPhase(s.phase, { phase: 'round', round: 1, ends_at: q1End }, 'GET after extend');
        });

        await step('the extended end is honoured by the clock', async () => {
            await advance(srv, 60);
            now = addSeconds(now, 60); // 19:09 < 19:14 < 19:17
            const s = await getSession(srv, id);
            assert.equal(s.phase.round, 1);
        });

        await step('pause keeps the remaining time', async () => {
            const ok = await mod.ok(ctl('pause'));
            await expectPhaseEverywhere(clients, ok.seq, {
                at: now, phase: 'paused', round: 1, question: Q1, started_at: null, ends_at: null,
                segment: roundSegment, remaining_ms: msBetween(now, q1End), resume_phase: 'round',
            }, 'paused');
            assert.equal(msBetween(now, q1End), 480_000);
            await mod.expectError(ctl('pause'), 'bad_request');
            await ann.expectError(ctl('resume'), 'not_allowed');
        });

        await step('posts while paused; time passing changes nothing', async () => {
            const a = (await ann.post('A1: thinking while paused')).seq;
            await expectPostEvent(bob, a, { author: 'ann', name: 'Ann', round: 1, at: now });
            const head = (await getSession(srv, id)).head;
            await advance(srv, 3600);
            now = addSeconds(now, 3600); // 20:09
            const s = await getSession(srv, id);
            assert.equal(s.head, head, 'nothing due while paused');
            assertPhase(s.phase, { phase: 'paused', remaining_ms: 480_000, resume_phase: 'round' }, 'GET while paused');
        });

        await step('resume: ends_at = resume instant + remaining', async () => {
            const ok = await mod.ok(ctl('resume'));
            const ev = await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'round', round: 1, question: Q1, ends_at: addMinutes(now, 8), segment: roundSegment }, 'resumed Q1');
            assert.ok(ev.remaining_ms == null, 'remaining_ms only when paused');
            q1End = ev.ends_at; // 20:17
            await mod.expectError(ctl('resume'), 'bad_request');
        });

        await step('the clock ends the resumed round exactly at its new ends_at', async () => {
            const head = (await getSession(srv, id)).head;
            await advance(srv, 479);
            now = addSeconds(now, 479);
            assert.equal((await getSession(srv, id)).head, head, 'nothing one second early');
            await advance(srv, 1);
            now = addSeconds(now, 1);
            assert.equal(now, q1End);
            await expectPhaseEverywhere(clients, head + 1,
                { at: now, phase: 'round', round: 2, question: Q2, started_at: now, ends_at: addMinutes(now, 8) }, 'Q2');
        });

        await step('pause and resume with seconds left over', async () => {
            const q2End = addMinutes(now, 8); // 20:25
            await advance(srv, 90);
            now = addSeconds(now, 90); // 20:18:30
            const p = await mod.ok(ctl('pause'));
            await expectPhaseEverywhere(clients, p.seq,
                { phase: 'paused', round: 2, question: Q2, remaining_ms: 390_000, resume_phase: 'round', ends_at: null }, 'paused Q2');
            await advance(srv, 45);
            now = addSeconds(now, 45); // 20:19:15
            const r = await mod.ok(ctl('resume'));
            await expectPhaseEverywhere(clients, r.seq,
                { at: now, phase: 'round', round: 2, question: Q2, ends_at: addSeconds(q2End, 45) }, 'resumed Q2');
        });

        await step('next, next: Q3 then wrap-up, at once', async () => {
            const a = await mod.ok(ctl('next'));
            await expectPhaseEverywhere(clients, a.seq,
                { at: now, phase: 'round', round: 3, question: Q3, started_at: now, ends_at: addMinutes(now, 8) }, 'Q3 after next');
            const b = await mod.ok(ctl('next'));
            await expectPhaseEverywhere(clients, b.seq,
                { at: now, phase: 'wrapup', round: null, question: null, started_at: now, ends_at: addMinutes(now, 5) }, 'wrap-up after next');
            const c = await mod.ok(ctl('extend', { minutes: 2 }));
            await expectPhaseEverywhere(clients, c.seq,
                { at: now, phase: 'wrapup', started_at: now, ends_at: addMinutes(now, 7) }, 'extended wrap-up');
        });

        await step('end closes now', async () => {
            await ann.expectError(ctl('end'), 'not_allowed');
            const ok = await mod.ok(ctl('end'));
            await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'closed', round: null, question: null, started_at: null, ends_at: null }, 'closed');
            const head = (await getSession(srv, id)).head;
            await mod.expectError(ctl('next'), 'closed');
            await mod.expectError(ctl('end'), 'closed');
            await mod.expectError(ctl('extend', { minutes: 3 }), 'closed');
            await mod.expectError(ctl('pause'), 'closed');
            const err = await ann.expectError({ type: 'post', cid: 'after-end', text: 'hello?' }, 'closed');
            assert.equal(err.cid, 'after-end');
            await advance(srv, 3600);
            assert.equal((await getSession(srv, id)).head, head);
        });

        await step('all clients identical', async () => {
            const head = (await getSession(srv, id)).head;
            await assertAllSame(clients, head);
            assert.deepEqual(phases(ann).map((p) => [p.phase, p.round]), [
                ['intro', 0], ['round', 1], ['round', 1], ['paused', 1], ['round', 1], ['round', 2],
                ['paused', 2], ['round', 2], ['round', 3], ['wrapup', null], ['wrapup', null], ['closed', null],
            ]);
        });

        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('talk_minutes: each question has a talk part, then a posting part', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const created = await createSession(srv, {
            hashtag: '#TalkChat',
            title: 'Talk then post',
            mode: 'live',
            timezone: 'Europe/London',
            questions: [Q1, { text: Q2, talk_minutes: 0, round_minutes: 3 }, { text: Q3, talk_minutes: 4, round_minutes: 5 }],
            intro_minutes: 1,
            round_minutes: 8,
            talk_minutes: 2,
            wrapup_minutes: 5,
        });
        const id = created.id;
        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        clients.push(mod, ann);

        await step('session object lists per-question times', async () => {
            const s = await getSession(srv, id);
            assert.equal(s.talk_minutes, 2);
            assert.deepEqual(s.questions.map((q) => [q.round, q.text]), [[1, Q1], [2, Q2], [3, Q3]]);
            assert.equal(s.questions[1].talk_minutes, 0);
            assert.equal(s.questions[1].round_minutes, 3);
            assert.equal(s.questions[2].talk_minutes, 4);
            assert.equal(s.questions[2].round_minutes, 5);
        });

        let now = '2026-11-26T18:55:00.000Z';
        const T = (m) => addMinutes('2026-11-26T18:55:00.000Z', m);
        let phasesBefore = 0;
        const tick = async (seconds) => {
            await ann.ping(); // everything sent so far has arrived
            phasesBefore = phases(ann).length;
            await advance(srv, seconds);
            now = addSeconds(now, seconds);
        };
        // the first phase event that arrived after the last tick
        const nextPhase = async (what) => {
            const ev = await ann.until(() => phases(ann)[phasesBefore], what);
            return expectPhaseEverywhere(clients, ev.seq, {}, what);
        };

        await step('start: intro 1 minute', async () => {
            const ok = await mod.ok({ type: 'control', action: 'start' });
            await expectPhaseEverywhere(clients, ok.seq, { at: T(0), phase: 'intro', round: 0, started_at: T(0), ends_at: T(1), segment: 0 }, 'intro');
        });
        await step('Q1 talk 18:56-18:58', async () => {
            await tick(60);
            const ev = await nextPhase('Q1 talk');
            assertPhase(ev, { at: T(1), phase: 'talk', round: 1, question: Q1, started_at: T(1), ends_at: T(3) }, 'Q1 talk');
        });
        await step('Q1 posting 18:58-19:06', async () => {
            await tick(120);
            const ev = await nextPhase('Q1 posting');
            assertPhase(ev, { at: T(3), phase: 'round', round: 1, question: Q1, started_at: T(3), ends_at: T(11) }, 'Q1 posting');
            const a = (await ann.post('Open with a story')).seq;
            await expectPostEvent(mod, a, { author: 'ann', round: 1 });
        });
        await step('Q2 has no talk part: posting 19:06-19:09', async () => {
            await tick(480);
            const ev = await nextPhase('Q2 posting');
            assertPhase(ev, { at: T(11), phase: 'round', round: 2, question: Q2, started_at: T(11), ends_at: T(14) }, 'Q2 posting');
            assert.equal(phases(ann).filter((p) => p.round === 2).length, 1, 'no talk phase for Q2');
        });
        await step('Q3 talk 19:09-19:13; pause and resume in talk', async () => {
            await tick(180);
            let ev = await nextPhase('Q3 talk');
            assertPhase(ev, { at: T(14), phase: 'talk', round: 3, question: Q3, started_at: T(14), ends_at: T(18) }, 'Q3 talk');
            await tick(60); // 19:10, 3 minutes left
            const p = await mod.ok({ type: 'control', action: 'pause' });
            ev = await expectPhaseEverywhere(clients, p.seq,
                { at: T(15), phase: 'paused', round: 3, question: Q3, started_at: null, ends_at: null, remaining_ms: 180_000, resume_phase: 'talk' }, 'paused talk');
            await tick(30);
            const r = await mod.ok({ type: 'control', action: 'resume' });
            await expectPhaseEverywhere(clients, r.seq,
                { at: now, phase: 'talk', round: 3, question: Q3, ends_at: addMinutes(now, 3) }, 'resumed talk');
        });
        await step('next ends the talk: Q3 posting for 5 minutes from now', async () => {
            const ok = await mod.ok({ type: 'control', action: 'next' });
            await expectPhaseEverywhere(clients, ok.seq,
                { at: now, phase: 'round', round: 3, question: Q3, started_at: now, ends_at: addMinutes(now, 5) }, 'Q3 posting');
        });
        await step('wrap-up and closed on the clock', async () => {
            const wrapAt = addMinutes(now, 5);
            await tick(300);
            let ev = await nextPhase('wrap-up');
            assertPhase(ev, { at: wrapAt, phase: 'wrapup', round: null, question: null, started_at: wrapAt, ends_at: addMinutes(wrapAt, 5) }, 'wrap-up');
            await tick(300);
            ev = await nextPhase('closed');
            assertPhase(ev, { at: addMinutes(wrapAt, 5), phase: 'closed', round: null, started_at: null, ends_at: null }, 'closed');
        });
        await step('all clients identical, segments increase', async () => {
            const head = (await getSession(srv, id)).head;
            await assertAllSame(clients, head);
            assert.deepEqual(phases(ann).map((p) => [p.phase, p.round]), [
                ['intro', 0], ['talk', 1], ['round', 1], ['round', 2], ['talk', 3], ['paused', 3], ['talk', 3],
                ['round', 3], ['wrapup', null], ['closed', null],
            ]);
            const segs = phases(ann).filter((p) => p.phase !== 'paused').map((p) => p.segment);
            for (let i = 1; i < segs.length; i++) {
                assert.ok(segs[i] >= segs[i - 1], `segments never decrease: ${JSON.stringify(segs)}`);
            }
            const talk1 = phases(ann)[1].segment;
            const post1 = phases(ann)[2].segment;
            assert.equal(post1, talk1 + 1, 'Q1 posting is the part after Q1 talk');
        });

        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});

test('starting a scheduled chat early: the scheduled start does not restart it', { timeout: 60_000 }, async () => {
    let srv;
    const clients = [];
    try {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        const created = await createSession(srv, {
            hashtag: '#Early', title: 'Started early', mode: 'live', timezone: 'Europe/London', start: '2026-11-26T19:00:00',
            questions: [Q1, Q2], intro_minutes: 5, round_minutes: 8, wrapup_minutes: 5,
        });
        const id = created.id;
        const mod = await join(srv, id, 'host', 'Host', { key: created.moderator_key });
        const ann = await join(srv, id, 'ann', 'Ann');
        clients.push(mod, ann);
        const at = (m) => addMinutes('2026-11-26T18:55:00.000Z', m);

        await step('start at 18:57, before the scheduled 19:00', async () => {
            await advance(srv, 120);
            const ok = await mod.ok({ type: 'control', action: 'start' });
            await expectPhaseEverywhere(clients, ok.seq, { at: at(2), phase: 'intro', round: 0, started_at: at(2), ends_at: at(7), segment: 0 }, 'early intro');
        });
        await step('pause and resume in the intro', async () => {
            await advance(srv, 60); // 18:58, 4 minutes left
            const p = await mod.ok({ type: 'control', action: 'pause' });
            await expectPhaseEverywhere(clients, p.seq, { phase: 'paused', round: 0, remaining_ms: 240_000, resume_phase: 'intro' }, 'paused intro');
            await advance(srv, 60); // 18:59
            const r = await mod.ok({ type: 'control', action: 'resume' });
            await expectPhaseEverywhere(clients, r.seq, { at: at(4), phase: 'intro', round: 0, ends_at: at(8) }, 'resumed intro');
        });
        await step('19:00 (the scheduled start) changes nothing', async () => {
            const head = (await getSession(srv, id)).head;
            await advance(srv, 60); // 19:00
            const s = await getSession(srv, id);
            assert.equal(s.head, head, 'no second intro at the scheduled start');
            assertPhase(s.phase, { phase: 'intro', ends_at: at(8) }, 'still the early intro');
        });
        await step('Q1 at 19:03', async () => {
            const head = (await getSession(srv, id)).head;
            await advance(srv, 180); // 19:03
            await expectPhaseEverywhere(clients, head + 1, { at: at(8), phase: 'round', round: 1, question: Q1, started_at: at(8), ends_at: at(16) }, 'Q1');
            await assertAllSame(clients, head + 1);
        });
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
