// Slow chats with the real binary and --test-clock: one question a day at 07:00 Europe/London
// across the October change, release events (kind "release", scheduled_at, ends_at), answers to
// earlier questions, a moderator's early release and postponement, releases that fell due while
// the server was down (appended once, in order, each `at` its due instant), the close
// close_after_hours after the last release, and bad slow creation requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, advanceTo, http,
    assertPhase, dropAll, step, addSeconds, Checks, ResumingClient, Watch,
} from './harness.mjs';
import { Q1, Q2, Q3, expectPostEvent, assertAllSame, join } from './common.mjs';

const Q4 = 'What will you read this week?';
const QUESTIONS = [Q1, Q2, Q3, Q4];

const londonClock = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
/** "HH:MM" of an instant in Europe/London (Node's ICU, independent of the server's tz code). */
function londonTime(instant) {
    return londonClock.format(new Date(instant));
}

// 07:00 London: BST (06:00Z) until the clocks go back on Sun 2026-10-25, then GMT (07:00Z).
const R = ['2026-10-23T06:00:00.000Z', '2026-10-24T06:00:00.000Z', '2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z'];
const CLOSE = '2026-10-27T07:00:00.000Z';
const SPEC = {
    hashtag: '#SlowWeek',
    title: 'A slow week',
    mode: 'slow',
    timezone: 'Europe/London',
    start: '2026-10-23T07:00',
    release_time: '07:00',
    questions: QUESTIONS,
};

/** Asserts the session's head did not move (nothing was released or closed). */
async function assertHead(srv, id, head, what) {
    const s = await getSession(srv, id);
    assert.equal(s.head, head, `${what}: head stays ${head}, got ${s.head} (phase ${JSON.stringify(s.phase)})`);
    return s;
}

/** Asserts a release event: kind, at, scheduled_at, round, question, started_at, ends_at. */
function assertRelease(ev, { n, at, scheduled, endsAt }, what) {
    assertPhase(ev, {
        type: 'event', kind: 'release', at, scheduled_at: scheduled, phase: 'round', round: n,
        question: QUESTIONS[n - 1], started_at: at, ends_at: endsAt, segment: n - 1,
    }, what);
}

test('a slow chat over four days: releases, answers, release early, postpone, restart while releases fall due, close', { timeout: 180_000 }, async () => {
    let srv;
    let dataDir;
    const clients = [];
    let resumer;
    try {
        srv = await startServer({ clock: '2026-10-22T12:00:00Z' });
        dataDir = srv.dataDir;
        const created = await createSession(srv, SPEC);
        const id = created.id;
        const key = created.moderator_key;
        assert.equal(id, 'slowweek-2026-10-23');

        await step('the session object shows the rule and the scheduled releases', async () => {
            const s = await getSession(srv, id);
            assert.equal(s.mode, 'slow');
            assert.equal(s.timezone, 'Europe/London');
            assert.deepEqual(s.releases, R);
            for (const r of s.releases) assert.equal(londonTime(r), '07:00', `release ${r} is 07:00 London time`);
            assert.equal(s.release_time, '07:00');
            assert.equal(s.release_every_hours, null);
            assert.equal(s.close_after_hours, 24);
            assert.equal(s.head, 0);
            assertPhase(s.phase, { phase: 'scheduled', round: null, question: null, ends_at: R[0], segment: -1 }, 'before the first release');
        });

        const host = await join(srv, id, 'host', 'Host', { key });
        const ann = await join(srv, id, 'ann', 'Ann');
        const bob = await join(srv, id, 'bob', 'Bob');
        clients.push(host, ann, bob);
        let head = 0;

        await step('day 1: nothing the second before 07:00, Q1 at 07:00', async () => {
            await advanceTo(srv, addSeconds(R[0], -1));
            await assertHead(srv, id, 0, 'one second before the first release');
            await advanceTo(srv, R[0]);
            for (const c of [host, ann, bob]) {
                const ev = await c.waitEvent((e) => e.seq === 1, 'Q1 release');
                assertRelease(ev, { n: 1, at: R[0], scheduled: R[0], endsAt: R[1] }, `Q1 seen by ${c.label}`);
            }
            head = 1;
            const s = await getSession(srv, id);
            assertPhase(s.phase, { phase: 'round', round: 1, question: Q1, started_at: R[0], ends_at: R[1] }, 'GET after Q1');
        });

        let a1;
        await step('day 1: answers to Q1; a question not yet released is refused', async () => {
            await advanceTo(srv, '2026-10-23T09:00:00.000Z');
            a1 = await ann.post('A1: I start with a puzzle');
            await expectPostEvent(bob, a1.seq, { author: 'ann', name: 'Ann', text: 'A1: I start with a puzzle', round: 1, at: '2026-10-23T09:00:00.000Z' });
            await bob.expectError({ type: 'post', cid: 'bob-early-q2', text: 'A2: too early' }, 'bad_request');
            await bob.expectError({ type: 'post', cid: 'bob-early-q2b', text: 'too early', round: 2 }, 'bad_request');
            head = a1.seq;
        });

        const early = '2026-10-23T18:00:00.000Z';
        await step('day 1 evening: the moderator releases Q2 early; Q3 keeps its schedule', async () => {
            await advanceTo(srv, early);
            await ann.expectError({ type: 'control', action: 'release' }, 'not_allowed');
            const ok = await host.ok({ type: 'control', action: 'release' });
            assert.equal(ok.seq, head + 1);
            for (const c of [ann, bob]) {
                const ev = await c.waitEvent((e) => e.seq === head + 1, 'early Q2');
                assertRelease(ev, { n: 2, at: early, scheduled: R[1], endsAt: R[2] }, `early Q2 seen by ${c.label}`);
            }
            head += 1;
        });

        await step('answers to Q1 and Q2 side by side', async () => {
            const b = await bob.post('Late to Q1: a picture on the board', { round: 1 });
            await expectPostEvent(ann, b.seq, { author: 'bob', name: 'Bob', round: 1, at: early });
            const a = await ann.post('A2: homework is practice');
            await expectPostEvent(bob, a.seq, { author: 'ann', name: 'Ann', round: 2 });
            const c = await ann.post('and what about marking?');
            await expectPostEvent(bob, c.seq, { author: 'ann', name: 'Ann', round: 2 });
            const d = await bob.post('Agreed', { reply_to: a1.seq });
            await expectPostEvent(ann, d.seq, { author: 'bob', name: 'Bob', round: 1, reply_to: a1.seq });
            await ann.expectError({ type: 'post', cid: 'ann-q3-early', text: 'A3: not yet' }, 'bad_request');
            head = d.seq;
        });

        await step("day 2 07:00 (Q2's scheduled instant): no second release", async () => {
            await advanceTo(srv, R[1]);
            await assertHead(srv, id, head, 'Q2 was released early');
        });

        const postponedQ3 = '2026-10-25T09:00:00.000Z';
        await step('day 2: the moderator postpones Q3 by two hours', async () => {
            await advanceTo(srv, '2026-10-24T08:00:00.000Z');
            await host.expectError({ type: 'control', action: 'postpone', minutes: 0 }, 'bad_request');
            await host.expectError({ type: 'control', action: 'postpone', minutes: 10081 }, 'bad_request');
            await bob.expectError({ type: 'control', action: 'postpone', minutes: 60 }, 'not_allowed');
            const ok = await host.ok({ type: 'control', action: 'postpone', minutes: 120 });
            assert.equal(ok.seq, head + 1);
            const ev = await ann.waitEvent((e) => e.seq === head + 1, 'postpone');
            assertPhase(ev, { kind: 'phase', at: '2026-10-24T08:00:00.000Z', phase: 'round', round: 2, question: Q2, started_at: early, ends_at: postponedQ3 }, 'postponed Q3');
            assert.equal(ev.scheduled_at, undefined, 'a postponement releases nothing: no scheduled_at');
            head += 1;
            await assertAllSame([host, ann, bob], head);
        });

        const before = structuredClone(ann.events);
        const tokens = { ann: ann.token, bob: bob.token, host: host.token };
        assert.ok(tokens.ann && tokens.bob && tokens.host, 'tokens were issued');

        await step('SIGTERM on day 2: clients told to reconnect (1012)', async () => {
            await stopServer(srv);
            for (const c of [host, ann, bob]) {
                const close = await c.waitClose();
                assert.equal(close.code, 1012, `${c.label} closed with 1012, got ${JSON.stringify(close)}`);
            }
        });

        // bob reconnects on his own as soon as a server is up again, with his token and since
        // (endpoint() waits for the next server while none is up)
        let portReady;
        let portWait;
        const serverDown = () => {
            portWait = new Promise((resolve) => {
                portReady = resolve;
            });
        };
        serverDown();
        const watch = new Watch();
        resumer = new ResumingClient({
            endpoint: () => portWait,
            session: id, handle: 'bob', name: 'Bob', label: 'bob-resuming', onChange: () => watch.notify(),
        });
        resumer.token = tokens.bob;
        resumer.lastSeq = head;
        resumer.start();

        // down through Q3's postponed release (Sun 09:00Z) and Q4's (Mon 07:00Z)
        const restartAt = '2026-10-26T08:00:00.000Z';
        srv = await startServer({ dataDir, clock: restartAt });
        portReady(srv.port);

        const q3 = { n: 3, at: postponedQ3, scheduled: R[2], endsAt: R[3] };
        const q4 = { n: 4, at: R[3], scheduled: R[3], endsAt: CLOSE };
        let ann2;
        let cat;
        await step('on start it releases what fell due, in order, each at its due instant', async () => {
            await watch.until(() => resumer.lastSeq >= head + 2, 'the resuming client to get both releases', 10_000,
                () => `resumer lastSeq ${resumer.lastSeq}, violations ${resumer.violations.join('; ')}`);
            assert.deepEqual(resumer.violations, []);
            assert.equal(resumer.events.length, 2, 'the resuming client got exactly the two releases');
            assertRelease(resumer.events[0], q3, 'Q3 (postponed) after restart');
            assertRelease(resumer.events[1], q4, 'Q4 after restart');
            assert.equal(resumer.events[0].seq, head + 1);
            assert.equal(resumer.events[1].seq, head + 2);

            ann2 = await join(srv, id, 'ann', 'Ann', { token: tokens.ann, since: head }, 'ann2');
            clients.push(ann2);
            await ann2.waitSeq(head + 2);
            assert.equal(ann2.welcome.now, restartAt);
            assert.equal(ann2.welcome.head, head + 2);
            assertPhase(ann2.welcome.session.phase, { phase: 'round', round: 4, question: Q4, started_at: R[3], ends_at: CLOSE }, 'welcome after restart');
            ann2.assertGapFree(head + 2, head);
            assert.deepEqual(ann2.events, resumer.events, 'reconnecting clients see the same releases');

            cat = await join(srv, id, 'cat', 'Cat', { since: 0 });
            clients.push(cat);
            await cat.waitSeq(head + 2);
            cat.assertGapFree(head + 2, 0);
            assert.deepEqual(cat.events.slice(0, head), before, 'the log before the restart is unchanged');
            assert.deepEqual(cat.events.slice(head), resumer.events);
            const releases = cat.events.filter((e) => e.kind === 'release');
            assert.deepEqual(releases.map((e) => e.round), [1, 2, 3, 4], 'each question released once');
            assert.deepEqual(releases.map((e) => e.scheduled_at), R, 'scheduled_at of every release');
            await assertHead(srv, id, head + 2, 'after the catch-up');
            head += 2;
        });

        await step('a second restart at the same instant releases nothing again', async () => {
            serverDown();
            await stopServer(srv);
            await ann2.waitClose();
            await cat.waitClose();
            srv = await startServer({ dataDir, clock: restartAt });
            portReady(srv.port);
            ann2 = await join(srv, id, 'ann', 'Ann', { token: tokens.ann, since: head }, 'ann3');
            cat = await join(srv, id, 'cat', 'Cat', { token: cat.token, since: head }, 'cat2');
            clients.push(ann2, cat);
            await ann2.ping();
            assert.equal(ann2.welcome.head, head);
            assert.deepEqual(ann2.events, [], 'nothing new after the second restart');
            await assertHead(srv, id, head, 'second restart');
            await watch.until(() => resumer.online && resumer.welcomes >= 2, 'the resuming client back online', 10_000);
        });

        await step('after the restart, answers to every released question', async () => {
            const checks = new Checks();
            for (const [text, extra, round] of [
                ['Still on Q1', { round: 1 }, 1],
                ['A3: after the restart', {}, 3],
                ['a2) one more on homework', {}, 2],
                ['Today is Q4', {}, 4],
            ]) {
                await checks.soft(text, async () => {
                    const p = await ann2.post(text, extra);
                    await expectPostEvent(cat, p.seq, { author: 'ann', name: 'Ann', text, round, at: restartAt });
                    head = p.seq;
                });
            }
            checks.done();
            await ann2.expectError({ type: 'post', cid: 'ann-q5', text: 'no such', round: 5 }, 'bad_request');
        });

        await step('the chat closes close_after_hours (24) after the last release', async () => {
            await advanceTo(srv, addSeconds(CLOSE, -1));
            await assertHead(srv, id, head, 'one second before the close');
            const last = await ann2.post('A1: in at the last second');
            head = last.seq;
            await advanceTo(srv, CLOSE);
            for (const c of [ann2, cat]) {
                const ev = await c.waitEvent((e) => e.seq === head + 1, 'closed');
                assertPhase(ev, { kind: 'phase', at: CLOSE, phase: 'closed', round: null, question: null, started_at: null, ends_at: null, segment: 4 }, `closed seen by ${c.label}`);
            }
            await watch.until(() => resumer.lastSeq >= head + 1, 'the resuming client to see the close', 10_000);
            assert.equal(resumer.events.at(-1).phase, 'closed');
            head += 1;
            await ann2.expectError({ type: 'post', cid: 'ann-after-close', text: 'A4: too late' }, 'closed');
            const mod = await join(srv, id, 'host', 'Host', { key, token: tokens.host, since: head }, 'host2');
            clients.push(mod);
            await mod.expectError({ type: 'control', action: 'release' }, 'closed');
            await assertHead(srv, id, head, 'after the close');
            assert.deepEqual(resumer.violations, []);
        });

        await resumer.stop();
        await stopServer(srv);
    } finally {
        await resumer?.stop();
        dropAll(clients);
        await killServer(srv);
        await removeDataDir(dataDir);
    }
});

test('a week across the October change releases at 07:00 London time every day', { timeout: 120_000 }, async () => {
    let srv;
    const clients = [];
    const week = [
        '2026-10-21T06:00:00.000Z', '2026-10-22T06:00:00.000Z', '2026-10-23T06:00:00.000Z', '2026-10-24T06:00:00.000Z',
        '2026-10-25T07:00:00.000Z', '2026-10-26T07:00:00.000Z', '2026-10-27T07:00:00.000Z',
    ];
    const questions = week.map((_, i) => `Day ${i + 1}: what did you try?`);
    try {
        srv = await startServer({ clock: '2026-10-20T12:00:00Z' });
        const created = await createSession(srv, {
            hashtag: '#SlowMath', title: 'One question a day', mode: 'slow', timezone: 'Europe/London',
            start: '2026-10-21T07:00', questions, close_after_hours: 12,
        });
        const id = created.id;
        const s = await getSession(srv, id);
        assert.deepEqual(s.releases, week);
        assert.equal(s.close_after_hours, 12);
        const reader = await join(srv, id, 'reader', 'Reader');
        clients.push(reader);
        const checks = new Checks();
        for (let i = 0; i < week.length; i++) {
            await checks.soft(`day ${i + 1}`, async () => {
                await advanceTo(srv, addSeconds(week[i], -3600));
                await assertHead(srv, id, i, `06:00 London on day ${i + 1}`);
                await advanceTo(srv, week[i]);
                const ev = await reader.waitEvent((e) => e.seq === i + 1, `release ${i + 1}`);
                const endsAt = i + 1 < week.length ? week[i + 1] : addSeconds(week[i], 12 * 3600);
                assertPhase(ev, {
                    kind: 'release', at: week[i], scheduled_at: week[i], phase: 'round', round: i + 1,
                    question: questions[i], started_at: week[i], ends_at: endsAt, segment: i,
                }, `day ${i + 1}`);
                assert.equal(londonTime(ev.at), '07:00', `day ${i + 1} released at 07:00 London time`);
            });
        }
        checks.done();
        const close = addSeconds(week.at(-1), 12 * 3600);
        await advanceTo(srv, close);
        const ev = await reader.waitEvent((e) => e.seq === week.length + 1, 'closed');
        assertPhase(ev, { kind: 'phase', at: close, phase: 'closed' }, 'close');
        await stopServer(srv);
    } finally {
        dropAll(clients);
        await killServer(srv);
    }
});

test('bad slow chats are refused at creation with a clear error', { timeout: 60_000 }, async () => {
    let srv;
    try {
        srv = await startServer({ clock: '2026-10-20T12:00:00Z' });
        const base = {
            hashtag: '#SlowBad', title: 'Bad', mode: 'slow', timezone: 'Europe/London', start: '2026-10-23T07:00',
            questions: [Q1, Q2],
        };
        const checks = new Checks();
        const cases = [
            ['unknown zone', { timezone: 'Europe/Londres' }, /Europe\/Londres/],
            ['zero interval', { release_every_hours: 0 }, /release_every_hours/],
            ['interval too long', { release_every_hours: 169 }, /release_every_hours/],
            ['both rules', { release_every_hours: 24, release_time: '07:00' }, /not both/],
            ['close_after_hours 0', { close_after_hours: 0 }, /close_after_hours/],
            ['close_after_hours 721', { close_after_hours: 721 }, /close_after_hours/],
            ['no questions', { questions: [] }, /question/],
            ['no start', { start: undefined }, /start/],
            ['start in the past', { start: '2026-10-19T07:00' }, /past/],
            ['start the clocks skip', { start: '2027-03-28T01:30' }, /does not exist/],
            ['bad release_time', { release_time: '7am' }, /release_time/],
            ['release_time in a live chat', { mode: 'live', release_time: '07:00' }, /slow/],
        ];
        for (const [what, change, message] of cases) {
            await checks.soft(what, async () => {
                const body = { ...base, ...change };
                if (change.start === undefined && 'start' in change) delete body.start;
                const res = await http(srv, 'POST', '/api/sessions', body);
                assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
                assert.equal(res.json?.error, 'bad_request', `${what}: ${res.text}`);
                assert.match(res.json?.message ?? '', message, `${what}: ${res.text}`);
            });
        }
        await checks.soft('a release_time the clocks skip is released when they jump', async () => {
            const created = await createSession(srv, { ...base, start: '2027-03-27T00:00', release_time: '01:30', questions: [Q1, Q2, Q3] });
            const s = await getSession(srv, created.id);
            assert.deepEqual(s.releases, ['2027-03-27T01:30:00.000Z', '2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']);
        });
        checks.done();
        const list = await http(srv, 'GET', '/api/sessions');
        assert.equal(list.json.sessions.length, 1, 'only the valid chat was created');
        await stopServer(srv);
    } finally {
        await killServer(srv);
    }
});
