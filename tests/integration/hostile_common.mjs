// Helpers for the hostile-client tests (hostile_*.test.mjs); not a test file itself.
//
// - clients from another loopback address (127.0.0.2, 127.0.0.3, ...: Linux routes all of
//   127/8 to lo, so the server sees a different peer address; used for address bans and the
//   per-address caps);
// - raw WebSocket upgrade requests with any Origin/Host (the Origin check);
// - `Guard`: proves that refused attempts left nothing behind. `mark()` takes the session's
//   whole event log (a fresh moderator client with since 0) and the watcher's position;
//   `verify()` checks the server still serves the watcher (pong), that the head and the whole
//   log are unchanged, that the watcher saw no event or error meanwhile, that the moderators
//   got no `mod` entry, and then that a fresh post lands at exactly head + 1 and reaches the
//   watcher (so nothing hidden was appended in between either).

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Client, withTimeout, TIMEOUT_MS, getSession, nextCid } from './harness.mjs';

/** A protocol client whose TCP connection comes from `localAddress` (e.g. 127.0.0.2). */
export class AddrClient extends Client {
    constructor(srv, label, localAddress) {
        super(srv, label);
        this.localAddress = localAddress;
    }

    static async connectFrom(srv, label, localAddress) {
        const c = new AddrClient(srv, label, localAddress);
        await c.open();
        return c;
    }

    async open() {
        const opts = { maxPayload: 64 * 1024 * 1024 };
        if (this.localAddress) opts.localAddress = this.localAddress;
        const ws = new WebSocket(`ws://127.0.0.1:${this.srv.port}/ws`, opts);
        this.ws = ws;
        ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
        this.closed = new Promise((resolve) => {
            ws.on('close', (code, reason) => {
                this.close = { code, reason: reason.toString() };
                this.notify();
                resolve(this.close);
            });
        });
        ws.on('error', (err) => {
            this.lastError = err;
        });
        await withTimeout(
            new Promise((resolve, reject) => {
                ws.once('open', resolve);
                ws.once('error', reject);
            }),
            TIMEOUT_MS,
            `${this.label}: websocket open from ${this.localAddress ?? 'default address'}`,
        );
    }
}

/** Connects (from `localAddress`, default the usual 127.0.0.1) and joins. */
export async function joinFrom(srv, localAddress, session, handle, name, extra = {}, label = handle) {
    const c = await AddrClient.connectFrom(srv, label, localAddress);
    await c.hello(session, handle, name, extra);
    return c;
}

/**
 * A raw WebSocket upgrade request. Resolves {status, headers}: 101 if the server switched
 * protocols (the socket is then destroyed), else the HTTP status it answered.
 */
export function upgrade(srv, { origin, host, localAddress, path = '/ws', extraHeaders = {} } = {}) {
    const headers = {
        Host: host ?? `127.0.0.1:${srv.port}`,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
        ...extraHeaders,
    };
    if (origin !== undefined) headers.Origin = origin;
    const p = new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: srv.port, path, headers, localAddress, agent: false });
        req.on('upgrade', (res, socket) => {
            socket.destroy();
            resolve({ status: res.statusCode, headers: res.headers });
        });
        req.on('response', (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
                body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
    });
    return withTimeout(p, TIMEOUT_MS, `upgrade request (Origin ${origin}, Host ${headers.Host})`);
}

/** An HTTP request from `localAddress`. Resolves {status, headers, text, json}. */
export function httpFrom(srv, localAddress, method, urlPath, body, headers = {}) {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h = { ...headers };
    if (data !== undefined) {
        h['content-type'] ??= 'application/json';
        h['content-length'] = Buffer.byteLength(data);
    }
    const p = new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: srv.port, path: urlPath, method, headers: h, localAddress, agent: false });
        req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
                text += d;
            });
            res.on('end', () => {
                let json;
                try {
                    json = JSON.parse(text);
                } catch {
                    json = undefined;
                }
                resolve({ status: res.statusCode, headers: res.headers, text, json });
            });
        });
        req.on('error', reject);
        if (data !== undefined) req.write(data);
        req.end();
    });
    return withTimeout(p, TIMEOUT_MS, `${method} ${urlPath} from ${localAddress}`);
}

let snapCounter = 0;

/**
 * The session's whole event log as a fresh moderator client sees it from since 0.
 * Resolves {head, events}.
 */
export async function logSnapshot(srv, session, key) {
    snapCounter += 1;
    const c = await Client.connect(srv, `snap${snapCounter}`);
    try {
        const w = await c.hello(session, `snap_${process.pid % 1000}_${snapCounter}`, 'Snapshot', { key, since: 0 });
        if (w.head > 0) await c.waitSeq(w.head);
        await c.ping();
        assert.equal(Math.max(0, ...c.events.map((e) => e.seq)), w.head, 'snapshot: nothing past the welcome head');
        c.assertGapFree(w.head, 0);
        return { head: w.head, events: c.events };
    } finally {
        c.terminate();
    }
}

/**
 * Sends every message at once (pipelined, each with its own rid) and resolves the replies in
 * order once all have arrived, with the milliseconds from the first send to the last reply.
 */
export async function burst(client, msgs, prefix = 'b') {
    const tag = `${prefix}${randomBytes(3).toString('hex')}`;
    const rids = msgs.map((_, i) => `${tag}-${i}`);
    const from = client.messages.length;
    const t0 = performance.now();
    for (let i = 0; i < msgs.length; i++) client.send({ ...msgs[i], rid: rids[i] });
    const replies = await client.until(() => {
        const byRid = new Map();
        for (const m of client.messages.slice(from)) if (m.rid?.startsWith(`${tag}-`)) byRid.set(m.rid, m);
        return byRid.size === msgs.length ? rids.map((r) => byRid.get(r)) : undefined;
    }, `replies to a burst of ${msgs.length}`);
    return { replies, elapsedMs: performance.now() - t0 };
}

let markerCounter = 0;

export class Guard {
    /**
     * srv, session id, owner key; `watcher` a client joined to the session; `modWatchers`
     * moderator clients whose `mod` messages must not grow with refused attempts.
     */
    constructor({ srv, session, key, watcher, modWatchers = [] }) {
        Object.assign(this, { srv, session, key, watcher, modWatchers });
    }

    async mark() {
        this.before = await logSnapshot(this.srv, this.session, this.key);
        this.watcherAt = this.watcher.messages.length;
        this.modsAt = this.modWatchers.map((m) => m.messages.filter((x) => x.type === 'mod').length);
        return this.before;
    }

    /** Everything unchanged since mark(); then one fresh post at head + 1 reaches the watcher. */
    async verify(what) {
        const { before, watcher } = this;
        assert.ok(before, 'mark() first');
        const pong = await watcher.ping();
        assert.equal(pong.type, 'pong', `${what}: the watcher still gets pong`);
        assert.equal(watcher.close, undefined, `${what}: the watcher is still connected`);
        const s = await getSession(this.srv, this.session);
        assert.equal(s.head, before.head, `${what}: head unchanged (GET /api/sessions)`);
        const after = await logSnapshot(this.srv, this.session, this.key);
        assert.equal(after.head, before.head, `${what}: head unchanged (welcome)`);
        assert.deepEqual(after.events, before.events, `${what}: the event log is unchanged`);
        const extra = watcher.messages.slice(this.watcherAt).filter((m) => !['pong', 'presence'].includes(m.type));
        assert.deepEqual(extra, [], `${what}: the watcher saw nothing but pong/presence`);

        // the session still takes posts, and the next one is exactly head + 1
        markerCounter += 1;
        const marker = await Client.connect(this.srv, `marker${markerCounter}`);
        try {
            await marker.hello(this.session, `mk_${process.pid % 1000}_${markerCounter}`, 'Marker', { key: this.key });
            const text = `marker ${markerCounter} after ${what}`.slice(0, 900);
            const ack = await marker.post(text, { cid: nextCid('mk') });
            assert.equal(ack.seq, before.head + 1, `${what}: the next post is seq ${before.head + 1}`);
            const ev = await watcher.waitEvent((e) => e.seq === ack.seq, `${what}: marker event at the watcher`);
            assert.equal(ev.text, text, `${what}: the watcher receives the marker post`);
            for (const [i, m] of this.modWatchers.entries()) {
                await m.waitEvent((e) => e.seq === ack.seq, `${what}: marker event at ${m.label}`);
                const mods = m.messages.filter((x) => x.type === 'mod');
                assert.equal(mods.length, this.modsAt[i],
                    `${what}: ${m.label} got no mod entry from refused attempts: ${JSON.stringify(mods.slice(this.modsAt[i]))}`);
            }
        } finally {
            marker.terminate();
        }
        this.before = undefined;
    }
}

/** Asserts that no client in `clients` ever received a `mod` message. */
export function assertNoModMessages(clients) {
    for (const c of clients) {
        const mods = c.messages.filter((m) => m.type === 'mod');
        assert.deepEqual(mods, [], `${c.label} (a participant) must never receive type "mod"`);
    }
}

/** A token as a client should make it: 24 random bytes, base64url (32 characters). */
export function makeToken() {
    return randomBytes(24).toString('base64url');
}
