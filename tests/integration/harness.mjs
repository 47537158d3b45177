// Integration test harness: runs the real hashchat binary on loopback with a test clock,
// talks HTTP and WebSocket to it, and waits for conditions (never for time to pass).
//
// Binary: $HASHCHAT_BIN, else build/debug/hashchat relative to the repository root.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HASHCHAT_BIN = process.env.HASHCHAT_BIN
    ? path.resolve(REPO_ROOT, process.env.HASHCHAT_BIN)
    : path.join(REPO_ROOT, 'build', 'debug', 'hashchat');

/** Every bounded wait uses this unless told otherwise. */
export const TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// time helpers

/** ISO 8601 UTC with milliseconds, the wire format of instants. */
export function iso(value) {
    return new Date(value).toISOString();
}

/** `instant` plus `minutes` (may be fractional or negative), as ISO. */
export function addMinutes(instant, minutes) {
    return iso(new Date(instant).getTime() + Math.round(minutes * 60_000));
}

export function addSeconds(instant, seconds) {
    return iso(new Date(instant).getTime() + seconds * 1000);
}

/** Milliseconds from a to b. */
export function msBetween(a, b) {
    return new Date(b).getTime() - new Date(a).getTime();
}

// ---------------------------------------------------------------------------------------------
// generic bounded waiting

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one named step of a scenario: a failure names the step, so a long scenario still says
 * exactly where the server disagreed with the protocol.
 */
export async function step(name, fn) {
    try {
        return await fn();
    } catch (err) {
        if (err && typeof err === 'object' && typeof err.message === 'string' && !err.stepPrefixed) {
            err.message = `[step: ${name}] ${err.message}`;
            err.stepPrefixed = true;
        }
        throw err;
    }
}

/**
 * Collects failures of checks that do not stop a scenario, so one run reports every
 * disagreement instead of only the first. `done()` fails the test if any check failed.
 */
export class Checks {
    constructor() {
        this.failures = [];
    }

    async soft(name, fn) {
        try {
            return await fn();
        } catch (err) {
            this.failures.push(`[${name}] ${err?.message ?? err}`);
            return undefined;
        }
    }

    done() {
        if (this.failures.length) {
            throw new Error(`${this.failures.length} check(s) failed:\n- ${this.failures.join('\n- ')}`);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// server process

const liveServers = new Set();
process.on('exit', () => {
    for (const srv of liveServers) {
        try {
            srv.proc.kill('SIGKILL');
        } catch {
            /* already gone */
        }
    }
});

export async function makeDataDir() {
    return mkdtemp(path.join(tmpdir(), 'hashchat-it-'));
}

export async function removeDataDir(dir) {
    if (!dir) return;
    if (ON_PG) dropDatabase(databaseOf(dir));
    await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: HASHCHAT_TEST_PG is the URL of a database in a throwaway cluster whose user may
// make databases (scripts/test sets it). With HASHCHAT_TEST_STORE=postgresql every server keeps
// its data there, one database per data folder, so that a restart on the same folder finds the
// same data; else in SQLite.

/** The test cluster's URL, or undefined. */
export const PG_URL = process.env.HASHCHAT_TEST_PG || undefined;
/** True when servers keep their data in PostgreSQL. */
export const ON_PG = process.env.HASHCHAT_TEST_STORE === 'postgresql';
if (ON_PG && !PG_URL) throw new Error('HASHCHAT_TEST_STORE=postgresql needs HASHCHAT_TEST_PG');

function databaseOf(dataDir) {
    return 'hc_it_' + path.basename(dataDir).replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
}

/** The cluster URL with another database in it. */
export function pgUrlOf(database) {
    const u = new URL(PG_URL);
    u.pathname = '/' + database;
    return u.toString();
}

export function createDatabase(name) {
    try {
        execFileSync('createdb', [`--maintenance-db=${PG_URL}`, name], { stdio: 'pipe' });
    } catch (err) {
        if (!/already exists/.test(String(err.stderr))) throw err;
    }
}

export function dropDatabase(name) {
    execFileSync('dropdb', [`--maintenance-db=${PG_URL}`, '--if-exists', '--force', name], { stdio: 'pipe' });
}

/** The --database argument for a server on this data folder (made on first use), or []. */
function databaseArgs(dataDir) {
    if (!ON_PG) return [];
    const name = databaseOf(dataDir);
    createDatabase(name);
    return [`--database=${pgUrlOf(name)}`];
}

/**
 * Starts the server. Options: dataDir (made fresh if absent), clock (ISO instant for
 * --test-clock; null for none), args (extra arguments), env (extra environment variables),
 * limits (default false: --profile=loadtest lifts the per-connection rate limits and per-address
 * caps, which tests that flood on purpose would hit; the hostile-client tests set it true),
 * store ('sqlite' or 'postgresql'; default: HASHCHAT_TEST_STORE's, see above; `args` may also
 * carry a --database of its own).
 * Resolves once it printed its listening line.
 */
export async function startServer({ dataDir, clock = '2026-11-26T18:55:00Z', args = [], env, limits = false, store } = {}) {
    if (!existsSync(HASHCHAT_BIN)) {
        throw new Error(`hashchat binary not found at ${HASHCHAT_BIN} (set HASHCHAT_BIN)`);
    }
    const ownDir = !dataDir;
    if (!dataDir) dataDir = await makeDataDir();
    const argv = ['--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, ...(store === 'sqlite' || args.some((a) => a.startsWith('--database')) ? [] : databaseArgs(dataDir)), ...(limits ? [] : ['--profile=loadtest']), ...args];
    if (clock !== null) argv.push(`--test-clock=${clock}`); // clock: null runs on the real clock
    const proc = spawn(HASHCHAT_BIN, argv, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: env ? { ...process.env, ...env } : process.env, // env: extra variables
    });
    const srv = {
        proc,
        dataDir,
        ownDir,
        port: undefined,
        base: undefined,
        clock: clock === null ? undefined : iso(clock),
        output: '',
        exit: undefined, // {code, signal} once exited
        exited: undefined,
        log() {
            return this.output.slice(-4000);
        },
    };
    srv.exited = new Promise((resolve) => {
        proc.on('exit', (code, signal) => {
            srv.exit = { code, signal };
            liveServers.delete(srv);
            resolve(srv.exit);
        });
    });
    liveServers.add(srv);

    const listening = new Promise((resolve, reject) => {
        let stdoutBuf = '';
        proc.stdout.setEncoding('utf8');
        proc.stderr.setEncoding('utf8');
        proc.stdout.on('data', (chunk) => {
            srv.output += chunk;
            stdoutBuf += chunk;
            const m = /listening on http:\/\/[^\s:]+:(\d+)\r?\n/.exec(stdoutBuf); // whole line: a chunk may split the port
            if (m) resolve(Number(m[1]));
        });
        proc.stderr.on('data', (chunk) => {
            srv.output += chunk;
        });
        proc.on('error', reject);
        srv.exited.then((e) =>
            reject(new Error(`hashchat exited before listening (${JSON.stringify(e)}):\n${srv.log()}`)),
        );
    });
    try {
        srv.port = await withTimeout(listening, TIMEOUT_MS, 'the "listening on" line');
    } catch (err) {
        proc.kill('SIGKILL');
        throw err;
    }
    srv.base = `http://127.0.0.1:${srv.port}`;
    return srv;
}

/**
 * Stops the server with SIGTERM and waits for it to exit (bounded). Returns {code, signal}.
 * With `expectClean` (default) it asserts a clean exit (code 0).
 */
export async function stopServer(srv, { expectClean = true } = {}) {
    if (!srv) return undefined;
    if (!srv.exit) {
        srv.proc.kill('SIGTERM');
        try {
            await withTimeout(srv.exited, TIMEOUT_MS, 'hashchat to exit after SIGTERM');
        } catch (err) {
            srv.proc.kill('SIGKILL');
            await srv.exited;
            throw new Error(`${err.message}\n--- server output ---\n${srv.log()}`);
        }
    }
    if (expectClean) {
        assert.deepEqual(srv.exit, { code: 0, signal: null },
            `hashchat should exit 0 on SIGTERM; output:\n${srv.log()}`);
    }
    return srv.exit;
}

/** For after/finally hooks: never throws, always leaves no process behind. */
export async function killServer(srv) {
    if (!srv || srv.exit) return;
    srv.proc.kill('SIGTERM');
    try {
        await withTimeout(srv.exited, 5000, 'exit');
    } catch {
        srv.proc.kill('SIGKILL');
        await withTimeout(srv.exited, 5000, 'exit after SIGKILL').catch(() => {});
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * One HTTP request. `body` is JSON-encoded unless it is a string or Buffer (sent as is).
 * Resolves {status, headers, text, json} (json undefined if the body is not JSON).
 */
export async function http(srv, method, urlPath, body, headers = {}) {
    const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) };
    if (body !== undefined) {
        if (typeof body === 'string' || Buffer.isBuffer(body)) {
            init.body = body;
        } else {
            init.body = JSON.stringify(body);
        }
        if (!init.headers['content-type']) init.headers['content-type'] = 'application/json';
    }
    let res;
    try {
        res = await fetch(`${srv.base}${urlPath}`, init);
    } catch (err) {
        const state = srv.exit ? `hashchat has exited ${JSON.stringify(srv.exit)}` : 'hashchat is running';
        throw new Error(`${method} ${urlPath} failed: ${err.cause?.message ?? err.message} (${state})\n--- server output ---\n${srv.log()}`);
    }
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
}

/** Creates a session; asserts 201. Resolves the answer ({id, moderator_key, urls}). */
export async function createSession(srv, spec) {
    const res = await http(srv, 'POST', '/api/sessions', spec);
    assert.equal(res.status, 201, `POST /api/sessions should answer 201, got ${res.status}: ${res.text}`);
    assert.equal(typeof res.json?.id, 'string', `created session has an id: ${res.text}`);
    assert.equal(typeof res.json?.moderator_key, 'string', `created session has a moderator_key: ${res.text}`);
    return res.json;
}

export async function getSession(srv, id) {
    const res = await http(srv, 'GET', `/api/sessions/${encodeURIComponent(id)}`);
    assert.equal(res.status, 200, `GET /api/sessions/${id}: ${res.status} ${res.text}`);
    return res.json;
}

/** Advances the test clock by `seconds`; asserts the answer's `now`. */
export async function advance(srv, seconds) {
    const res = await http(srv, 'POST', '/api/test/clock', { advance_seconds: seconds });
    assert.equal(res.status, 200, `POST /api/test/clock: ${res.status} ${res.text}`);
    const expected = addSeconds(srv.clock, seconds);
    assert.equal(typeof res.json?.now, 'string', `clock answer has now: ${res.text}`);
    assert.equal(iso(res.json.now), expected, `clock answer now after advancing ${seconds}s`);
    srv.clock = expected;
    return res.json;
}

/** Advances the test clock to the instant `target` (must not be in the past). */
export async function advanceTo(srv, target) {
    const ms = msBetween(srv.clock, target);
    assert.ok(ms >= 0 && ms % 1000 === 0, `advanceTo ${target} from ${srv.clock}`);
    return advance(srv, ms / 1000);
}

/** Parses Prometheus text; a name maps to the sum over its label sets. */
export function parseMetrics(text) {
    const out = new Map();
    for (const line of text.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (!m) continue;
        const v = Number(m[3]);
        out.set(m[1], (out.get(m[1]) ?? 0) + v);
    }
    return out;
}

export async function metrics(srv) {
    const res = await http(srv, 'GET', '/metrics');
    assert.equal(res.status, 200, `GET /metrics: ${res.status}`);
    return parseMetrics(res.text);
}

export function metric(map, name) {
    assert.ok(map.has(name), `/metrics has ${name}`);
    return map.get(name);
}

// ---------------------------------------------------------------------------------------------
// WebSocket client

let ridCounter = 0;
let cidCounter = 0;
export function nextCid(prefix = 'c') {
    cidCounter += 1;
    return `${prefix}-${process.pid}-${cidCounter}`;
}

/**
 * A protocol client. Keeps every frame received (`messages`), every event flattened from
 * `event` and `events` frames (`events`, in arrival order), and lets a test wait for a condition.
 */
export class Client {
    constructor(srv, label = 'client') {
        this.srv = srv;
        this.label = label;
        this.messages = [];
        this.events = [];
        this.frames = []; // raw text of every frame
        this.close = undefined; // {code, reason}
        this.waiters = new Set();
        this.welcome = undefined;
        this.token = undefined;
    }

    /** Opens a connection to /ws. */
    static async connect(srv, label) {
        const c = new Client(srv, label);
        await c.open();
        return c;
    }

    async open() {
        // srv.wsUrl and srv.wsOptions: through a proxy (tests/integration/nginx.test.mjs).
        const ws = new WebSocket(this.srv.wsUrl ?? `ws://127.0.0.1:${this.srv.port}/ws`,
            { maxPayload: 64 * 1024 * 1024, ...this.srv.wsOptions });
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
            `${this.label}: websocket open`,
        );
    }

    onFrame(data, isBinary) {
        const text = data.toString('utf8');
        this.frames.push(text);
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            msg = { type: '__unparsable__', text, isBinary };
        }
        this.messages.push(msg);
        if (msg.type === 'event') this.events.push(msg);
        if (msg.type === 'events' && Array.isArray(msg.events)) this.events.push(...msg.events);
        this.notify();
    }

    notify() {
        for (const w of [...this.waiters]) w.check();
    }

    /**
     * Waits until `cond()` returns a truthy value (checked now, on every frame and on close)
     * and resolves it. Rejects after `timeout` or when the connection closes first.
     */
    until(cond, what, timeout = TIMEOUT_MS) {
        return new Promise((resolve, reject) => {
            const w = {
                check: () => {
                    let v;
                    try {
                        v = cond();
                    } catch (err) {
                        finish();
                        reject(err);
                        return;
                    }
                    if (v) {
                        finish();
                        resolve(v);
                    } else if (this.close) {
                        finish();
                        reject(new Error(`${this.label}: connection closed ${JSON.stringify(this.close)} while waiting for ${what}; last frames:\n${this.tail()}`));
                    }
                },
            };
            const timer = setTimeout(() => {
                finish();
                reject(new Error(`${this.label}: timed out after ${timeout} ms waiting for ${what}; last frames:\n${this.tail()}`));
            }, timeout);
            const finish = () => {
                clearTimeout(timer);
                this.waiters.delete(w);
            };
            this.waiters.add(w);
            w.check();
        });
    }

    tail(n = 6) {
        return this.frames.slice(-n).map((f) => (f.length > 400 ? `${f.slice(0, 400)}...` : f)).join('\n');
    }

    /** Waits for a message at index >= from matching pred. */
    waitMessage(pred, what, from = 0, timeout = TIMEOUT_MS) {
        return this.until(() => this.messages.slice(from).find(pred), what, timeout);
    }

    /** Waits until this client has seen an event with seq >= `seq`. */
    waitSeq(seq, timeout = TIMEOUT_MS) {
        return this.until(
            () => this.events.some((e) => e.seq >= seq) && this.events,
            `event seq ${seq}`,
            timeout,
        );
    }

    /** Waits for an event matching pred (among all events seen so far and later). */
    waitEvent(pred, what, timeout = TIMEOUT_MS) {
        return this.until(() => this.events.find(pred), what, timeout);
    }

    waitClose(timeout = TIMEOUT_MS) {
        return withTimeout(this.closed, timeout, `${this.label}: close`);
    }

    sendRaw(data, opts) {
        this.ws.send(data, opts);
    }

    send(obj) {
        this.ws.send(JSON.stringify(obj));
    }

    /** Sends obj with a rid (given or generated) and resolves the reply echoing that rid. */
    async request(obj, timeout = TIMEOUT_MS) {
        const rid = obj.rid ?? `r${++ridCounter}`;
        const from = this.messages.length;
        this.send({ ...obj, rid });
        return this.waitMessage((m) => m.rid === rid, `reply to ${JSON.stringify(obj).slice(0, 200)}`, from, timeout);
    }

    /** Sends and asserts a reply of type `type` (not an error). */
    async expectReply(obj, type) {
        const reply = await this.request(obj);
        assert.equal(reply.type, type,
            `${this.label}: ${JSON.stringify(obj).slice(0, 200)} should answer ${type}, got ${JSON.stringify(reply)}`);
        return reply;
    }

    /** Sends and asserts an error with `code`. */
    async expectError(obj, code) {
        const reply = await this.request(obj);
        assert.equal(reply.type, 'error',
            `${this.label}: ${JSON.stringify(obj).slice(0, 200)} should be refused with ${code}, got ${JSON.stringify(reply).slice(0, 300)}`);
        assert.equal(reply.code, code,
            `${this.label}: ${JSON.stringify(obj).slice(0, 200)} should be refused with ${code}, got ${JSON.stringify(reply).slice(0, 300)}`);
        assert.equal(typeof reply.message, 'string', 'an error has a message');
        return reply;
    }

    /**
     * Sends raw text (no rid possible) and resolves the next `error` frame that follows.
     * Presence or other frames in between are skipped.
     */
    async rawExpectError(data, code, opts) {
        const from = this.messages.length;
        this.sendRaw(data, opts);
        const err = await this.waitMessage((m) => m.type === 'error', `error for raw ${String(data).slice(0, 80)}`, from);
        assert.equal(err.code, code, `raw ${String(data).slice(0, 120)} should be refused with ${code}, got ${JSON.stringify(err)}`);
        return err;
    }

    /** Joins a session. Resolves the welcome; keeps a token it issued. */
    async hello(session, handle, name, extra = {}) {
        const welcome = await this.expectReply({ type: 'hello', session, handle, name, ...extra }, 'welcome');
        this.welcome = welcome;
        this.handle = handle;
        this.since = extra.since ?? 0;
        if (welcome.you?.token) this.token = welcome.you.token;
        return welcome;
    }

    /** Posts and resolves the ack (asserted). */
    async post(text, extra = {}) {
        const cid = extra.cid ?? nextCid(this.handle ?? 'c');
        const ack = await this.expectReply({ type: 'post', cid, text, ...extra }, 'ack');
        assert.equal(ack.cid, cid, 'ack echoes cid');
        assert.ok(Number.isInteger(ack.seq) && ack.seq > 0, `ack has a seq: ${JSON.stringify(ack)}`);
        return ack;
    }

    /** Sends a message expecting `ok`; resolves it. */
    async ok(obj) {
        return this.expectReply(obj, 'ok');
    }

    async ping() {
        return this.expectReply({ type: 'ping' }, 'pong');
    }

    /** Events with seq > since, as seen: must be since+1 .. head exactly once, in order. */
    assertGapFree(head, since = this.since ?? 0) {
        const seqs = this.events.map((e) => e.seq);
        const want = [];
        for (let s = since + 1; s <= head; s++) want.push(s);
        assert.deepEqual(seqs, want, `${this.label}: events must be seq ${since + 1}..${head}, once each, in order`);
    }

    async closeNormally() {
        if (!this.ws || this.close) return;
        this.ws.close(1000);
        await withTimeout(this.closed, TIMEOUT_MS, `${this.label}: close`).catch(() => this.ws.terminate());
    }

    terminate() {
        if (this.ws && !this.close) this.ws.terminate();
    }
}

/** Closes every client without throwing. */
export function dropAll(clients) {
    for (const c of clients) {
        try {
            c?.terminate();
        } catch {
            /* ignore */
        }
    }
}

/** Phase events among a client's events. */
export function phases(client) {
    return client.events.filter((e) => e.kind === 'phase');
}

/** Asserts a phase event's fields (only the keys given in `want`). */
export function assertPhase(ev, want, what = '') {
    assert.ok(ev, `phase event ${what} exists`);
    for (const [k, v] of Object.entries(want)) {
        let got = ev[k];
        if (v !== null && typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && typeof got === 'string') {
            // instants are compared exactly but by value; the wire format is checked separately
            assert.match(got, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${what} ${k} in wire format`);
        }
        assert.deepEqual(got, v, `phase ${what}: ${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(v)}; event ${JSON.stringify(ev)}`);
    }
}

// ---------------------------------------------------------------------------------------------
// process memory

/** VmRSS and VmHWM of a running process in bytes, from /proc/<pid>/status (Linux). */
export function procMemory(pid) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
        const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
        assert.ok(m, `/proc/${pid}/status has ${name}`);
        return Number(m[1]) * 1024;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

// ---------------------------------------------------------------------------------------------
// waiting on several sources at once

/**
 * A condition variable for tests with many moving parts: whoever changes state calls
 * `notify()`; `until(cond)` resolves once cond() is truthy (checked at once and on every
 * notify) and rejects after `timeout`.
 */
/**
 * For what another process learns a moment later (a notification between nodes, a lease that
 * expires): `fn` (sync or async) is tried until it gives a truthy value, at most `timeout` ms,
 * then the test fails.
 */
export async function eventually(fn, what, timeout = 5000) {
    const until = Date.now() + timeout;
    for (;;) {
        const got = await fn();
        if (got) return got;
        if (Date.now() > until) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
        await new Promise((resolve) => setImmediate(resolve));
    }
}

export class Watch {
    constructor() {
        this.waiters = new Set();
    }

    notify() {
        for (const w of [...this.waiters]) w();
    }

    until(cond, what, timeout = TIMEOUT_MS, detail = () => '') {
        return new Promise((resolve, reject) => {
            let timer;
            const check = () => {
                let v;
                try {
                    v = cond();
                } catch (err) {
                    this.waiters.delete(check);
                    clearTimeout(timer);
                    reject(err);
                    return;
                }
                if (v) {
                    this.waiters.delete(check);
                    clearTimeout(timer);
                    resolve(v);
                }
            };
            timer = setTimeout(() => {
                this.waiters.delete(check);
                reject(new Error(`timed out after ${timeout} ms waiting for ${what}${detail() ? `; ${detail()}` : ''}`));
            }, timeout);
            this.waiters.add(check);
            check();
        });
    }
}

// ---------------------------------------------------------------------------------------------
// a client that behaves as docs/protocol.md says a client must across dropped connections

/**
 * A participant that survives dropped connections: it reconnects at once (to the port that
 * `endpoint()` resolves, which may wait until a server is up), joins with its token and
 * `since` = the last seq it holds, keeps its posts in an outbox until they are acked and
 * resends every unacked one after each welcome, resends a post refused with `rate_limited`
 * after `retry_after_ms`, and keeps one copy of each event (deduplicated by seq).
 *
 * It never throws: what disagrees with the protocol goes to `violations` (a gap or a
 * duplicate in what a connection delivers, an ack that changes its seq, an unexpected error),
 * which a test asserts empty. `onChange` is called after every change of state.
 */
export class ResumingClient {
    constructor({ endpoint, session, handle, name, label = handle, onChange = () => {} }) {
        this.endpoint = endpoint;
        this.session = session;
        this.handle = handle;
        this.name = name;
        this.label = label;
        this.onChange = onChange;
        this.token = undefined;
        this.events = []; // one copy of each event, in seq order
        this.lastSeq = 0;
        this.outbox = new Map(); // cid -> {cid, text, sentOn (connection number) or 0}
        this.written = []; // {cid, text} of every post written
        this.acked = new Map(); // cid -> seq
        this.violations = [];
        this.generation = 0; // connection attempts
        this.online = false; // welcomed on the current connection
        this.welcomes = 0;
        this.rateLimited = 0;
        this.resends = 0; // posts sent again after a reconnect or a rate_limited
        this.duplicatesDropped = 0;
        this.stopped = false;
        this.timers = new Set();
        this.ws = undefined;
        this.loop = undefined;
    }

    /** Starts connecting (and reconnecting until stop()). */
    start() {
        this.loop = this.run();
        return this;
    }

    /** Stops reconnecting and drops the connection; resolves when the loop has ended. */
    async stop() {
        this.stopped = true;
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        try {
            this.ws?.terminate();
        } catch {
            /* ignore */
        }
        await withTimeout(this.loop ?? Promise.resolve(), TIMEOUT_MS, `${this.label}: reconnect loop to stop`).catch(() => {});
    }

    violation(text) {
        this.violations.push(`${this.label}: ${text}`);
    }

    changed() {
        try {
            this.onChange(this);
        } catch (err) {
            this.violation(`onChange threw ${err?.stack ?? err}`);
        }
    }

    async run() {
        while (!this.stopped) {
            let port;
            try {
                port = await this.endpoint();
            } catch {
                continue;
            }
            if (this.stopped) break;
            await this.connectOnce(port);
        }
    }

    /**
     * One connection: resolves when it has closed (for whatever reason). `to` is a port on
     * 127.0.0.1, or a harness endpoint ({wsUrl, wsOptions}: through a proxy).
     */
    connectOnce(to) {
        this.generation += 1;
        const gen = this.generation;
        const url = typeof to === 'object' ? to.wsUrl : `ws://127.0.0.1:${to}/ws`;
        const options = typeof to === 'object' ? to.wsOptions : {};
        return new Promise((resolve) => {
            const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...options });
            this.ws = ws;
            const conn = { gen, welcomed: false, expect: this.lastSeq + 1 };
            ws.on('error', () => {});
            ws.on('unexpected-response', () => ws.terminate());
            ws.on('open', () => {
                const hello = { type: 'hello', session: this.session, handle: this.handle, name: this.name, since: this.lastSeq, rid: `hello-${gen}` };
                if (this.token) hello.token = this.token;
                conn.since = this.lastSeq;
                ws.send(JSON.stringify(hello));
            });
            ws.on('message', (data) => this.onMessage(ws, conn, data.toString('utf8')));
            ws.on('close', (code) => {
                this.lastClose = code;
                if (this.ws === ws) this.online = false;
                resolve();
                this.changed();
            });
        });
    }

    onMessage(ws, conn, text) {
        let msg;
        try {
            msg = JSON.parse(text);
        } catch {
            return this.violation(`unparsable frame ${text.slice(0, 200)}`);
        }
        if (msg.type === 'welcome') {
            if (!msg.you?.token && !this.token) this.violation('first welcome without a token');
            if (msg.you?.token) this.token = msg.you.token;
            if (!(msg.head >= conn.since)) this.violation(`welcome head ${msg.head} < since ${conn.since}`);
            conn.welcomed = true;
            this.welcomes += 1;
            this.online = true;
            this.ws = ws;
            for (const entry of this.outbox.values()) {
                if (entry.sentOn > 0) this.resends += 1;
                this.sendPost(entry);
            }
        } else if (msg.type === 'event') {
            this.deliver(conn, msg);
        } else if (msg.type === 'events') {
            for (const ev of msg.events ?? []) this.deliver(conn, ev);
        } else if (msg.type === 'ack') {
            const prev = this.acked.get(msg.cid);
            if (prev !== undefined && prev !== msg.seq) this.violation(`ack of ${msg.cid} changed its seq ${prev} -> ${msg.seq}`);
            if (!Number.isInteger(msg.seq)) this.violation(`ack without a seq: ${text}`);
            this.acked.set(msg.cid, msg.seq);
            this.outbox.delete(msg.cid);
        } else if (msg.type === 'error') {
            if (msg.code === 'rate_limited' && msg.cid && this.outbox.has(msg.cid)) {
                this.rateLimited += 1;
                const delay = Number.isInteger(msg.retry_after_ms) && msg.retry_after_ms >= 0 ? msg.retry_after_ms : 100;
                const timer = setTimeout(() => {
                    this.timers.delete(timer);
                    const entry = this.outbox.get(msg.cid);
                    // after a reconnect the welcome has resent it already
                    if (entry && this.online && this.ws === ws && entry.sentOn === conn.gen) {
                        this.resends += 1;
                        this.sendPost(entry);
                    }
                }, delay);
                this.timers.add(timer);
            } else {
                this.violation(`error ${text.slice(0, 300)}`);
            }
        }
        this.changed();
    }

    deliver(conn, ev) {
        if (!conn.welcomed) this.violation(`event ${ev.seq} before the welcome`);
        if (ev.seq !== conn.expect) {
            // what one connection delivers must be since+1, since+2, ... exactly
            this.violation(`connection ${conn.gen} (since ${conn.since}) delivered seq ${ev.seq}, expected ${conn.expect}`);
        }
        conn.expect = ev.seq + 1;
        if (ev.seq <= this.lastSeq) {
            this.duplicatesDropped += 1;
            return;
        }
        if (ev.seq !== this.lastSeq + 1) this.violation(`gap: seq ${ev.seq} after ${this.lastSeq}`);
        this.events.push(ev);
        this.lastSeq = ev.seq;
    }

    sendPost(entry) {
        entry.sentOn = this.generation;
        try {
            this.ws.send(JSON.stringify({ type: 'post', cid: entry.cid, text: entry.text }));
        } catch {
            /* the connection is going; the next welcome resends it */
        }
    }

    /** Writes a post: into the outbox, and sent at once if online. Returns its cid. */
    write(cid, text) {
        const entry = { cid, text, sentOn: 0 };
        this.outbox.set(cid, entry);
        this.written.push({ cid, text });
        if (this.online) this.sendPost(entry);
        return cid;
    }

    /** Posts sent on the current connection and not acked yet. */
    inFlight() {
        if (!this.online) return 0;
        let n = 0;
        for (const e of this.outbox.values()) if (e.sentOn === this.generation) n += 1;
        return n;
    }
}
