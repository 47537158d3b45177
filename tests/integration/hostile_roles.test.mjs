// Hostile clients against roles: a participant sends every moderator command; forged, revoked,
// other sessions' and co-moderator keys (WebSocket and the keys endpoints); taking someone
// else's handle. Real abuse limits (startServer({limits: true})). Each refusal is the
// documented error, the watcher keeps being served, and the log holds nothing from it.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, http, dropAll, step,
    Client, Checks,
} from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';
import { Guard, makeToken } from './hostile_common.mjs';

const SPEC = {
    hashtag: '#HostileRoles',
    title: 'Hostile roles',
    mode: 'live',
    timezone: 'Europe/London',
    questions: [Q1, Q2],
    options: { premoderation: true, slowdown_seconds: 0 },
};

describe('hostile roles and keys', { timeout: 60_000 }, () => {
    let srv;
    let id; // pre-moderated session, so that approve/reject have a real waiting post
    let key;
    let other; // a second session
    let host;
    let watcher;
    const clients = [];

    before(async () => {
        srv = await startServer({ limits: true });
        ({ id, moderator_key: key } = await createSession(srv, SPEC));
        other = await createSession(srv, { ...SPEC, hashtag: '#OtherRoom', options: undefined });
        host = await join(srv, id, 'host', 'Host', { key });
        watcher = await join(srv, id, 'watcher', 'Watcher');
        clients.push(host, watcher);
        assert.equal(host.welcome.you.role, 'moderator');
        assert.equal(watcher.welcome.you.role, 'participant');
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

    const guard = () => new Guard({ srv, session: id, key, watcher, modWatchers: [host] });

    test('a participant sends every moderator command: not_allowed, nothing happens', async () => {
        const checks = new Checks();
        const E = (cl, msg, code) =>
            checks.soft(`${cl.label}: ${JSON.stringify(msg)} -> ${code}`, () => cl.expectError(msg, code));
        // Set the stage so that each command would be valid from a moderator.
        const victimA = await join(srv, id, 'victim_a', 'Victim A');
        const victimB = await join(srv, id, 'victim_b', 'Victim B');
        const victimC = await join(srv, id, 'victim_c', 'Victim C');
        const pender = await join(srv, id, 'pender', 'Pender');
        const eve = await join(srv, id, 'eve', 'Eve');
        clients.push(victimA, victimB, victimC, pender, eve);
        let p1;
        let p2;
        let p3;
        let pending;
        await step('stage', async () => {
            await host.ok({ type: 'control', action: 'start' });
            p1 = (await host.post('A0: plain post')).seq;
            p2 = (await host.post('A0: hidden post')).seq;
            p3 = (await host.post('A0: pinned post')).seq;
            await host.ok({ type: 'moderate', action: 'hide', seq: p2 });
            await host.ok({ type: 'moderate', action: 'pin', seq: p3 });
            await host.ok({ type: 'moderate', action: 'mute', handle: 'victim_b' });
            await host.ok({ type: 'moderate', action: 'ban', handle: 'victim_c' });
            const closed = await victimC.waitClose();
            assert.equal(closed.code, 1008, 'the banned connection is closed with 1008');
            const ack = await pender.expectReply({ type: 'post', cid: 'pend-1', text: 'A0: waiting for approval' }, 'ack');
            assert.ok(Number.isInteger(ack.pending) && ack.pending > 0, `a waiting post: ${JSON.stringify(ack)}`);
            assert.equal(ack.seq, undefined, 'a waiting post has no seq yet');
            pending = ack.pending;
            await host.until(() => host.messages.find((m) => m.type === 'mod' && m.kind === 'pending' && m.pending === pending), 'mod pending entry');
        });

        const g = guard();
        await g.mark();
        await step('control, announce, moderate, edit/delete of others: not_allowed', async () => {
            for (const action of ['start', 'next', 'pause', 'end']) {
                await E(eve, { type: 'control', action }, 'not_allowed');
            }
            await E(eve, { type: 'control', action: 'extend', minutes: 3 }, 'not_allowed');
            await E(eve, { type: 'announce', text: 'I am the host now' }, 'not_allowed');
            const m = (action, extra) => ({ type: 'moderate', action, ...extra });
            await E(eve, m('hide', { seq: p1 }), 'not_allowed');
            await E(eve, m('unhide', { seq: p2 }), 'not_allowed');
            await E(eve, m('pin', { seq: p1 }), 'not_allowed');
            await E(eve, m('unpin', { seq: p3 }), 'not_allowed');
            await E(eve, m('mute', { handle: 'victim_a' }), 'not_allowed');
            await E(eve, m('unmute', { handle: 'victim_b' }), 'not_allowed');
            await E(eve, m('ban', { handle: 'victim_a' }), 'not_allowed');
            await E(eve, m('ban', { handle: 'host' }), 'not_allowed');
            await E(eve, m('ban', { handle: 'victim_a', ban_address: true }), 'not_allowed');
            await E(eve, m('unban', { handle: 'victim_c' }), 'not_allowed');
            await E(eve, m('approve', { pending }), 'not_allowed');
            await E(eve, m('reject', { pending }), 'not_allowed');
            await E(eve, { type: 'edit', seq: p1, text: 'A0: defaced' }, 'not_allowed');
            await E(eve, { type: 'delete', seq: p1 }, 'not_allowed');
            await eve.ping();
        });
        checks.done();
        await step('nothing happened', () => g.verify('participant moderator commands'));

        await step('resume while paused', async () => {
            await host.ok({ type: 'control', action: 'pause' });
            const g2 = guard();
            await g2.mark();
            await E(eve, { type: 'control', action: 'resume' }, 'not_allowed');
            checks.done();
            await g2.verify('participant resume');
            await host.ok({ type: 'control', action: 'resume' });
        });

        await step('the effects are still as the moderator left them', async () => {
            // victim_b is still muted, victim_c still banned, the post still waiting
            await victimB.expectError({ type: 'post', cid: 'vb-1', text: 'A0: let me talk' }, 'muted');
            const c = await Client.connect(srv, 'victim_c-again');
            clients.push(c);
            await c.expectError({ type: 'hello', session: id, handle: 'victim_c', name: 'C' }, 'banned');
            await host.ok({ type: 'moderate', action: 'approve', pending });
            const ack = await pender.waitMessage((m) => m.type === 'ack' && m.cid === 'pend-1' && Number.isInteger(m.seq), 'approval ack');
            await watcher.waitEvent((e) => e.seq === ack.seq && e.kind === 'post' && e.author === 'pender', 'approved post');
            assert.ok(!watcher.messages.some((m) => m.type === 'mod'), 'a participant never receives type "mod"');
            assert.ok(!eve.messages.some((m) => m.type === 'mod'), 'a participant never receives type "mod"');
        });
    });

    test('moderator keys: forged, another session\'s, in the wrong place', async () => {
        const checks = new Checks();
        const g = guard();
        await g.mark();
        const c = await Client.connect(srv, 'keyforger');
        clients.push(c);
        const hello = (extra) => ({ type: 'hello', session: id, handle: 'forger', name: 'Forger', ...extra });
        const E = (msg, code) => checks.soft(`${JSON.stringify(msg).slice(0, 100)} -> ${code}`, () => c.expectError(msg, code));
        await E(hello({ key: makeToken() }), 'bad_key');
        await E(hello({ key: `${key}x` }), 'bad_key');
        await E(hello({ key: key.slice(0, -1) }), 'bad_key');
        await E(hello({ key: key.toUpperCase() === key ? key.toLowerCase() : key.toUpperCase() }), 'bad_key');
        await E(hello({ key: other.moderator_key }), 'bad_key');
        await E(hello({ key: '' }), 'bad_key');
        await c.ping();
        // the connection is still usable: it joins as a plain participant
        const w = await c.hello(id, 'forger', 'Forger');
        assert.equal(w.you.role, 'participant');
        await checks.soft('a participant who failed a key cannot run the chat',
            () => c.expectError({ type: 'control', action: 'end' }, 'not_allowed'));
        checks.done();
        await g.verify('forged keys');
    });

    test('keys endpoints: create, list, refuse no/garbage/forged/other/co-moderator keys', async () => {
        const checks = new Checks();
        const keysPath = `/api/sessions/${id}/keys`;
        const auth = (k) => ({ authorization: `Bearer ${k}` });
        let co;
        await step('owner creates a co-moderator key', async () => {
            const res = await http(srv, 'POST', keysPath, { label: 'Sam (co-host)' }, auth(key));
            assert.equal(res.status, 201, `create key: ${res.status} ${res.text}`);
            co = res.json;
            assert.equal(typeof co.key_id, 'string');
            assert.equal(typeof co.key, 'string');
            assert.ok(co.key.length >= 22, 'a key long enough not to be guessed');
            assert.equal(co.label, 'Sam (co-host)');
            assert.equal(co.urls?.moderate, `/s/${id}/moderate#key=${co.key}`, 'the key travels in the fragment');
        });
        const listBefore = await http(srv, 'GET', keysPath, undefined, auth(key));
        assert.equal(listBefore.status, 200, listBefore.text);
        await step('the list never shows keys', async () => {
            const keys = listBefore.json.keys;
            assert.ok(Array.isArray(keys));
            const owner = keys.filter((k) => k.owner);
            assert.equal(owner.length, 1, 'one owner key');
            assert.equal(owner[0].revoked, false);
            const mine = keys.find((k) => k.key_id === co.key_id);
            assert.deepEqual({ label: mine?.label, owner: mine?.owner, revoked: mine?.revoked },
                { label: 'Sam (co-host)', owner: false, revoked: false });
            assert.ok(!listBefore.text.includes(co.key) && !listBefore.text.includes(key), 'no key in the list');
        });
        const ownerId = listBefore.json.keys.find((k) => k.owner).key_id;

        const refuse = async (what, method, path, headers, status, code, body) => {
            await checks.soft(`${what}: ${method} ${path} -> ${status} ${code}`, async () => {
                const res = await http(srv, method, path, body, headers);
                assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
                assert.equal(res.json?.error, code, `${what}: ${res.text}`);
                assert.equal(typeof res.json?.message, 'string', `${what}: has a message`);
                assert.ok(!res.text.includes(key) && !res.text.includes(co.key), `${what}: no key echoed`);
            });
        };
        const routes = [
            ['POST', keysPath, { label: 'sneaky' }],
            ['GET', keysPath, undefined],
            ['DELETE', `${keysPath}/${co.key_id}`, undefined],
            ['DELETE', `${keysPath}/${ownerId}`, undefined],
        ];
        for (const [method, path, body] of routes) {
            await refuse('no Authorization', method, path, {}, 401, 'bad_key', body);
            for (const garbage of ['Bearer', 'Bearer ', `Basic ${Buffer.from(`x:${key}`).toString('base64')}`, key, 'Bearer !!!###', `Token ${key}`]) {
                await refuse(`Authorization ${JSON.stringify(garbage.slice(0, 12))}`, method, path, { authorization: garbage }, 401, 'bad_key', body);
            }
            await refuse('forged key', method, path, auth(makeToken()), 401, 'bad_key', body);
            await refuse('another session\'s owner key', method, path, auth(other.moderator_key), 401, 'bad_key', body);
            await refuse('co-moderator key', method, path, auth(co.key), 403, 'not_allowed', body);
        }
        await refuse('owner key revoking itself', 'DELETE', `${keysPath}/${ownerId}`, auth(key), 400, 'bad_request');
        await refuse('no such session', 'GET', '/api/sessions/no-such-session-2026-11-26/keys', auth(key), 404, 'not_found');
        await refuse('no such key', 'DELETE', `${keysPath}/k999`, auth(key), 404, 'not_found');
        await refuse('this session\'s owner key on the other session', 'POST', `/api/sessions/${other.id}/keys`, auth(key), 401, 'bad_key', {});
        await step('nothing changed among the keys', async () => {
            const res = await http(srv, 'GET', keysPath, undefined, auth(key));
            assert.equal(res.status, 200);
            assert.deepEqual(res.json, listBefore.json, 'the key list is unchanged by refused requests');
            const res2 = await http(srv, 'GET', `/api/sessions/${other.id}/keys`, undefined, auth(other.moderator_key));
            assert.equal(res2.status, 200);
            assert.equal(res2.json.keys.length, 1, 'the other session has only its owner key');
        });
        checks.done();
        // tidy: revoke it (the revoked-key test makes its own)
        const del = await http(srv, 'DELETE', `${keysPath}/${co.key_id}`, undefined, auth(key));
        assert.equal(del.status, 204, del.text);
    });

    test('a revoked co-moderator key: its connection is closed 1008 and it no longer joins', async () => {
        const keysPath = `/api/sessions/${id}/keys`;
        const res = await http(srv, 'POST', keysPath, { label: 'Temp' }, { authorization: `Bearer ${key}` });
        assert.equal(res.status, 201, res.text);
        const co = res.json;
        const cohost = await join(srv, id, 'cohost', 'Co Host', { key: co.key });
        clients.push(cohost);
        assert.equal(cohost.welcome.you.role, 'moderator', 'a co-moderator key joins as moderator');
        await step('the co-moderator holds moderator powers', async () => {
            const ack = await cohost.post('a co-host post');
            await cohost.ok({ type: 'moderate', action: 'pin', seq: ack.seq });
            const mod = await host.until(() => host.messages.find((m) => m.type === 'mod' && m.kind === 'pin' && m.target === ack.seq), 'mod pin');
            assert.equal(mod.by, 'cohost', 'the owner sees who pinned');
            await cohost.until(() => cohost.messages.find((m) => m.type === 'mod' && m.kind === 'pin' && m.target === ack.seq), 'cohost sees the mod log');
        });
        const g = guard();
        await g.mark();
        await step('revoke: 204, the connection is closed with 1008', async () => {
            const del = await http(srv, 'DELETE', `${keysPath}/${co.key_id}`, undefined, { authorization: `Bearer ${key}` });
            assert.equal(del.status, 204, del.text);
            const close = await cohost.waitClose();
            assert.equal(close.code, 1008, `revoked connection close: ${JSON.stringify(close)}`);
        });
        await step('the revoked key no longer joins or manages keys', async () => {
            const c = await Client.connect(srv, 'revoked');
            clients.push(c);
            await c.expectError({ type: 'hello', session: id, handle: 'cohost', name: 'Co Host', key: co.key }, 'bad_key');
            await c.expectError({ type: 'hello', session: id, handle: 'cohost2', name: 'Co Host', key: co.key }, 'bad_key');
            await c.expectError({ type: 'hello', session: other.id, handle: 'cohost', name: 'Co Host', key: co.key }, 'bad_key');
            await c.ping();
            const list = await http(srv, 'GET', keysPath, undefined, { authorization: `Bearer ${co.key}` });
            assert.equal(list.status, 401, `a revoked key on the keys endpoint: ${list.status} ${list.text}`);
            assert.equal(list.json?.error, 'bad_key');
            const owner = await http(srv, 'GET', keysPath, undefined, { authorization: `Bearer ${key}` });
            assert.equal(owner.json.keys.find((k) => k.key_id === co.key_id)?.revoked, true, 'listed as revoked');
        });
        await g.verify('revoked key');
        // revocation is not a moderator action in the log; the host still has its powers
        await host.ping();
        assert.equal(host.close, undefined, 'the owner connection stays open');
    });

    test('another session\'s key and a participant token do not make a moderator', async () => {
        const g = guard();
        await g.mark();
        const c = await Client.connect(srv, 'crossover');
        clients.push(c);
        // the other session's owner on this session
        await c.expectError({ type: 'hello', session: id, handle: 'other_host', name: 'X', key: other.moderator_key }, 'bad_key');
        // this session's key on the other session
        await c.expectError({ type: 'hello', session: other.id, handle: 'host', name: 'X', key: `${key.slice(1)}A` }, 'bad_key');
        // the watcher's handle with the owner key but no token: the handle is taken
        await c.expectError({ type: 'hello', session: id, handle: 'watcher', name: 'X', key }, 'handle_taken');
        await c.ping();
        await g.verify('cross-session keys');
    });

    test('taking a handle without its token, with a wrong token, in another case', async () => {
        const checks = new Checks();
        const bobToken = makeToken();
        const alice = await join(srv, id, 'alice', 'Alice');
        const bob = await join(srv, id, 'bob', 'Bob', { token: bobToken });
        clients.push(alice, bob);
        assert.equal(typeof alice.token, 'string', 'the server issued alice a token');
        assert.ok(alice.token.length >= 22);
        assert.equal(bob.welcome.you.token, undefined, 'a client-made token is not sent back');
        const g = guard();
        await g.mark();
        const c = await Client.connect(srv, 'impostor');
        clients.push(c);
        const hello = (extra) => ({ type: 'hello', session: id, name: 'Alice', ...extra });
        const E = (msg, code) => checks.soft(`${JSON.stringify(msg).slice(0, 120)} -> ${code}`, () => c.expectError(msg, code));
        await E(hello({ handle: 'alice' }), 'handle_taken');
        await E(hello({ handle: 'ALICE' }), 'handle_taken');
        await E(hello({ handle: 'Alice' }), 'handle_taken');
        await E(hello({ handle: 'host' }), 'handle_taken');
        await E(hello({ handle: 'alice', token: makeToken() }), 'bad_token');
        await E(hello({ handle: 'aLiCe', token: makeToken() }), 'bad_token');
        await E(hello({ handle: 'alice', token: bobToken }), 'bad_token');
        await E(hello({ handle: 'alice', token: `${alice.token}x` }), 'bad_token');
        await E(hello({ handle: 'alice', token: alice.token.slice(0, -1) }), 'bad_token');
        await E(hello({ handle: 'bob', token: alice.token }), 'bad_token');
        await E(hello({ handle: 'BOB', token: bobToken.toUpperCase() === bobToken ? bobToken.toLowerCase() : bobToken.toUpperCase() }), 'bad_token');
        await E(hello({ handle: 'bob', token: 'short' }), 'bad_token');
        await c.ping();
        checks.done();
        await g.verify('handle takeover');
        await step('the rightful owners still join, in any case, and the impostor gets a handle of its own', async () => {
            const a2 = await join(srv, id, 'ALICE', 'Alice', { token: alice.token }, 'alice-2');
            clients.push(a2);
            assert.equal(a2.welcome.you.role, 'participant');
            const b2 = await join(srv, id, 'bob', 'Bob', { token: bobToken }, 'bob-2');
            clients.push(b2);
            const w = await c.hello(id, 'impostor', 'Impostor');
            assert.equal(w.you.handle, 'impostor');
        });
    });
});
