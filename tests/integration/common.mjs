// Shared scenario pieces for the integration tests (not a test file itself).

import assert from 'node:assert/strict';
import { Client, iso } from './harness.mjs';

export const Q1 = 'How do you start a lesson?';
export const Q2 = 'Homework: yes or no?';
export const Q3 = 'What will you try next week?';

/**
 * A live evening chat at 19:00 Europe/London on 2026-11-26 (19:00 UTC): a 5-minute intro, Q1-Q3
 * in rounds of 8 minutes, a 5-minute wrap-up.
 */
export function eveningSpec(hashtag, title) {
    return {
        hashtag,
        title,
        mode: 'live',
        timezone: 'Europe/London',
        start: '2026-11-26T19:00:00',
        questions: [Q1, Q2, Q3],
        intro_minutes: 5,
        round_minutes: 8,
        wrapup_minutes: 5,
    };
}

/**
 * Waits until `client` has the event `seq` and asserts it is the post described by `want`
 * (author, name, role, text, round, reply_to, mentions, at). Resolves the event.
 */
export async function expectPostEvent(client, seq, want) {
    const ev = await client.waitEvent((e) => e.seq === seq, `post event seq ${seq}`);
    assert.equal(ev.type, 'event');
    assert.equal(ev.kind, 'post', `event ${seq} is a post: ${JSON.stringify(ev)}`);
    const full = { role: 'participant', reply_to: null, mentions: [], ...want };
    for (const [k, v] of Object.entries(full)) {
        let got = ev[k];
        if (k === 'mentions' && Array.isArray(got)) got = [...got].sort();
        const exp = k === 'mentions' ? [...v].sort() : v;
        assert.deepEqual(got, exp, `post seq ${seq}: ${k} is ${JSON.stringify(ev[k])}, expected ${JSON.stringify(v)}; event ${JSON.stringify(ev)}`);
    }
    return ev;
}

/** Waits for the event with `seq` on `client` and asserts the given fields. */
export async function expectEvent(client, seq, want) {
    const ev = await client.waitEvent((e) => e.seq === seq, `event seq ${seq}`);
    for (const [k, v] of Object.entries(want)) {
        let got = ev[k];
        let exp = v;
        if (k === 'mentions' && Array.isArray(got) && Array.isArray(v)) {
            got = [...got].sort();
            exp = [...v].sort();
        }
        assert.deepEqual(got, exp, `event seq ${seq}: ${k} is ${JSON.stringify(ev[k])}, expected ${JSON.stringify(v)}; event ${JSON.stringify(ev)}`);
    }
    return ev;
}

/** Waits until every client has seen `head` events and asserts identical, gap-free lists. */
export async function assertAllSame(clients, head) {
    for (const c of clients) await c.waitSeq(head);
    for (const c of clients) c.assertGapFree(head);
    const ref = clients[0];
    for (const c of clients.slice(1)) {
        assert.deepEqual(c.events, ref.events, `${c.label} and ${ref.label} must see identical events`);
    }
}

/** The highest seq among the events a client has seen (0 if none). */
export function lastSeq(client) {
    return client.events.reduce((m, e) => Math.max(m, e.seq), 0);
}

/** Opens a client and joins; resolves the client (welcome in client.welcome). */
export async function join(srv, session, handle, name, extra = {}, label = handle) {
    const c = await Client.connect(srv, label);
    await c.hello(session, handle, name, extra);
    return c;
}

/** A wire-format instant check. */
export function assertInstant(value, what) {
    assert.equal(typeof value, 'string', `${what} is a string`);
    assert.match(value, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${what} is ISO 8601 UTC with milliseconds`);
    assert.equal(iso(value), value, `${what} is a valid instant`);
}
