// Hostile clients against moderation: a banned user reconnecting (same token, same handle, another
// case; with ban_address a new handle from the same address, while a moderator from there is
// not refused); unban; a muted user posting, editing, liking; pre-moderation (pending, approve,
// reject); slow-down; and the moderators' `mod` log, which shows who did what to moderators
// only. Real abuse limits. Clients from other loopback addresses (127.0.0.2/3) stand for other
// networks.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, http, advance,
    dropAll, step, Client, Checks,
} from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';
import { Guard, AddrClient, joinFrom, assertNoModMessages, makeToken, logSnapshot } from './hostile_common.mjs';

const SPEC = {
    hashtag: '#HostileMod',
    title: 'Hostile moderation',
    mode: 'live',
    timezone: 'Europe/London',
    questions: [Q1, Q2],
};

const mods = (c) => c.messages.filter((m) => m.type === 'mod');
const waitMod = (c, pred, what) => c.until(() => mods(c).find(pred), what);

describe('hostile moderation', { timeout: 60_000 }, () => {
    let srv;
    const clients = [];
    const participants = []; // every participant connection: none may ever receive "mod"

    before(async () => {
        srv = await startServer({ limits: true });
    });

    after(async () => {
        dropAll(clients);
        try {
            if (srv && !srv.exit) await stopServer(srv);
        } finally {
            await killServer(srv);
            await removeDataDir(srv?.dataDir);
        }
    });

    async function setup(hashtag, options) {
        const created = await createSession(srv, { ...SPEC, hashtag, ...(options ? { options } : {}) });
        const host = await join(srv, created.id, 'host', 'Host', { key: created.moderator_key });
        // the watcher is on another network (127.0.0.2), so an address ban of 127.0.0.1/.3 leaves it alone
        const watcher = await joinFrom(srv, '127.0.0.2', created.id, 'watcher', 'Watcher');
        clients.push(host, watcher);
        participants.push(watcher);
        return { id: created.id, key: created.moderator_key, host, watcher };
    }

    const P = async (...args) => {
        const c = await joinFrom(srv, ...args);
        clients.push(c);
        participants.push(c);
        return c;
    };

    test('a banned user: closed 1008 at the ban, refused with banned by token, handle, case; unban restores', async (t) => {
        const checks = new Checks();
        const { id, key, host, watcher } = await setup('#BanPlain');
        const token = makeToken();
        const troll = await P(undefined, id, 'troll', 'Troll', { token }, 'troll-1');
        const troll2 = await P(undefined, id, 'troll', 'Troll', { token }, 'troll-2'); // a second device
        const tp = await troll.post('first and last words');
        await watcher.waitSeq(tp.seq);

        let banSeq;
        await step('ban: both connections closed with 1008, the public sees only the effect', async () => {
            // the troll keeps posting from its second device while the ban is on its way
            for (let i = 0; i < 8; i++) troll2.send({ type: 'post', cid: `race-${i}`, text: `race ${i}`, rid: `race-${i}` });
            const ok = await host.ok({ type: 'moderate', action: 'ban', handle: 'troll' });
            banSeq = ok.seq;
            assert.ok(Number.isInteger(banSeq), `ok of a ban has the seq: ${JSON.stringify(ok)}`);
            for (const c of [troll, troll2]) {
                const close = await c.waitClose();
                assert.equal(close.code, 1008, `${c.label} closed with 1008: ${JSON.stringify(close)}`);
            }
            const ev = await watcher.waitEvent((e) => e.seq === banSeq, 'ban event');
            assert.deepEqual({ kind: ev.kind, handle: ev.handle }, { kind: 'ban', handle: 'troll' });
            assert.equal(ev.by, undefined, 'the public event does not say who');
            const m = await waitMod(host, (x) => x.kind === 'ban' && x.seq === banSeq, 'mod ban');
            assert.equal(m.by, 'host');
            assert.equal(m.handle, 'troll');
        });
        await step('nothing of the troll enters the log after the ban', async () => {
            const snap = await logSnapshot(srv, id, key);
            const late = snap.events.filter((e) => e.seq > banSeq && e.author === 'troll');
            assert.deepEqual(late, [], 'no event by the banned troll after the ban');
            for (const a of troll2.messages.filter((x) => x.type === 'ack')) {
                assert.ok(a.seq < banSeq, `an acked racing post precedes the ban: ${JSON.stringify(a)}`);
            }
            const acked = troll2.messages.filter((x) => x.type === 'ack').length;
            const refusedRace = troll2.messages.filter((x) => x.type === 'error').length;
            t.diagnostic(`racing posts: ${acked} acked before the ban, ${refusedRace} refused, ${8 - acked - refusedRace} cut by the close`);
            for (const e of troll2.messages.filter((x) => x.type === 'error')) {
                assert.equal(e.code, 'banned', `a racing post after the ban is refused with banned: ${JSON.stringify(e)}`);
            }
        });

        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [host] });
        await g.mark();
        await step('reconnecting is refused with banned', async () => {
            const c = await Client.connect(srv, 'troll-back');
            clients.push(c);
            participants.push(c);
            const hello = (extra) => ({ type: 'hello', session: id, name: 'Troll', ...extra });
            const E = (msg, code) => checks.soft(`${JSON.stringify(msg).slice(0, 100)} -> ${code}`, () => c.expectError(msg, code));
            await E(hello({ handle: 'troll', token }), 'banned');
            await E(hello({ handle: 'troll' }), 'banned');
            await E(hello({ handle: 'TROLL', token }), 'banned');
            await E(hello({ handle: 'Troll' }), 'banned');
            await E(hello({ handle: 'troll', token, since: 0 }), 'banned');
            await c.ping();
            assert.equal(c.close, undefined, 'a refused hello leaves the connection open');
        });
        checks.done();
        await g.verify('banned reconnects');

        await step('without the address option, a new handle from the same address joins', async () => {
            const c = await P(undefined, id, 'troll_alt', 'Someone');
            assert.equal(c.welcome.you.role, 'participant');
        });

        await step('unban restores the handle with its token', async () => {
            const ok = await host.ok({ type: 'moderate', action: 'unban', handle: 'troll' });
            await watcher.waitEvent((e) => e.seq === ok.seq && e.kind === 'unban' && e.handle === 'troll', 'unban event');
            const m = await waitMod(host, (x) => x.kind === 'unban' && x.seq === ok.seq, 'mod unban');
            assert.equal(m.by, 'host');
            const back = await P(undefined, id, 'troll', 'Troll', { token }, 'troll-back-2');
            const ack = await back.post('sorry');
            await watcher.waitEvent((e) => e.seq === ack.seq && e.author === 'troll', 'post after unban');
            // the token is still needed after an unban
            const c = await Client.connect(srv, 'troll-notoken');
            clients.push(c);
            await c.expectError({ type: 'hello', session: id, handle: 'troll', name: 'Troll' }, 'handle_taken');
        });
    });

    test('address ban: a new handle from the address is refused, a moderator from it is not, others unaffected; unban restores', async () => {
        const checks = new Checks();
        const { id, key, host, watcher } = await setup('#BanAddress');
        const BAD = '127.0.0.3';
        const token = makeToken();
        const troll = await P(BAD, id, 'troll', 'Troll', { token });
        // a co-moderator on the same network as the troll (the pub's own laptop)
        const keyRes = await http(srv, 'POST', `/api/sessions/${id}/keys`, { label: 'pub' }, { authorization: `Bearer ${key}` });
        assert.equal(keyRes.status, 201, keyRes.text);
        const coKey = keyRes.json.key;
        const pubMod = await joinFrom(srv, BAD, id, 'pub_mod', 'Pub Mod', { key: coKey });
        clients.push(pubMod);
        await troll.post('spam spam spam');

        let banSeq;
        await step('ban with ban_address: the troll is closed 1008, the moderator on its address is not', async () => {
            const ok = await host.ok({ type: 'moderate', action: 'ban', handle: 'troll', ban_address: true });
            banSeq = ok.seq;
            const close = await troll.waitClose();
            assert.equal(close.code, 1008);
            const m = await waitMod(host, (x) => x.kind === 'ban' && x.seq === banSeq, 'mod ban');
            assert.equal(m.by, 'host');
            assert.equal(m.ban_address, true, `mod entry marks the address ban: ${JSON.stringify(m)}`);
            await watcher.waitEvent((e) => e.seq === banSeq, 'ban event');
            await pubMod.waitEvent((e) => e.seq === banSeq, 'ban event at the pub moderator');
            await pubMod.ping();
            assert.equal(pubMod.close, undefined, 'a moderator connection is never closed by an address ban');
        });

        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [host, pubMod] });
        await g.mark();
        await step('from the banned address: every participant is refused with banned', async () => {
            const c = await AddrClient.connectFrom(srv, 'same-pub', BAD);
            clients.push(c);
            participants.push(c);
            const hello = (extra) => ({ type: 'hello', session: id, name: 'Pub goer', ...extra });
            const E = (msg, code) => checks.soft(`from ${BAD}: ${JSON.stringify(msg).slice(0, 100)} -> ${code}`, () => c.expectError(msg, code));
            await E(hello({ handle: 'fresh_face' }), 'banned');
            await E(hello({ handle: 'fresh_face', token: makeToken() }), 'banned');
            await E(hello({ handle: 'troll', token }), 'banned');
            await E(hello({ handle: 'TROLL' }), 'banned');
            await c.ping();
            // and the troll from another network, by its handle
            const elsewhere = await AddrClient.connectFrom(srv, 'troll-elsewhere', '127.0.0.2');
            clients.push(elsewhere);
            participants.push(elsewhere);
            await checks.soft('troll from another address -> banned', () =>
                elsewhere.expectError({ type: 'hello', session: id, handle: 'troll', name: 'Troll', token }, 'banned'));
        });
        checks.done();
        await g.verify('address ban refusals');

        await step('a moderator from the banned address joins and acts', async () => {
            const m2 = await joinFrom(srv, BAD, id, 'pub_mod2', 'Pub Mod 2', { key });
            clients.push(m2);
            assert.equal(m2.welcome.you.role, 'moderator');
            const ack = await m2.post('the pub moderator can still post');
            await watcher.waitEvent((e) => e.seq === ack.seq, 'post by the moderator from the banned address');
            const ack2 = await pubMod.post('so can the co-moderator there');
            await watcher.waitEvent((e) => e.seq === ack2.seq, 'post by the co-moderator');
        });
        await step('participants from other addresses join', async () => {
            const c = await P('127.0.0.2', id, 'neighbour', 'Neighbour');
            const ack = await c.post('hello from next door');
            await watcher.waitEvent((e) => e.seq === ack.seq, 'neighbour post');
        });
        await step('unban lifts the address ban too', async () => {
            const ok = await host.ok({ type: 'moderate', action: 'unban', handle: 'troll' });
            await watcher.waitEvent((e) => e.seq === ok.seq && e.kind === 'unban', 'unban event');
            const fresh = await P(BAD, id, 'fresh_face', 'Fresh');
            const ack = await fresh.post('finally in');
            await watcher.waitEvent((e) => e.seq === ack.seq, 'fresh post');
            const back = await P(BAD, id, 'troll', 'Troll', { token }, 'troll-back');
            assert.equal(back.welcome.you.role, 'participant');
        });
    });

    test('a muted user: post, edit, like -> muted; keeps reading; unmute restores', async () => {
        const checks = new Checks();
        const { id, key, host, watcher } = await setup('#MuteChat');
        const loud = await P(undefined, id, 'loud', 'Loud');
        const own = await loud.post('my earlier post');
        const wpost = await watcher.post('a post to like');
        await host.ok({ type: 'moderate', action: 'mute', handle: 'loud' });
        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [host] });
        await g.mark();
        await step('refused with muted', async () => {
            const E = (msg, code) => checks.soft(`${JSON.stringify(msg).slice(0, 100)} -> ${code}`, () => loud.expectError(msg, code));
            const e = await E({ type: 'post', cid: 'loud-2', text: 'LOUD NOISES' }, 'muted');
            if (e) await checks.soft('muted echoes cid', () => assert.equal(e.cid, 'loud-2'));
            await E({ type: 'post', cid: 'loud-3', text: 'reply', reply_to: wpost.seq }, 'muted');
            await E({ type: 'edit', seq: own.seq, text: 'edited while muted' }, 'muted');
            await E({ type: 'like', seq: wpost.seq }, 'muted');
            await E({ type: 'announce', text: 'hear me' }, 'not_allowed');
            await loud.ping();
        });
        checks.done();
        await g.verify('muted');
        await step('the muted user still reads', async () => {
            // the marker post of verify reached the muted user too
            const head = (await getSession(srv, id)).head;
            await loud.waitSeq(head);
            assert.equal(loud.close, undefined);
        });
        await step('unmute: posting works again', async () => {
            const ok = await host.ok({ type: 'moderate', action: 'unmute', handle: 'loud' });
            await watcher.waitEvent((e) => e.seq === ok.seq && e.kind === 'unmute' && e.handle === 'loud', 'unmute event');
            const ack = await loud.post('thanks');
            await watcher.waitEvent((e) => e.seq === ack.seq && e.author === 'loud', 'post after unmute');
            await loud.ok({ type: 'like', seq: wpost.seq });
        });
    });

    test('pre-moderation: pending ack and no public event until approve; reject -> not_allowed with cid', async () => {
        const { id, key, host, watcher } = await setup('#PreMod', { premoderation: true, slowdown_seconds: 0 });
        const pat = await P(undefined, id, 'pat', 'Pat');
        let pending1;
        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [] });
        await g.mark();
        await step('a participant post waits: ack with pending, no seq, no public event', async () => {
            const ack = await pat.expectReply({ type: 'post', cid: 'pat-1', text: 'my answer' }, 'ack');
            assert.equal(ack.cid, 'pat-1');
            assert.ok(Number.isInteger(ack.pending) && ack.pending > 0, `pending number: ${JSON.stringify(ack)}`);
            assert.equal(ack.seq, undefined);
            pending1 = ack.pending;
            const again = await pat.expectReply({ type: 'post', cid: 'pat-1', text: 'my answer' }, 'ack');
            assert.equal(again.pending, pending1, 'a resend of the cid gets the same pending answer');
            assert.equal(again.seq, undefined);
            const m = await waitMod(host, (x) => x.kind === 'pending' && x.pending === pending1, 'mod pending');
            assert.equal(m.by, 'pat');
            assert.equal(m.post?.author, 'pat');
            assert.equal(m.post?.text, 'my answer');
            assert.equal(mods(host).filter((x) => x.kind === 'pending').length, 1, 'one waiting entry for two sends');
        });
        await g.verify('pending post'); // no public event, head unchanged (a moderator's post is not held)
        let seq1;
        await step('approve: the author gets an ack with the seq; the post enters the public log', async () => {
            const ok = await host.ok({ type: 'moderate', action: 'approve', pending: pending1 });
            seq1 = ok.seq;
            const ack = await pat.waitMessage((m) => m.type === 'ack' && m.cid === 'pat-1' && m.seq !== undefined, 'approval ack');
            assert.equal(ack.seq, seq1);
            const ev = await watcher.waitEvent((e) => e.seq === seq1, 'approved post');
            assert.deepEqual({ kind: ev.kind, author: ev.author, text: ev.text }, { kind: 'post', author: 'pat', text: 'my answer' });
            const m = await waitMod(host, (x) => x.kind === 'approve' && x.pending === pending1, 'mod approve');
            assert.equal(m.by, 'host');
            assert.equal(m.seq, seq1);
            const again = await pat.expectReply({ type: 'post', cid: 'pat-1', text: 'my answer' }, 'ack');
            assert.equal(again.seq, seq1, 'after approval a resend gets the seq');
        });
        await step('reject: the author gets not_allowed with the cid; nothing public', async () => {
            const ack = await pat.expectReply({ type: 'post', cid: 'pat-2', text: 'something rude' }, 'ack');
            assert.ok(Number.isInteger(ack.pending));
            await waitMod(host, (x) => x.kind === 'pending' && x.pending === ack.pending, 'mod pending 2');
            const g2 = new Guard({ srv, session: id, key, watcher, modWatchers: [] });
            await g2.mark();
            const from = pat.messages.length;
            const ok = await host.ok({ type: 'moderate', action: 'reject', pending: ack.pending });
            assert.equal(ok.seq, undefined, 'a rejection makes no public event');
            const err = await pat.waitMessage((m) => m.type === 'error' && m.cid === 'pat-2', 'rejection error', from);
            assert.equal(err.code, 'not_allowed');
            const m = await waitMod(host, (x) => x.kind === 'reject' && x.pending === ack.pending, 'mod reject');
            assert.equal(m.by, 'host');
            await g2.verify('rejected post');
            await host.expectError({ type: 'moderate', action: 'approve', pending: ack.pending }, 'not_found');
            // sending the rejected cid again makes no new waiting post and no public one
            const g3 = new Guard({ srv, session: id, key, watcher, modWatchers: [host] });
            await g3.mark();
            await pat.expectError({ type: 'post', cid: 'pat-2', text: 'something rude' }, 'not_allowed');
            await g3.verify('rejected cid resent');
            assert.ok(!watcher.events.some((e) => e.text === 'something rude'));
        });
        await step('a participant cannot approve its own waiting post', async () => {
            const ack = await pat.expectReply({ type: 'post', cid: 'pat-3', text: 'approve me' }, 'ack');
            await pat.expectError({ type: 'moderate', action: 'approve', pending: ack.pending }, 'not_allowed');
            const s = await getSession(srv, id);
            assert.ok(!watcher.events.some((e) => e.text === 'approve me'));
            assert.equal(s.head, Math.max(...watcher.events.map((e) => e.seq)));
        });
    });

    test('slow-down: a second post within slowdown_seconds -> rate_limited with retry_after_ms', async () => {
        const { id, key, host, watcher } = await setup('#SlowDown', { premoderation: false, slowdown_seconds: 30 });
        const sam = await P(undefined, id, 'sam', 'Sam');
        const first = await sam.post('one');
        await watcher.waitSeq(first.seq);
        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [host] });
        await g.mark();
        await step('second post at once', async () => {
            const err = await sam.expectError({ type: 'post', cid: 'sam-2', text: 'two' }, 'rate_limited');
            assert.equal(err.cid, 'sam-2', 'echoes the cid');
            assert.ok(Number.isInteger(err.retry_after_ms) && err.retry_after_ms > 0 && err.retry_after_ms <= 30_000,
                `retry_after_ms in (0, 30000]: ${JSON.stringify(err)}`);
        });
        await step('a second connection of the same participant is slowed down too', async () => {
            const sam2 = await P(undefined, id, 'sam', 'Sam', { token: sam.token }, 'sam-2nd');
            const err = await sam2.expectError({ type: 'post', cid: 'sam-alt', text: 'two, elsewhere' }, 'rate_limited');
            assert.ok(err.retry_after_ms > 0 && err.retry_after_ms <= 30_000, JSON.stringify(err));
        });
        await g.verify('slow-down');
        await step('10 s later it is still limited, with less time left', async () => {
            await advance(srv, 10);
            const err = await sam.expectError({ type: 'post', cid: 'sam-2', text: 'two' }, 'rate_limited');
            assert.ok(err.retry_after_ms > 0 && err.retry_after_ms <= 20_000, `time left <= 20 s: ${err.retry_after_ms}`);
        });
        await step('after the slow-down the same cid posts once', async () => {
            await advance(srv, 20);
            const ack = await sam.post('two', { cid: 'sam-2' });
            await watcher.waitEvent((e) => e.seq === ack.seq && e.text === 'two', 'second post');
        });
        await step('a moderator is not slowed down', async () => {
            await host.post('mod one');
            await host.post('mod two');
        });
    });

    test('a hidden post cannot be liked, replied to, edited or deleted by another participant', async () => {
        const checks = new Checks();
        const { id, key, host, watcher } = await setup('#HiddenPost');
        const author = await P(undefined, id, 'author', 'Author');
        const sneak = await P(undefined, id, 'sneak', 'Sneak');
        const p = await author.post('soon hidden');
        await host.ok({ type: 'moderate', action: 'hide', seq: p.seq });
        const g = new Guard({ srv, session: id, key, watcher, modWatchers: [host] });
        await g.mark();
        const E = (msg, code) => checks.soft(`${JSON.stringify(msg)} -> ${code}`, () => sneak.expectError(msg, code));
        await E({ type: 'like', seq: p.seq }, 'not_found');
        await E({ type: 'post', cid: 'sn-1', text: 'replying anyway', reply_to: p.seq }, 'not_found');
        // someone else's hidden post: not_found (out of sight) or not_allowed (not the author)
        for (const msg of [{ type: 'edit', seq: p.seq, text: 'not mine' }, { type: 'delete', seq: p.seq }]) {
            await checks.soft(`${JSON.stringify(msg)} -> not_found or not_allowed`, async () => {
                const r = await sneak.request(msg);
                assert.equal(r.type, 'error', JSON.stringify(r));
                assert.ok(['not_found', 'not_allowed'].includes(r.code), JSON.stringify(r));
            });
        }
        await E({ type: 'moderate', action: 'unhide', seq: p.seq }, 'not_allowed');
        await sneak.ping();
        checks.done();
        await g.verify('hidden post');
    });

    test('the mod log: who did what, to moderators only; participants see only the effect', async () => {
        const { id, key, host, watcher } = await setup('#ModLog');
        const res = await http(srv, 'POST', `/api/sessions/${id}/keys`, { label: 'co' }, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 201, res.text);
        const cohost = await join(srv, id, 'cohost', 'Co Host', { key: res.json.key });
        clients.push(cohost);
        const pia = await P(undefined, id, 'pia', 'Pia');
        const p1 = await pia.post('first');
        const p2 = await pia.post('second');
        const actions = [
            [host, { type: 'control', action: 'start' }, { kind: 'control', detail: 'start' }],
            [cohost, { type: 'moderate', action: 'hide', seq: p1.seq }, { kind: 'hide', target: p1.seq }],
            [host, { type: 'moderate', action: 'unhide', seq: p1.seq }, { kind: 'unhide', target: p1.seq }],
            [cohost, { type: 'moderate', action: 'pin', seq: p1.seq }, { kind: 'pin', target: p1.seq }],
            [cohost, { type: 'moderate', action: 'mute', handle: 'pia' }, { kind: 'mute', handle: 'pia' }],
            [host, { type: 'moderate', action: 'unmute', handle: 'pia' }, { kind: 'unmute', handle: 'pia' }],
            [cohost, { type: 'delete', seq: p2.seq }, { kind: 'delete', target: p2.seq }],
            [host, { type: 'control', action: 'next' }, { kind: 'control', detail: 'next' }],
        ];
        const want = [];
        for (const [who, msg, expect] of actions) {
            const ok = await who.ok(msg);
            want.push({ ...expect, by: who.handle, seq: ok.seq });
        }
        await step('both moderators have every entry with who did it, gap-free n', async () => {
            for (const m of [host, cohost]) {
                await m.until(() => mods(m).length >= want.length, `${m.label}: ${want.length} mod entries`);
                const got = mods(m);
                assert.deepEqual(got.map((x) => x.n), got.map((_, i) => i + 1), `${m.label}: n is 1, 2, 3, ...`);
                for (const [i, w] of want.entries()) {
                    for (const [k, v] of Object.entries(w)) {
                        assert.deepEqual(got[i][k], v, `${m.label}: mod entry ${i + 1} ${k}: ${JSON.stringify(got[i])}, want ${JSON.stringify(w)}`);
                    }
                }
            }
        });
        await step('participants saw the public events, without who', async () => {
            const lastSeqWanted = want[want.length - 1].seq;
            for (const p of [watcher, pia]) {
                await p.waitSeq(lastSeqWanted);
                for (const w of want) {
                    const ev = p.events.find((e) => e.seq === w.seq);
                    assert.ok(ev, `${p.label} has event ${w.seq}`);
                    assert.equal(ev.by, undefined, `${p.label}: event ${w.seq} does not say who: ${JSON.stringify(ev)}`);
                }
                const del = p.events.find((e) => e.seq === want[6].seq);
                assert.equal(del.kind, 'delete');
            }
        });
        await step('a late moderator gets the whole mod log after welcome; a late participant none', async () => {
            const late = await join(srv, id, 'late_mod', 'Late', { key });
            clients.push(late);
            await late.until(() => mods(late).length >= want.length, 'the whole mod log');
            assert.deepEqual(mods(late).map((x) => [x.n, x.kind, x.by]), mods(host).map((x) => [x.n, x.kind, x.by]));
            const lateP = await P(undefined, id, 'late_p', 'Late P');
            await lateP.waitSeq(want[want.length - 1].seq);
            await lateP.ping();
        });
        await step('no participant in this file ever received a mod message', async () => {
            assertNoModMessages(participants);
        });
    });
});
