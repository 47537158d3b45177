// Hostile clients against the abuse limits and the frame/JSON decoder, with the real limits
// (startServer({limits: true}), no --profile=loadtest): floods of posts, likes and other
// messages (rate_limited with retry_after_ms, nothing beyond the accepted ones in the log, other
// clients unaffected); session creations and connections per address (HTTP 429); binary,
// oversized and invalid UTF-8 frames (close codes); deeply nested JSON, huge numbers, wrong
// types and unknown fields (bad_request, the connection stays open); the Origin check.
//
// The buckets refill on the server's clock, which is the test clock here: it stands still while
// a flood is sent, so exactly the burst is accepted, and moving it refills exactly what the rate
// says.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, http, advance,
    dropAll, step, Client, Checks,
} from './harness.mjs';
import { Q1, Q2, join } from './common.mjs';
import { Guard, AddrClient, upgrade, httpFrom, logSnapshot, burst, makeToken } from './hostile_common.mjs';

const SPEC = {
    hashtag: '#HostileLimits',
    title: 'Hostile limits',
    mode: 'live',
    timezone: 'Europe/London',
    questions: [Q1, Q2],
};
const DEV_ORIGIN = 'http://localhost:5173';

function assertRateLimited(reply, perSecond, what) {
    assert.equal(reply.type, 'error', `${what}: ${JSON.stringify(reply)}`);
    assert.equal(reply.code, 'rate_limited', `${what}: ${JSON.stringify(reply)}`);
    assert.equal(typeof reply.message, 'string');
    assert.ok(Number.isInteger(reply.retry_after_ms) && reply.retry_after_ms > 0 && reply.retry_after_ms <= Math.ceil(1000 / perSecond),
        `${what}: retry_after_ms in (0, ${Math.ceil(1000 / perSecond)}]: ${JSON.stringify(reply)}`);
}

describe('hostile limits and frames', { timeout: 60_000 }, () => {
    let srv;
    let id;
    let key;
    let watcher;
    const clients = [];

    before(async () => {
        srv = await startServer({ limits: true, args: [`--allowed-origins=${DEV_ORIGIN}`] });
        ({ id, moderator_key: key } = await createSession(srv, SPEC));
        watcher = await join(srv, id, 'watcher', 'Watcher');
        clients.push(watcher);
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

    const J = async (handle, extra = {}) => {
        const c = await join(srv, id, handle, handle, extra);
        clients.push(c);
        return c;
    };

    test('a post flood: 10 accepted, then rate_limited; nothing else in the log; others unaffected', async (t) => {
        const token = makeToken();
        const flooder = await J('flooder', { token });
        const side = await J('flooder', { token }); // a second connection of the same participant
        const own = await side.post('my own post');
        const bystander = await J('bystander');
        const before = await logSnapshot(srv, id, key);
        const msgs = [];
        for (let i = 0; i < 20; i++) msgs.push({ type: 'post', cid: `fl-${i}`, text: `flood ${i}` });
        msgs.push({ type: 'edit', seq: own.seq, text: 'edited in the flood' }); // edits share the bucket
        const [{ replies }, byAck, pong] = await Promise.all([
            burst(flooder, msgs, 'fl'),
            bystander.post('I am not flooding'),
            watcher.ping(),
        ]);
        assert.equal(pong.type, 'pong');
        const accepted = [];
        const refused = [];
        for (const [i, r] of replies.entries()) {
            if (r.type === 'ack' || r.type === 'ok') {
                accepted.push(i);
            } else {
                assertRateLimited(r, 1, `flood message ${i}`);
                if (i < 20) assert.equal(r.cid, `fl-${i}`, 'a refused post echoes its cid');
                refused.push(i);
            }
        }
        t.diagnostic(`posts+edit: ${accepted.length} accepted, ${refused.length} rate_limited`);
        assert.deepEqual(accepted, [...Array(10).keys()], 'the first 10 are taken, the rest refused');
        assert.ok(refused.includes(20), 'the edit after the burst is refused too');
        await step('the log holds exactly the accepted posts', async () => {
            const after = await logSnapshot(srv, id, key);
            const added = after.events.slice(before.events.length);
            assert.deepEqual(after.events.slice(0, before.events.length), before.events, 'older events untouched');
            const acks = accepted.filter((i) => i < 20).map((i) => replies[i]);
            const want = new Map(acks.map((a) => [a.seq, `flood ${Number(a.cid.slice(3))}`]));
            want.set(byAck.seq, 'I am not flooding');
            assert.equal(added.filter((e) => e.kind === 'post').length, want.size, `posts added: ${JSON.stringify(added)}`);
            for (const e of added) {
                if (e.kind === 'post') assert.equal(e.text, want.get(e.seq), `post ${e.seq}`);
                else assert.ok(e.kind === 'edit' && accepted.includes(20), `unexpected event ${JSON.stringify(e)}`);
            }
            for (const i of refused) {
                if (i < 20) assert.ok(!added.some((e) => e.text === `flood ${i}`), `refused post ${i} is not in the log`);
            }
            await watcher.waitSeq(after.head);
            assert.equal(watcher.close, undefined);
        });
        await step('a refused cid left no trace: sent again on a fresh connection it is a new post', async () => {
            const i = refused.find((x) => x < 20);
            const head = (await getSession(srv, id)).head;
            const fresh = await J('flooder', { token });
            const ack = await fresh.post(`flood ${i}`, { cid: `fl-${i}` });
            assert.equal(ack.seq, head + 1, 'a new post at head + 1, not an earlier seq');
            const ev = await watcher.waitEvent((e) => e.seq === ack.seq, 'the resent post');
            assert.equal(ev.text, `flood ${i}`);
        });
        await step('after the flood the flooder is still refused at once (no waiting here), others still post', async () => {
            const err = await flooder.expectError({ type: 'post', cid: 'fl-late', text: 'more' }, 'rate_limited');
            assert.equal(err.retry_after_ms, 1000, 'one post a second: the next in a second');
            await bystander.post('still fine');
            await flooder.ping(); // other messages have their own bucket
        });
        await step('a second on the server clock refills one post, exactly', async () => {
            await advance(srv, 1);
            await flooder.post('one more after a second', { cid: 'fl-refill' });
            const err = await flooder.expectError({ type: 'post', cid: 'fl-refill-2', text: 'and another' }, 'rate_limited');
            assert.equal(err.retry_after_ms, 1000);
        });
    });

    test('a like flood: 30 accepted, then rate_limited; only accepted likes in the log', async (t) => {
        // 40 posts to like, from 4 posters (10 each: within each one's burst)
        const posters = [];
        for (let p = 0; p < 4; p++) posters.push(await J(`poster${p}`));
        const seqs = [];
        for (const [p, c] of posters.entries()) {
            const { replies } = await burst(c, Array.from({ length: 10 }, (_, i) => ({ type: 'post', cid: `p${p}-${i}`, text: `likeable ${p}.${i}` })), `pp${p}`);
            for (const r of replies) {
                assert.equal(r.type, 'ack', `posts within the burst are accepted: ${JSON.stringify(r)}`);
                seqs.push(r.seq);
            }
        }
        const liker = await J('liker');
        const bystander = await J('like_bystander');
        const before = await logSnapshot(srv, id, key);
        const msgs = seqs.map((seq) => ({ type: 'like', seq }));
        msgs.push({ type: 'unlike', seq: seqs[0] }); // unlikes share the bucket
        const [{ replies }, bystanderOk] = await Promise.all([
            burst(liker, msgs, 'lk'),
            bystander.ok({ type: 'like', seq: seqs[39] }),
        ]);
        const accepted = [];
        const refused = [];
        for (const [i, r] of replies.entries()) {
            if (r.type === 'ok') accepted.push(i);
            else {
                assertRateLimited(r, 5, `like ${i}`);
                refused.push(i);
            }
        }
        t.diagnostic(`likes+unlike: ${accepted.length} accepted, ${refused.length} rate_limited`);
        assert.deepEqual(accepted, [...Array(30).keys()], 'the first 30 are taken, the rest refused');
        await step('the log holds exactly the accepted likes', async () => {
            const after = await logSnapshot(srv, id, key);
            const added = after.events.slice(before.events.length);
            const mine = added.filter((e) => e.author === 'liker');
            const wantTargets = accepted.map((i) => [msgs[i].type, msgs[i].seq]).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
            const gotTargets = mine.map((e) => [e.kind, e.target]).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
            assert.deepEqual(gotTargets, wantTargets, 'like events are exactly the accepted likes');
            const others = added.filter((e) => e.author !== 'liker');
            assert.deepEqual(others.map((e) => [e.kind, e.author, e.target, e.seq]), [['like', 'like_bystander', seqs[39], bystanderOk.seq]]);
            await watcher.waitSeq(after.head);
            await watcher.ping();
        });
        await step('refused likes left no state: the post refused for liker is still likeable by a fresh connection', async () => {
            const i = refused.find((x) => x < 40);
            const token = liker.token;
            const fresh = await J('liker', { token });
            const ok = await fresh.ok({ type: 'like', seq: msgs[i].seq });
            const ev = await watcher.waitEvent((e) => e.seq === ok.seq, 'the like');
            assert.deepEqual([ev.kind, ev.target, ev.count], ['like', msgs[i].seq, i === 39 ? 2 : 1]);
        });
    });

    test('a flood of other messages: 60 answered, then rate_limited', async (t) => {
        const c = await Client.connect(srv, 'pinger'); // not joined: hello would cost a token
        clients.push(c);
        const { replies } = await burst(c, Array.from({ length: 80 }, () => ({ type: 'ping' })), 'pg');
        let pongs = 0;
        for (const [i, r] of replies.entries()) {
            if (r.type === 'pong') pongs += 1;
            else assertRateLimited(r, 20, `ping ${i}`);
        }
        t.diagnostic(`pings: ${pongs} answered, ${80 - pongs} rate_limited`);
        assert.equal(pongs, 60, 'the burst of 60 is answered, the rest refused');
        assert.deepEqual(replies.slice(0, 60).map((r) => r.type), Array(60).fill('pong'), 'the first 60');
        await watcher.ping();
    });

    /** A joined connection sends `data`; the server must close it with `code`; nothing else changes. */
    async function expectClose(handle, data, opts, code) {
        const g = new Guard({ srv, session: id, key, watcher });
        await g.mark();
        const c = await J(handle);
        c.sendRaw(data, opts);
        const close = await c.waitClose();
        assert.equal(close.code, code, `${handle}: close ${JSON.stringify(close)}; frames ${c.tail()}`);
        await g.verify(handle);
    }

    test('a binary frame closes with 1003', async () => {
        await expectClose('bin', Buffer.from(JSON.stringify({ type: 'post', cid: 'bin-1', text: 'binary' })), { binary: true }, 1003);
    });

    test('a frame over 64 KiB closes with 1009', async () => {
        const prefix = '{"type":"post","cid":"big-1","text":"';
        const text = `${prefix}${'x'.repeat(64 * 1024 + 1 - prefix.length - 2)}"}`;
        assert.equal(Buffer.byteLength(text), 64 * 1024 + 1);
        await expectClose('big', text, { binary: false }, 1009);
    });

    test('a text frame with invalid UTF-8 closes with 1007', async () => {
        const bad = Buffer.concat([Buffer.from('{"type":"post","cid":"u8-1","text":"'), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from('"}')]);
        await expectClose('badutf8', bad, { binary: false }, 1007);
    });

    test('a fragmented message over 64 KiB in total closes with 1009', async () => {
        const g = new Guard({ srv, session: id, key, watcher });
        await g.mark();
        const c = await J('fragments');
        const piece = 'x'.repeat(30 * 1024);
        c.ws.send(`{"type":"post","cid":"frag-1","text":"${piece}`, { binary: false, fin: false });
        c.ws.send(piece, { fin: false });
        c.ws.send(`${piece}"}`, { fin: true });
        const close = await c.waitClose();
        assert.equal(close.code, 1009, `fragmented oversize: ${JSON.stringify(close)}`);
        await g.verify('fragmented oversize');
    });

    test('a fragmented message within the limit is one message; invalid UTF-8 split across fragments closes with 1007', async () => {
        const g = new Guard({ srv, session: id, key, watcher });
        await g.mark();
        const c = await J('fragments_ok');
        const from = c.messages.length;
        c.ws.send('{"type":"ping",', { binary: false, fin: false });
        c.ws.send('"rid":"frag-ping"}', { fin: true });
        await c.waitMessage((m) => m.type === 'pong' && m.rid === 'frag-ping', 'pong to a fragmented ping', from);
        const c2 = await J('fragments_utf8');
        // a 4-byte sequence cut after its first byte, then a byte that cannot continue it
        c2.ws.send(Buffer.concat([Buffer.from('{"type":"ping","rid":"'), Buffer.from([0xf0])]), { binary: false, fin: false });
        c2.ws.send(Buffer.concat([Buffer.from([0x28]), Buffer.from('"}')]), { fin: true });
        const close = await c2.waitClose();
        assert.equal(close.code, 1007, `split invalid UTF-8: ${JSON.stringify(close)}`);
        await c.ping();
        await g.verify('fragments');
    });

    /** Posts each text; each must be refused with bad_request (cid echoed); nothing changes. */
    async function refuseTexts(handle, texts, what) {
        const checks = new Checks();
        const g = new Guard({ srv, session: id, key, watcher });
        await g.mark();
        const c = await J(handle);
        for (const [i, text] of texts.entries()) {
            await checks.soft(`post ${JSON.stringify(text)}`, async () => {
                const r = await c.request({ type: 'post', cid: `${handle}-${i}`, text });
                assert.equal(r.type, 'error', `a post with a control character is refused: ${JSON.stringify(r)}`);
                assert.equal(r.code, 'bad_request', JSON.stringify(r));
                assert.equal(r.cid, `${handle}-${i}`);
            });
        }
        await c.ping();
        checks.done();
        await g.verify(what);
        return c;
    }

    test('C0 control characters and DEL in a post are refused; tab and line breaks are not', async () => {
        const c = await refuseTexts('ctrl_c0', ['nul\u0000byte', 'esc \u001b[31mred\u001b[0m', 'bell\u0007', 'del\u007f', 'bs\u0008\u0008'], 'C0 controls');
        const ack = await c.post('tab\there\nnew line\r\nand more');
        const ev = await watcher.waitEvent((e) => e.seq === ack.seq, 'post with tab and newlines');
        assert.equal(ev.text, 'tab\there\nnew line\r\nand more');
    });

    test('C1 control characters (U+0080-U+009F, e.g. U+009B CSI) in a post are refused', async () => {
        // docs/protocol.md: post text "without control characters other than tab and line breaks";
        // U+0085 (NEL) counts as a line break and is left out here
        await refuseTexts('ctrl_c1', ['csi\u009b2J', 'pad\u0080x', 'osc\u009d0;title\u009c'], 'C1 controls');
    });

    test('deep nesting, huge numbers, wrong types, unknown fields: bad_request, the connection stays open', async () => {
        const checks = new Checks();
        const g = new Guard({ srv, session: id, key, watcher });
        const target = (await (await J('target_author')).post('a target post')).seq;
        await g.mark();
        const mod = await J('limits_mod', { key });
        let c;
        let used = 9;
        let n = 0;
        // a fresh connection every 8 messages, so no bucket is ever reached here
        const conn = async () => {
            if (used >= 8) {
                n += 1;
                c = await J(`hostile${n}`);
                used = 0;
            }
            used += 1;
            return c;
        };
        const raw = (who, text, what) => checks.soft(`${what}: ${text.slice(0, 100)}`, async () => {
            const cl = who ?? (await conn());
            const rid = `raw${Math.random().toString(36).slice(2, 10)}`;
            const from = cl.messages.length;
            cl.sendRaw(text.replace('"RID"', `"${rid}"`), { binary: false });
            const reply = await cl.waitMessage((m) => m.rid === rid || (m.type === 'error' && m.rid === undefined), `reply to ${what}`, from);
            assert.equal(reply.type, 'error', `${what}: ${JSON.stringify(reply)}`);
            assert.equal(reply.code, 'bad_request', `${what}: ${JSON.stringify(reply)}`);
            assert.equal(typeof reply.message, 'string');
            assert.equal(cl.close, undefined, `${what}: the connection stays open`);
        });
        const obj = (who, o, what) => raw(who, JSON.stringify({ ...o, rid: 'RID' }), what ?? JSON.stringify(o).slice(0, 80));

        await step('deep nesting', async () => {
            let deep = '1';
            for (let i = 0; i < 9; i++) deep = `{"a":${deep}}`;
            await raw(null, `{"type":"ping","rid":"RID","x":${deep}}`, '9 levels in an unknown field');
            await raw(null, `{"type":"post","rid":"RID","cid":"n-1","text":${'['.repeat(20)}"x"${']'.repeat(20)}}`, 'nested text');
            await raw(null, `{"type":"like","rid":"RID","seq":${'['.repeat(9)}1${']'.repeat(9)}}`, 'nested seq');
            await raw(null, '['.repeat(60000), '60000 open brackets');
            await raw(null, '{"a":'.repeat(10000) + '1' + '}'.repeat(10000), '10000 nested objects');
            await raw(null, `{"type":"hello","rid":"RID","session":"${id}","handle":"deep","name":"Deep","token":${'{"t":'.repeat(100)}1${'}'.repeat(100)}}`, 'nested token');
        });
        await step('huge and non-integer numbers', async () => {
            for (const num of ['1e400', '-1e400', '123456789012345678901234567890', '9007199254740992', '18446744073709551615',
                '18446744073709551616', '9223372036854775808', '-9223372036854775809', '1.5', '-1', '1e2', '0.0000001']) {
                await raw(null, `{"type":"like","rid":"RID","seq":${num}}`, `like seq ${num}`);
            }
            for (const num of ['1e400', '18446744073709551615', '9007199254740992', '-1']) {
                await raw(null, `{"type":"post","rid":"RID","cid":"num-1","text":"A1: x","round":${num}}`, `post round ${num}`);
                await raw(null, `{"type":"post","rid":"RID","cid":"num-2","text":"x","reply_to":${num}}`, `post reply_to ${num}`);
                await raw(null, `{"type":"delete","rid":"RID","seq":${num}}`, `delete seq ${num}`);
            }
            const h = await Client.connect(srv, 'since-huge');
            clients.push(h);
            for (const num of ['1e400', '18446744073709551615', '9007199254740992', '-1', '4.2']) {
                await raw(h, `{"type":"hello","rid":"RID","session":"${id}","handle":"since_huge","name":"S","since":${num}}`, `hello since ${num}`);
            }
            for (const num of ['1e400', '18446744073709551615', '0', '121', '-3', '2.5']) {
                await raw(mod, `{"type":"control","rid":"RID","action":"extend","minutes":${num}}`, `extend minutes ${num}`);
            }
            for (const num of ['1e400', '18446744073709551616', '-1', '1.5']) {
                await raw(mod, `{"type":"moderate","rid":"RID","action":"approve","pending":${num}}`, `approve pending ${num}`);
                await raw(mod, `{"type":"moderate","rid":"RID","action":"hide","seq":${num}}`, `hide seq ${num}`);
            }
        });
        await step('wrong types', async () => {
            for (const text of [{}, [], true, 5, null]) await obj(null, { type: 'post', cid: 'wt-1', text });
            for (const cid of [12, true, ['a'], { a: 1 }]) await obj(null, { type: 'post', cid, text: 'x' });
            for (const seq of [[target], { $gt: 0 }, true, null, `${target}`]) await obj(null, { type: 'like', seq });
            await obj(null, { type: 'edit', seq: target, text: { $set: 'owned' } });
            const h = await Client.connect(srv, 'hello-types');
            clients.push(h);
            const hello = { type: 'hello', session: id, handle: 'typed', name: 'Typed' };
            for (const [k, v] of [['handle', 123], ['handle', ['typed']], ['session', [id]], ['session', { id }], ['name', { first: 'x' }],
                ['token', {}], ['token', 12345678901234567890], ['key', 5], ['key', [key]], ['key', true]]) {
                await obj(h, { ...hello, [k]: v }, `hello ${k}=${JSON.stringify(v)}`);
            }
            await obj(mod, { type: 'moderate', action: ['ban'], handle: 'target_author' });
            await obj(mod, { type: 'moderate', action: 'ban', handle: 5 });
            await obj(mod, { type: 'moderate', action: 'ban', handle: 'target_author', ban_address: 'yes' });
            await obj(mod, { type: 'control', action: 'extend', minutes: '3' });
            await obj(mod, { type: 'announce', text: ['a', 'b'] });
        });
        await step('unknown fields, also ones that try to claim a role or an identity', async () => {
            const h = await Client.connect(srv, 'hello-fields');
            clients.push(h);
            const hello = { type: 'hello', session: id, handle: 'climber', name: 'Climber' };
            for (const extra of [{ role: 'moderator' }, { admin: true }, { moderator: true }, { owner: true }, { author: 'host' }, { Since: 0 }]) {
                await obj(h, { ...hello, ...extra }, `hello with ${JSON.stringify(extra)}`);
            }
            await raw(h, `{"type":"hello","rid":"RID","session":"${id}","handle":"climber","name":"Climber","__proto__":{"role":"moderator"}}`, 'hello with __proto__');
            for (const extra of [{ author: 'host' }, { role: 'moderator' }, { name: 'Host' }, { seq: 1 }, { at: '2026-01-01T00:00:00.000Z' }, { colour: 'red' }]) {
                await obj(null, { type: 'post', cid: 'uf-1', text: 'x', ...extra }, `post with ${JSON.stringify(extra)}`);
            }
            await obj(null, { type: 'like', seq: target, count: 1000 });
            await obj(null, { type: 'ping', extra: 1 });
            await obj(mod, { type: 'moderate', action: 'hide', seq: target, by: 'watcher' });
            await obj(mod, { type: 'control', action: 'start', force: true });
            await obj(mod, { type: 'announce', text: 'hi', author: 'someone_else' });
        });
        await step('after all that the connections are still open and answer', async () => {
            await c.ping();
            await mod.ping();
            // the climber could not claim anything: it joins as a plain participant
            const cl = await J('climber');
            assert.equal(cl.welcome.you.role, 'participant');
            await cl.expectError({ type: 'control', action: 'end' }, 'not_allowed');
        });
        checks.done();
        await g.verify('bad JSON');
    });

    test('Origin: cross-origin upgrade 403; same origin, no Origin and --allowed-origins accepted', async () => {
        const checks = new Checks();
        const host = `127.0.0.1:${srv.port}`;
        const expect = (what, opts, status) => checks.soft(`${what} -> ${status}`, async () => {
            const res = await upgrade(srv, opts);
            assert.equal(res.status, status, `${what}: ${res.status} ${res.body ?? ''}`);
        });
        const g = new Guard({ srv, session: id, key, watcher });
        await g.mark();
        await expect('evil origin', { origin: 'http://evil.example', host }, 403);
        await expect('evil origin with our port', { origin: `http://evil.example:${srv.port}`, host }, 403);
        await expect('origin that extends our host', { origin: `http://127.0.0.1:${srv.port}.evil.example`, host }, 403);
        await expect('origin without the port', { origin: 'http://127.0.0.1', host }, 403);
        await expect('opaque origin', { origin: 'null', host }, 403);
        await expect('a dev origin not listed', { origin: 'http://localhost:5174', host }, 403);
        await expect('same origin', { origin: `http://${host}`, host }, 101);
        await expect('no Origin', { host }, 101);
        await expect('listed dev origin', { origin: DEV_ORIGIN, host }, 101);
        checks.done();
        await step('a cross-origin page cannot talk to the server through ws either', async () => {
            const res = await upgrade(srv, { origin: 'http://evil.example', host });
            assert.equal(res.status, 403);
            const h = await http(srv, 'GET', '/healthz');
            assert.equal(h.status, 200);
        });
        await g.verify('Origin');
    });
});

describe('per-address caps', { timeout: 60_000 }, () => {
    let srv;
    const clients = [];

    before(async () => {
        srv = await startServer({ limits: true, args: ['--max-connections-per-address=4'] });
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

    test('sessions created per address: the 31st in an hour is 429 with Retry-After; other addresses and the next hour may', async () => {
        const spec = { ...SPEC, hashtag: '#Many' };
        await step('30 sessions from one address', async () => {
            for (let i = 0; i < 30; i++) {
                const res = await http(srv, 'POST', '/api/sessions', spec);
                assert.equal(res.status, 201, `session ${i + 1}: ${res.status} ${res.text}`);
            }
        });
        const refuse = async (what, wantAfter) => {
            const res = await http(srv, 'POST', '/api/sessions', spec);
            assert.equal(res.status, 429, `${what}: ${res.status} ${res.text}`);
            assert.equal(res.json?.error, 'rate_limited', res.text);
            assert.equal(typeof res.json?.message, 'string');
            const ra = res.headers.get('retry-after');
            assert.match(ra ?? '', /^\d+$/, `${what}: Retry-After in seconds: ${ra}`);
            assert.ok(Number(ra) > 0 && Number(ra) <= wantAfter, `${what}: Retry-After ${ra} in (0, ${wantAfter}]`);
            return Number(ra);
        };
        await step('the 31st is refused', async () => {
            assert.equal(await refuse('31st', 3600), 3600, 'the clock stands still: an hour to wait');
            await refuse('32nd', 3600);
            // without --trust-proxy a forwarded address is not believed
            const spoof = await http(srv, 'POST', '/api/sessions', spec, { 'x-forwarded-for': '198.51.100.7' });
            assert.equal(spoof.status, 429, `X-Forwarded-For must not reset the cap: ${spoof.status} ${spoof.text}`);
            const list = await http(srv, 'GET', '/api/sessions');
            assert.equal(list.json.sessions.length, 30, 'no session was made by the refused requests');
        });
        await step('another address still may', async () => {
            const res = await httpFrom(srv, '127.0.0.2', 'POST', '/api/sessions', spec);
            assert.equal(res.status, 201, `${res.status} ${res.text}`);
        });
        await step('a second before the hour is up it is still refused', async () => {
            await advance(srv, 3599);
            assert.equal(await refuse('after 3599 s', 1), 1);
        });
        await step('an hour later it reopens', async () => {
            await advance(srv, 1);
            const res = await http(srv, 'POST', '/api/sessions', spec);
            assert.equal(res.status, 201, `${res.status} ${res.text}`);
            const list = await http(srv, 'GET', '/api/sessions');
            assert.equal(list.json.sessions.length, 32);
        });
    });

    test('WebSocket connections per address: past the cap the upgrade is 429; others and freed slots may', async () => {
        const created = await createSession(srv, { ...SPEC, hashtag: '#Crowd' });
        const conns = [];
        for (let i = 0; i < 4; i++) {
            const c = await join(srv, created.id, `crowd${i}`, `Crowd ${i}`);
            conns.push(c);
            clients.push(c);
        }
        const res = await upgrade(srv, {});
        assert.equal(res.status, 429, `the 5th connection from one address: ${res.status} ${res.body ?? ''}`);
        const spoofed = await upgrade(srv, { extraHeaders: { 'X-Forwarded-For': '198.51.100.7' } });
        assert.equal(spoofed.status, 429, 'X-Forwarded-For is not believed without --trust-proxy');
        const other = await AddrClient.connectFrom(srv, 'other-net', '127.0.0.2');
        clients.push(other);
        await other.hello(created.id, 'other_net', 'Other');
        await step('the connected ones keep working', async () => {
            const ack = await conns[0].post('still here');
            for (const c of [...conns, other]) await c.waitSeq(ack.seq);
        });
        await step('a freed slot can be taken again', async () => {
            await conns[3].closeNormally();
            // the server frees the slot when it has seen the close; each try is a real request
            let status;
            for (let i = 0; i < 200 && status !== 101; i++) status = (await upgrade(srv, {})).status;
            assert.equal(status, 101, 'after a close a new connection is accepted');
        });
    });
});
