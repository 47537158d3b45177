// scripts/bench startup: how fast the real server comes up on the 1,000,000-post store of the
// search benchmark (400 archived sessions, about 1 GB), and what memory it holds, against the
// binary before the issue-14 work, in one run.
//
//   node bench/startup.mjs --store var/bench/search --work DIR --new BIN --prev BIN --out FILE
//
// 1. A copy of the store is made as the previous binary writes it (schema 6: no `events_phases`
//    index), and the previous binary, started on it once, creates a live chat over HTTP and starts
//    it with a moderator connection (`control` start, then next: round 1 of 240 minutes), so the
//    store holds a session whose timetable runs during the measurement. That copy is copied again
//    for each binary.
// 2. A timed start is from exec to the `welcome` of a join (hello with a new handle) to that live
//    session: the client tries to connect every few ms until the port answers. VmRSS and VmHWM of
//    the server (/proc/PID/status) are read right after the welcome.
// 3. The new binary's first start on its copy adds the partial index (the upgrade, once), then it
//    is restarted --runs times; the previous binary is restarted --prev-runs times on its own copy.
//    Restarts alternate between the binaries so that both see the same machine.
// 4. Let go: the new binary with --room-idle-seconds=0 joins the live chat, then each of the 400
//    archived sessions as a viewer (welcome, the backlog up to its head, close); when hashchat_rooms_loaded is 0 again, its RSS
//    is compared with its own RSS before those joins (rooms loaded 0 too).
// Every wait is bounded: the script stops by itself.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'var/bench/search' },
    work: { type: 'string' },
    new: { type: 'string', default: 'build/release/hashchat' },
    prev: { type: 'string' },
    'new-label': { type: 'string', default: 'new' },
    'prev-label': { type: 'string', default: 'prev' },
    runs: { type: 'string', default: '5' },
    'prev-runs': { type: 'string', default: '3' },
    'cache-mb': { type: 'string', default: '64' },
    out: { type: 'string' },
  },
});
if (!args.work || !args.prev || !args.out) throw new Error('--work DIR --prev BIN --out FILE are required');

const DB = 'hashchat.sqlite3';
const TARGETS = { first_welcome_ms: 1000, rss_after_start_mb: 100, let_go_extra_mb: 50 };
const START_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 60_000;
const cacheMb = Number(args['cache-mb']);

const log = (msg) => process.stderr.write(`    ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Copies a store (its WAL too, if the last writer left one). */
function copyStore(from, to) {
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal']) {
    if (existsSync(path.join(from, DB + suffix))) copyFileSync(path.join(from, DB + suffix), path.join(to, DB + suffix));
  }
}

const sqlite = (dir, sql) => execFileSync('sqlite3', [path.join(dir, DB), sql], { encoding: 'utf8' }).trim();

function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return { rss_mb: round1(kb('VmRSS') / 1024), hwm_mb: round1(kb('VmHWM') / 1024) };
}

/** Starts a server; `t0` is taken just before the exec. */
async function startServer(bin, dataDir, extra = []) {
  const port = await freePort();
  const logFd = openSync(path.join(dataDir, 'server.log'), 'a');
  const t0 = performance.now();
  const child = spawn(bin, ['--bind', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--log-level', 'warn', '--sqlite-cache-mb', String(cacheMb), ...extra], { stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  const srv = { bin, port, child, t0, listeningMs: null, exited: null };
  child.stdout.on('data', (chunk) => {
    if (srv.listeningMs === null && chunk.toString().includes('listening on')) srv.listeningMs = performance.now() - t0;
  });
  srv.exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    srv.exited = { code, signal };
    resolve(srv.exited);
  }));
  return srv;
}

async function stopServer(srv) {
  if (srv.exited) return srv.exited;
  srv.child.kill('SIGTERM');
  try {
    return await withTimeout(srv.exit, 30_000, 'the server to exit after SIGTERM');
  } catch (err) {
    srv.child.kill('SIGKILL');
    await srv.exit;
    throw err;
  }
}

/** One WebSocket connection: `request` sends a message with a rid and resolves with the answer. */
class Connection {
  constructor(ws) {
    this.ws = ws;
    this.waiting = new Map();
    this.rid = 0;
    this.lastSeq = 0;
    this.events = 0;
    this.seqWaiter = null;
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString('utf8'));
      this.onEvents(msg.type === 'events' ? msg.events : msg.type === 'event' ? [msg] : []);
      const w = msg.rid !== undefined && this.waiting.get(msg.rid);
      if (!w) return;
      this.waiting.delete(msg.rid);
      if (msg.type === 'error') w.reject(new Error(`${w.what}: ${msg.code}: ${msg.message}`));
      else w.resolve(msg);
    });
    ws.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error(`${w.what}: connection closed`));
      this.waiting.clear();
    });
  }

  onEvents(events) {
    if (events.length === 0) return;
    this.events += events.length;
    this.lastSeq = Math.max(this.lastSeq, events[events.length - 1].seq);
    if (this.seqWaiter && this.lastSeq >= this.seqWaiter.seq) this.seqWaiter.resolve();
  }

  /** Resolves once the log up to `seq` has arrived (the backlog of a viewer's hello). */
  untilSeq(seq, what) {
    if (this.lastSeq >= seq) return Promise.resolve();
    return withTimeout(new Promise((resolve) => {
      this.seqWaiter = { seq, resolve };
    }), STEP_TIMEOUT_MS, what);
  }

  static open(port) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { maxPayload: 256 * 1024 * 1024 });
      ws.once('open', () => resolve(new Connection(ws)));
      ws.once('error', reject);
    });
  }

  request(msg, what) {
    this.rid += 1;
    const rid = String(this.rid);
    return withTimeout(new Promise((resolve, reject) => {
      this.waiting.set(rid, { resolve, reject, what });
      this.ws.send(JSON.stringify({ ...msg, rid }));
    }), STEP_TIMEOUT_MS, what);
  }

  close() {
    this.ws.terminate();
  }
}

/** Connects as soon as the port answers (tries every 5 ms), bounded. */
async function connectWhenUp(srv) {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    if (srv.exited) throw new Error(`${srv.bin} exited: ${JSON.stringify(srv.exited)}`);
    try {
      return await Connection.open(srv.port);
    } catch (err) {
      if (performance.now() > deadline) throw new Error(`${srv.bin} did not answer within ${START_TIMEOUT_MS} ms: ${err.message}`);
      await sleep(5);
    }
  }
}

async function httpJson(srv, method, url, body) {
  const res = await fetch(`http://127.0.0.1:${srv.port}${url}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

async function roomsLoaded(srv) {
  const text = await httpJson(srv, 'GET', '/metrics');
  const m = /^hashchat_rooms_loaded\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

async function untilRoomsLoaded(srv, n, what) {
  if ((await roomsLoaded(srv)) === null) return;  // the previous binary has no such metric
  await withTimeout((async () => {
    while ((await roomsLoaded(srv)) !== n) await sleep(20);
  })(), STEP_TIMEOUT_MS, `${n} rooms loaded: ${what}`);
}

let handles = 0;
/** The timed part: exec -> a join's welcome to the live chat; memory right after it. */
async function timedJoin(srv, live) {
  const c = await withTimeout(connectWhenUp(srv), START_TIMEOUT_MS, 'connect');
  handles += 1;
  const welcome = await c.request({ type: 'hello', session: live.id, handle: `startup${handles}`,
    name: `Startup ${handles}`, since: 0 }, 'join the live chat');
  const ms = performance.now() - srv.t0;
  const mem = memoryMb(srv.child.pid);
  if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${welcome.type}`);
  const phase = welcome.session?.phase?.phase;
  return { c, result: { ms: Math.round(ms), listening_ms: srv.listeningMs && Math.round(srv.listeningMs), ...mem, phase } };
}

/** One start of `bin` on `dir`, stopped afterwards. */
async function measureStart(bin, dir, live, what) {
  const srv = await startServer(bin, dir);
  try {
    const { c, result } = await timedJoin(srv, live);
    c.close();
    log(`${what}: welcome at ${result.ms} ms (listening at ${result.listening_ms} ms), RSS ${result.rss_mb} MB, peak ${result.hwm_mb} MB, phase ${result.phase}`);
    return result;
  } finally {
    await stopServer(srv);
  }
}

/** The previous binary creates the live chat on the copy it wrote and starts it. */
async function createLiveChat(bin, dir) {
  const srv = await startServer(bin, dir);
  try {
    const c = await withTimeout(connectWhenUp(srv), START_TIMEOUT_MS, 'connect');
    const upMs = Math.round(performance.now() - srv.t0);
    c.close();
    const created = JSON.parse(await httpJson(srv, 'POST', '/api/sessions', {
      hashtag: '#StartupBench', title: 'Startup bench', description: 'A live chat during the startup benchmark',
      mode: 'live', timezone: 'UTC', intro_minutes: 60, round_minutes: 240, wrapup_minutes: 10,
      questions: ['What did you try this week?', 'What will you change?', 'What will you read?'],
    }));
    const mod = await Connection.open(srv.port);
    await mod.request({ type: 'hello', session: created.id, handle: 'host', name: 'Host', key: created.moderator_key }, 'moderator hello');
    await mod.request({ type: 'control', action: 'start' }, 'control start');
    await mod.request({ type: 'control', action: 'next' }, 'control next');
    mod.close();
    log(`live chat ${created.id} created and started by the previous binary (it answered ${upMs} ms after exec)`);
    return { id: created.id, previous_binary_first_start_ms: upMs };
  } finally {
    await stopServer(srv);
  }
}

/** The new binary, rooms let go at once: fresh RSS, then 400 viewers one after another. */
async function letGo(bin, dir, live, archived) {
  const srv = await startServer(bin, dir, ['--room-idle-seconds=0']);
  try {
    const { c, result: start } = await timedJoin(srv, live);
    c.close();
    await untilRoomsLoaded(srv, 0, 'the live chat left');
    const fresh = memoryMb(srv.child.pid);
    const t = performance.now();
    let events = 0;
    for (const id of archived) {
      const v = await Connection.open(srv.port);
      const welcome = await v.request({ type: 'hello', session: id, view: true, since: 0 }, `view ${id}`);
      // The whole log, as evidence that the room was built from it.
      await v.untilSeq(welcome.head, `the log of ${id} up to ${welcome.head}`);
      events += v.events;
      v.close();
    }
    await untilRoomsLoaded(srv, 0, `${archived.length} archived sessions let go`);
    const seconds = round1((performance.now() - t) / 1000);
    const after = memoryMb(srv.child.pid);
    const extra = round1(after.rss_mb - fresh.rss_mb);
    const bound = TARGETS.let_go_extra_mb + cacheMb;
    log(`let go: ${archived.length} sessions viewed (${events} events read) in ${seconds} s; RSS fresh ${fresh.rss_mb} MB, after ${after.rss_mb} MB (+${extra} MB; bound ${bound} MB), peak ${after.hwm_mb} MB`);
    return {
      room_idle_seconds: 0, sessions_viewed: archived.length, events_read: events, seconds, start,
      fresh_rss_mb: fresh.rss_mb, after_rss_mb: after.rss_mb, peak_rss_mb: after.hwm_mb,
      extra_mb: extra, sqlite_cache_mb: cacheMb, bound_mb: bound, met: extra <= bound,
    };
  } finally {
    await stopServer(srv);
  }
}

function summary(runs) {
  return { median_ms: median(runs.map((r) => r.ms)), median_rss_mb: round1(median(runs.map((r) => r.rss_mb))), runs };
}

async function main() {
  const work = path.resolve(args.work);
  const base = path.join(work, 'base');
  const storeFile = path.join(args.store, DB);
  if (!existsSync(storeFile)) throw new Error(`no store at ${storeFile}: run the search benchmark first`);
  log(`copying the store (${(statSync(storeFile).size / 1e9).toFixed(2)} GB) as the previous binary writes it`);
  copyStore(args.store, base);
  sqlite(base, 'DROP INDEX IF EXISTS events_phases; PRAGMA user_version = 6;');
  const archived = sqlite(base, 'SELECT id FROM sessions ORDER BY id').split('\n').filter(Boolean);
  const posts = Number(sqlite(base, 'SELECT count(*) FROM posts'));
  const live = await createLiveChat(args.prev, base);
  const dirs = { new: path.join(work, 'new'), prev: path.join(work, 'prev') };
  copyStore(base, dirs.new);
  copyStore(base, dirs.prev);
  const bytes = statSync(path.join(base, DB)).size;

  const first = await measureStart(args.new, dirs.new, live, 'new, first start (adds events_phases)');
  if (sqlite(dirs.new, "SELECT count(*) FROM sqlite_master WHERE name = 'events_phases'") !== '1') {
    throw new Error('the first start did not add events_phases');
  }
  const restarts = { new: [], prev: [] };
  const runs = Number(args.runs);
  const prevRuns = Number(args['prev-runs']);
  for (let i = 0; i < Math.max(runs, prevRuns); i++) {
    if (i < prevRuns) restarts.prev.push(await measureStart(args.prev, dirs.prev, live, `prev, restart ${i + 1}`));
    if (i < runs) restarts.new.push(await measureStart(args.new, dirs.new, live, `new, restart ${i + 1}`));
  }
  const released = await letGo(args.new, dirs.new, live, archived);

  const neu = { label: args['new-label'], first_start: first, restarts: summary(restarts.new) };
  const result = {
    store: { posts, archived_sessions: archived.length, bytes, live_session: live.id },
    conditions: {
      sqlite_cache_mb: cacheMb, room_idle_seconds: 300, threads: 'default (cores)', log_level: 'warn',
      os_page_cache: 'warm: each copy was just written, nothing is dropped',
    },
    targets: TARGETS,
    new: neu,
    prev: { label: args['prev-label'], restarts: summary(restarts.prev),
      first_start_to_connect_ms: live.previous_binary_first_start_ms },
    let_go: released,
    met: {
      first_welcome: neu.first_start.ms <= TARGETS.first_welcome_ms,
      restart_welcome: neu.restarts.median_ms <= TARGETS.first_welcome_ms,
      rss_after_start: neu.restarts.median_rss_mb <= TARGETS.rss_after_start_mb
        && neu.first_start.rss_mb <= TARGETS.rss_after_start_mb,
      let_go: released.met,
    },
  };
  await writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
