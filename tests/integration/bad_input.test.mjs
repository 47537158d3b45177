// Bad input over WebSocket and HTTP: documented error codes, the connection stays open, the log
// is untouched and other members see nothing; then the close codes for broken frames.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    startServer, stopServer, killServer, removeDataDir, createSession, getSession, http,
    dropAll, step, Client, Checks,
} from './harness.mjs';
import { Q1, Q2, expectPostEvent, join } from './common.mjs';

const SPEC = {
    hashtag: '#BadInput',
    title: 'Bad input',
    mode: 'live',
    timezone: 'Europe/London',
    start: '2026-11-26T19:00:00',
    questions: [Q1, Q2],
};

/** Soft checks: every refusal is checked and reported, not only the first that disagrees. */
function softly() {
    const checks = new Checks();
    const E = (cl, msg, code) =>
        checks.soft(`${cl.label}: ${JSON.stringify(msg).slice(0, 120)} -> ${code}`, () => cl.expectError(msg, code));
    const R = (cl, raw, code) =>
        checks.soft(`${cl.label}: raw ${JSON.stringify(String(raw).slice(0, 60))} -> ${code}`, () => cl.rawExpectError(raw, code));
    return { checks, E, R };
}

function nested(depth, inner = '1') {
    let s = inner;
    for (let i = 0; i < depth; i++) s = `{"a":${s}}`;
    return s;
}

describe('bad input', { timeout: 120_000 }, () => {
    let srv;
    let id;
    let key;
    let watcher;
    const clients = [];
    let watcherFrames = 0;

    before(async () => {
        srv = await startServer({ clock: '2026-11-26T18:55:00Z' });
        ({ id, moderator_key: key } = await createSession(srv, SPEC));
        watcher = await join(srv, id, 'watcher', 'Watcher');
        clients.push(watcher);
        await watcher.ping();
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

    /** Asserts the head is `head` and that the watcher saw no event and no error meanwhile. */
    async function assertUntouched(head, what) {
        await watcher.ping();
        assert.equal((await getSession(srv, id)).head, head, `${what}: head unchanged`);
        const extra = watcher.messages.slice(watcherFrames).filter((m) => !['pong', 'presence'].includes(m.type));
        assert.deepEqual(extra, [], `${what}: the watcher saw nothing but pong/presence`);
    }

    test('before hello', async () => {
        const { checks, E } = softly();
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        const c = await Client.connect(srv, 'anon');
        clients.push(c);
        await c.ping();
        await E(c, { type: 'post', cid: 'x1', text: 'hi' }, 'not_joined');
        await E(c, { type: 'like', seq: 1 }, 'not_joined');
        await E(c, { type: 'control', action: 'start' }, 'not_joined');
        await E(c, { type: 'announce', text: 'hi' }, 'not_joined');
        await c.ping();
        await assertUntouched(head, 'before hello');
        checks.done();
    });

    test('malformed frames and unknown types', async () => {
        const { checks, E, R } = softly();
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        const c = await join(srv, id, 'mallory', 'Mallory');
        clients.push(c);
        await step('not JSON / not an object', async () => {
            for (const raw of ['{"type":', 'hello', '', '{"type":"ping"} trailing', '[1,2]', '"ping"', '42', 'null', 'true', '{"type":"ping",}']) {
                await R(c, raw, 'bad_request');
                await c.ping();
            }
        });
        await step('missing and mistyped type', async () => {
            await R(c, '{}', 'bad_request');
            await R(c, '{"rid":"only-rid"}', 'bad_request');
            await E(c, { type: 5 }, 'bad_request');
            await E(c, { type: null }, 'bad_request');
            await E(c, { type: ['post'] }, 'bad_request');
        });
        await step('unknown type echoes rid', async () => {
            const err = await E(c, { type: 'frobnicate', rid: 'u-1' }, 'unknown_type');
            if (err) await checks.soft('unknown_type echoes rid', () => assert.equal(err.rid, 'u-1'));
            await E(c, { type: 'Post', cid: 'x', text: 'hi' }, 'unknown_type');
        });
        await step('bad rid', async () => {
            await R(c, JSON.stringify({ type: 'ping', rid: 5 }), 'bad_request');
            await R(c, JSON.stringify({ type: 'ping', rid: '' }), 'bad_request');
            await R(c, JSON.stringify({ type: 'ping', rid: 'r'.repeat(65) }), 'bad_request');
            const pong = await c.expectReply({ type: 'ping', rid: 'r'.repeat(64) }, 'pong');
            assert.equal(pong.rid, 'r'.repeat(64));
        });
        await step('nesting deeper than 8 levels', async () => {
            await R(c, `{"type":"ping","x":${nested(8)}}`, 'bad_request');
            await R(c, nested(2000), 'bad_request');
            await R(c, '['.repeat(5000) + ']'.repeat(5000), 'bad_request');
            await R(c, '['.repeat(30000), 'bad_request');
            await c.ping();
        });
        await assertUntouched(head, 'malformed frames');
        checks.done();
    });

    test('hello errors', async () => {
        const { checks, E } = softly();
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        let c = await Client.connect(srv, 'hello-errors');
        clients.push(c);
        const hello = (extra) => ({ type: 'hello', session: id, handle: 'newbie', name: 'Newbie', ...extra });
        for (const handle of ['', 'a b', 'x'.repeat(21), 'héllo', 'semi;colon', 'dash-ed', '@at', 'tab\t']) {
            await E(c, hello({ handle }), 'bad_handle');
        }
        await c.hello(id, 'x'.repeat(20), 'Twenty'); // 20 characters is the limit, not over it
        await c.closeNormally();
        c = await Client.connect(srv, 'hello-errors-2');
        clients.push(c);
        await E(c, hello({ name: '' }), 'bad_request');
        await E(c, hello({ name: '\u{1F600}'.repeat(51) }), 'bad_request');
        await E(c, hello({ name: 7 }), 'bad_request');
        await E(c, { type: 'hello', session: id, handle: 'newbie' }, 'bad_request');
        await E(c, { type: 'hello', handle: 'newbie', name: 'Newbie' }, 'bad_request');
        await E(c, hello({ session: 'no-such-session' }), 'not_found');
        await E(c, hello({ since: -1 }), 'bad_request');
        await E(c, hello({ since: '0' }), 'bad_request');
        await E(c, hello({ since: 1.5 }), 'bad_request');
        await E(c, hello({ since: head + 1 }), 'bad_since');
        await E(c, hello({ sinse: 0 }), 'bad_request');
        await E(c, hello({ key: 'not-the-key' }), 'bad_key');
        await E(c, hello({ handle: 'watcher' }), 'handle_taken');
        await E(c, hello({ handle: 'WATCHER' }), 'handle_taken');
        await E(c, hello({ handle: 'watcher', token: 'nope' }), 'bad_token');
        await E(c, hello({ token: 5 }), 'bad_request');
        // a 50-code-point name (200 bytes) is fine; the connection is still usable after all that
        const w = await c.hello(id, 'newbie', '\u{1F600}'.repeat(50));
        assert.equal(w.you.name, '\u{1F600}'.repeat(50));
        await E(c, hello({}), 'bad_request'); // already joined
        await c.ping();
        await assertUntouched(head, 'hello errors');
        checks.done();
    });

    test('post, like, edit, delete, control with bad fields', async () => {
        const { checks, E } = softly();
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        const c = await join(srv, id, 'trudy', 'Trudy');
        clients.push(c);
        const post = (extra) => ({ type: 'post', cid: 'ok-cid', text: 'hello', ...extra });
        await step('post', async () => {
            await E(c, { type: 'post', text: 'no cid' }, 'bad_request');
            for (const cid of ['', 'a b', 'x'.repeat(65), 'sl/ash', 'é', 5, null]) {
                await E(c, post({ cid }), 'bad_request');
            }
            await E(c, { type: 'post', cid: 'no-text' }, 'bad_request');
            await E(c, post({ text: 5 }), 'bad_request');
            await E(c, post({ text: null }), 'bad_request');
            await E(c, post({ text: ['a'] }), 'bad_request');
            for (const round of [-1, '1', 1.5, 2 ** 53, 1e300, true]) {
                await E(c, post({ round }), 'bad_request');
            }
            for (const replyTo of [-5, '3', 2.5, 1e300, true]) {
                await E(c, post({ reply_to: replyTo }), 'bad_request');
            }
            await E(c, post({ reply_to: 999999 }), 'not_found');
            await E(c, post({ txt: 'typo' }), 'bad_request');
            await E(c, post({ extra: 1 }), 'bad_request');
            let e = await E(c, post({ cid: 'empty-1', text: '' }), 'empty');
            if (e) await checks.soft('empty echoes cid', () => assert.equal(e.cid, 'empty-1', 'a refused post echoes its cid'));
            await E(c, post({ text: '   \n\t  ' }), 'empty');
            e = await E(c, post({ cid: 'long-1', text: '\u{1F600}'.repeat(1001) }), 'too_long');
            if (e) await checks.soft('too_long echoes cid', () => assert.equal(e.cid, 'long-1'));
            await E(c, post({ text: 'x'.repeat(1001) }), 'too_long');
            await c.ping();
            // Unicode white space (ideographic space, no-break space) is white space too
            await E(c, post({ text: '\u3000\u00a0 ' }), 'empty');
        });
        await step('like / unlike / edit / delete', async () => {
            for (const t of ['like', 'unlike', 'delete']) {
                await E(c, { type: t }, 'bad_request');
                await E(c, { type: t, seq: '1' }, 'bad_request');
                await E(c, { type: t, seq: -1 }, 'bad_request');
                await E(c, { type: t, seq: 1.5 }, 'bad_request');
                await E(c, { type: t, seq: 999999 }, 'not_found');
                await E(c, { type: t, seq: 999999, extra: true }, 'bad_request');
            }
            await E(c, { type: 'edit', seq: 999999 }, 'bad_request');
            await E(c, { type: 'edit', text: 'x' }, 'bad_request');
            await E(c, { type: 'edit', seq: 999999, text: 'x' }, 'not_found');
        });
        await step('control / announce / moderate', async () => {
            await E(c, { type: 'control', action: 'start' }, 'not_allowed');
            await E(c, { type: 'announce', text: 'hi' }, 'not_allowed');
            const mod = await join(srv, id, 'host', 'Host', { key });
            clients.push(mod);
            await E(mod, { type: 'control' }, 'bad_request');
            await E(mod, { type: 'control', action: 5 }, 'bad_request');
            await E(mod, { type: 'control', action: 'start', minutes: 'x' }, 'bad_request');
            await E(mod, { type: 'control', action: 'extend', minutes: 1e9 }, 'bad_request');
            await E(mod, { type: 'control', action: 'start', typo: 1 }, 'bad_request');
            await E(mod, { type: 'announce', text: '' }, 'empty');
            await E(mod, { type: 'announce', text: '  ' }, 'empty');
            await E(mod, { type: 'announce', text: 'x'.repeat(1001) }, 'too_long');
            await E(mod, { type: 'moderate', action: 'hide', seq: 999 }, 'not_found');
            await E(mod, { type: 'moderate', action: 'hide' }, 'bad_request');
            await E(mod, { type: 'moderate', action: 'mute', handle: 'nobody_here' }, 'not_found');
            await mod.ping();
        });
        await c.ping();
        await assertUntouched(head, 'bad fields');
        checks.done();
    });

    test('text limits count code points, not bytes or UTF-16 units', async () => {
        const { checks, E } = softly();
        const head = (await getSession(srv, id)).head;
        const c = await join(srv, id, 'emoji', 'Emoji');
        clients.push(c);
        const text = '\u{1F600}'.repeat(1000); // 1000 code points, 2000 UTF-16 units, 4000 bytes
        const ack = await c.post(text);
        assert.equal(ack.seq, head + 1);
        const ev = await expectPostEvent(watcher, ack.seq, { author: 'emoji', name: 'Emoji', text, round: null });
        assert.equal([...ev.text].length, 1000);
        const ack2 = await c.post('x'.repeat(1000));
        assert.equal(ack2.seq, head + 2);
        await E(c, { type: 'edit', seq: ack.seq, text: '\u{1F600}'.repeat(1001) }, 'too_long');
        await E(c, { type: 'edit', seq: ack.seq, text: ' ' }, 'empty');
        const ed = await c.ok({ type: 'edit', seq: ack.seq, text: '\u{1F44D}'.repeat(1000) });
        assert.equal(ed.seq, head + 3);
        await watcher.waitSeq(head + 3);
        assert.equal((await getSession(srv, id)).head, head + 3);
        watcherFrames = watcher.messages.length;
        checks.done();
    });

    /** Opens a joined connection, sends `data`, expects the server to close with `code`. */
    async function expectCloseCode(handle, data, opts, code) {
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        const c = await join(srv, id, handle, handle);
        clients.push(c);
        c.sendRaw(data, opts);
        const close = await c.waitClose();
        assert.equal(close.code, code, `close code for ${handle}: ${JSON.stringify(close)}; frames: ${c.tail()}`);
        await assertUntouched(head, handle);
        // the server is still fine
        const again = await Client.connect(srv, `${handle}-after`);
        clients.push(again);
        await again.ping();
        again.terminate();
    }

    test('invalid UTF-8 in a text frame closes with 1007', async () => {
        const bad = Buffer.concat([Buffer.from('{"type":"post","cid":"u8","text":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
        await expectCloseCode('utf8', bad, { binary: false }, 1007);
    });

    test('an overlong UTF-8 encoding and a lone surrogate close with 1007', async () => {
        // 0xC0 0xAF is an overlong '/', 0xED 0xA0 0x80 a UTF-16 surrogate: both invalid UTF-8
        const overlong = Buffer.concat([Buffer.from('{"type":"ping","rid":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
        await expectCloseCode('overlong', overlong, { binary: false }, 1007);
        const surrogate = Buffer.concat([Buffer.from('{"type":"ping","rid":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
        await expectCloseCode('surrogate', surrogate, { binary: false }, 1007);
    });

    test('a binary frame closes with 1003', async () => {
        await expectCloseCode('binary', Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true }, 1003);
    });

    test('a frame over 64 KiB closes with 1009', async () => {
        const text = JSON.stringify({ type: 'post', cid: 'big', text: 'x'.repeat(70 * 1024) });
        await expectCloseCode('bigframe', text, { binary: false }, 1009);
    });

    test('a frame of exactly 64 KiB is read (and refused as a bad message)', async () => {
        const { checks, R } = softly();
        const head = (await getSession(srv, id)).head;
        watcherFrames = watcher.messages.length;
        const c = await join(srv, id, 'edge64', 'Edge');
        clients.push(c);
        const prefix = '{"type":"ping","rid":"e","pad":"';
        const suffix = '"}';
        const frame = prefix + 'p'.repeat(64 * 1024 - prefix.length - suffix.length) + suffix;
        assert.equal(Buffer.byteLength(frame), 64 * 1024);
        await R(c, frame, 'bad_request');
        await c.ping();
        assert.equal(c.close, undefined);
        await assertUntouched(head, '64 KiB frame');
        checks.done();
    });

    test('HTTP: bad session creation is 400 with {error,message}; unknown session is 404', async () => {
        const bad = async (body, status = 400, what = '') => {
            const res = await http(srv, 'POST', '/api/sessions', body);
            assert.equal(res.status, status, `${what}: status ${res.status} ${res.text}`);
            assert.equal(typeof res.json?.error, 'string', `${what}: {error} in ${res.text}`);
            assert.ok(res.json.error.length > 0);
            assert.equal(typeof res.json?.message, 'string', `${what}: {message} in ${res.text}`);
            return res.json;
        };
        const before = (await http(srv, 'GET', '/api/sessions')).json.sessions.length;
        await bad('{"hashtag":', 400, 'bad JSON');
        await bad('[1,2,3]', 400, 'not an object');
        await bad('', 400, 'empty body');
        await bad({ ...SPEC, timezone: 'Mars/Olympus_Mons' }, 400, 'unknown timezone');
        await bad({ ...SPEC, questions: [] }, 400, 'no questions');
        const { questions, ...noQuestions } = SPEC;
        assert.ok(questions);
        await bad(noQuestions, 400, 'missing questions');
        await bad({ ...SPEC, questions: [''] }, 400, 'empty question');
        await bad({ ...SPEC, questions: Array.from({ length: 101 }, (_, i) => `Q${i}`) }, 400, '101 questions');
        await bad({ ...SPEC, round_minutes: 0 }, 400, 'round 0');
        await bad({ ...SPEC, round_minutes: 241 }, 400, 'round 241');
        await bad({ ...SPEC, intro_minutes: 61 }, 400, 'intro 61');
        await bad({ ...SPEC, wrapup_minutes: -1 }, 400, 'wrap-up -1');
        await bad({ ...SPEC, round_minutes: 2.5 }, 400, 'fractional minutes');
        await bad({ ...SPEC, start: '2026-13-45T25:00:00' }, 400, 'bad start');
        await bad({ ...SPEC, mode: 'turbo' }, 400, 'bad mode');
        await bad({ ...SPEC, hashtag: 5 }, 400, 'mistyped hashtag');
        await bad(JSON.stringify({ ...SPEC, description: 'x'.repeat(300 * 1024) }), 413, 'body over 256 KiB');
        const after = (await http(srv, 'GET', '/api/sessions')).json.sessions.length;
        assert.equal(after, before, 'no session was created by bad requests');

        const res = await http(srv, 'GET', '/api/sessions/no-such-session-2026-01-01');
        assert.equal(res.status, 404);
        assert.equal(typeof res.json?.error, 'string');
        assert.equal(typeof res.json?.message, 'string');
    });

    test('the watcher saw no event or error from any of this', async () => {
        // the only events were the two posts and the edit of the text-limit test
        const errors = watcher.messages.filter((m) => m.type === 'error');
        assert.deepEqual(errors, []);
        assert.deepEqual(watcher.events.map((e) => [e.kind, e.author]), [['post', 'emoji'], ['post', 'emoji'], ['edit', 'emoji']]);
        assert.equal(watcher.close, undefined, 'the watcher is still connected');
        await watcher.ping();
    });
});

test('without --test-clock, POST /api/test/clock is 404 and the clock is real', { timeout: 30_000 }, async () => {
    let srv;
    try {
        srv = await startServer({ clock: null });
        const res = await http(srv, 'POST', '/api/test/clock', { advance_seconds: 60 });
        assert.equal(res.status, 404, `test clock must not exist without the flag: ${res.status} ${res.text}`);
        assert.equal(typeof res.json?.error, 'string');
        const h = await http(srv, 'GET', '/healthz');
        assert.equal(h.status, 200);
        assert.equal(h.json?.status, 'ok');
        const skew = Math.abs(new Date(h.json.now).getTime() - Date.now());
        assert.ok(skew < 60_000, `healthz now ${h.json.now} is the real time`);
        await stopServer(srv);
    } finally {
        await killServer(srv);
        await removeDataDir(srv?.dataDir);
    }
});
