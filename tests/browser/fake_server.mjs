#!/usr/bin/env node
// A small in-memory stand-in for the hashchat server, for developing the web client without the
// C++ build: it follows docs/protocol.md for what the client uses (sessions, hello/welcome, backlog,
// post/ack, like/unlike, edit/delete, control, announce, presence, the test clock) and takes the
// same command line. No persistence, no limits beyond the basic ones. The real server is the truth:
//   HASHCHAT_BIN=tests/browser/fake_server.mjs npm run test:browser
//   node tests/browser/fake_server.mjs --port 8080 --web-root web-client/dist   (then npm run dev)

import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';

const args = process.argv.slice(2);
function opt(name, def) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return def;
}
const port = Number(opt('port', '8080'));
const bind = opt('bind', '127.0.0.1');
const webRoot = path.resolve(opt('web-root', 'web-client/dist'));
const testClock = opt('test-clock', null);
let fixedNow = testClock ? Date.parse(testClock) : null;
const now = () => (fixedNow ?? Date.now());
const iso = (t) => (t === null ? null : new Date(t).toISOString());

const sessions = new Map(); // id -> session
const dataDir = opt('data-dir', null);
const dataFile = dataDir ? path.join(dataDir, 'fake_server.json') : null;

// Persistence, so a restart can be tested: everything but the connections, as JSON.
function save() {
  if (!dataFile) return;
  const out = [...sessions.values()].map(({ conns, handles, likes, cids, ...rest }) => ({
    ...rest,
    handles: [...handles],
    likes: [...likes].map(([k, v]) => [k, [...v]]),
    cids: [...cids],
  }));
  writeFileSync(dataFile, JSON.stringify(out));
}
if (dataFile && existsSync(dataFile)) {
  for (const s of JSON.parse(readFileSync(dataFile, 'utf8'))) {
    sessions.set(s.id, {
      ...s,
      conns: new Set(),
      handles: new Map(s.handles),
      likes: new Map(s.likes.map(([k, v]) => [k, new Set(v)])),
      cids: new Map(s.cids),
    });
  }
}

function slug(tag) {
  return tag.replace(/^#/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chat';
}

/** The timetable as a list of parts: intro, per question [talk], round, wrap-up. */
function parts(s) {
  const out = [{ phase: 'intro', round: 0, minutes: s.intro_minutes }];
  for (const q of s.questions) {
    const talk = q.talk_minutes ?? s.talk_minutes;
    if (talk > 0) out.push({ phase: 'talk', round: q.round, minutes: talk });
    out.push({ phase: 'round', round: q.round, minutes: q.round_minutes ?? s.round_minutes });
  }
  out.push({ phase: 'wrapup', round: null, minutes: s.wrapup_minutes });
  return out;
}

function phaseOf(s) {
  const p = s.state;
  if (p.phase === 'scheduled') {
    return { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: s.startAt === null ? null : iso(s.startAt), segment: -1 };
  }
  if (p.phase === 'closed') return { phase: 'closed', round: null, question: null, started_at: null, ends_at: null, segment: p.segment };
  const part = parts(s)[p.segment];
  const question = part.round ? s.questions[part.round - 1].text : null;
  if (p.phase === 'paused') {
    return { phase: 'paused', round: part.round, question, started_at: null, ends_at: null, segment: p.segment, remaining_ms: p.remaining, resume_phase: part.phase };
  }
  return { phase: part.phase, round: part.round, question, started_at: iso(p.started), ends_at: iso(p.ends), segment: p.segment };
}

function append(s, ev) {
  const full = { type: 'event', seq: s.events.length + 1, at: iso(now()), ...ev };
  s.events.push(full);
  save();
  for (const c of s.conns) c.send(full);
  return full.seq;
}

function enter(s, segment, at) {
  const list = parts(s);
  if (segment >= list.length) {
    s.state = { phase: 'closed', segment };
  } else {
    const part = list[segment];
    s.state = { phase: part.phase, segment, started: at, ends: at + part.minutes * 60000 };
  }
  return append(s, { kind: 'phase', ...phaseOf(s) });
}

function runDue(s) {
  for (;;) {
    const p = s.state;
    if (p.phase === 'scheduled' && s.startAt !== null && now() >= s.startAt) enter(s, 0, s.startAt);
    else if (p.started !== undefined && p.phase !== 'paused' && p.phase !== 'closed' && now() >= p.ends) enter(s, p.segment + 1, p.ends);
    else break;
  }
}

function publicSession(s) {
  const { conns, events, state, startAt, keyHash, handles, likes, ...rest } = s;
  return { ...rest, start: iso(startAt), phase: phaseOf(s), head: events.length, online: conns.size };
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

function create(b) {
  if (typeof b.hashtag !== 'string' || !/^#?\w/.test(b.hashtag)) return [400, { error: 'bad_request', message: 'hashtag' }];
  if (!Array.isArray(b.questions) || b.questions.length === 0) return [400, { error: 'bad_request', message: 'questions' }];
  const startAt = b.start ? Date.parse(`${b.start}Z`) : null; // the fake ignores the zone
  const date = iso(startAt ?? now()).slice(0, 10);
  let id = `${slug(b.hashtag)}-${date}`;
  for (let n = 2; sessions.has(id); n++) id = `${slug(b.hashtag)}-${date}-${n}`;
  const key = crypto.randomBytes(18).toString('base64url');
  const s = {
    id,
    hashtag: b.hashtag.startsWith('#') ? b.hashtag : `#${b.hashtag}`,
    title: b.title ?? '',
    description: b.description ?? '',
    mode: 'live',
    timezone: b.timezone ?? 'UTC',
    intro_minutes: b.intro_minutes ?? 5,
    round_minutes: b.round_minutes ?? 8,
    talk_minutes: b.talk_minutes ?? 0,
    wrapup_minutes: b.wrapup_minutes ?? 5,
    questions: b.questions.map((q, i) => (typeof q === 'string' ? { round: i + 1, text: q } : { round: i + 1, ...q })),
    options: { premoderation: false, slowdown_seconds: 0 },
    created_at: iso(now()),
    startAt,
    keyHash: key,
    state: { phase: 'scheduled' },
    events: [],
    conns: new Set(),
    handles: new Map(), // lower handle -> {handle, token}
    likes: new Map(), // seq -> Set(handle)
    cids: new Map(), // author/cid -> seq
  };
  sessions.set(id, s);
  save();
  return [201, { id, moderator_key: key, urls: { join: `/s/${id}`, moderate: `/s/${id}/moderate#key=${key}`, screen: `/s/${id}/screen` } }];
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  try {
    if (p === '/api/sessions' && req.method === 'POST') {
      const [status, out] = create(await body(req));
      return sendJson(res, status, out);
    }
    if (p === '/api/sessions' && req.method === 'GET') {
      return sendJson(res, 200, { sessions: [...sessions.values()].reverse().map(publicSession) });
    }
    let m = /^\/api\/sessions\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') {
      const s = sessions.get(decodeURIComponent(m[1]));
      return s ? sendJson(res, 200, publicSession(s)) : sendJson(res, 404, { error: 'not_found', message: 'No such session.' });
    }
    if (p === '/api/test/clock' && req.method === 'POST' && fixedNow !== null) {
      const b = await body(req);
      fixedNow += (b.advance_seconds ?? 0) * 1000;
      for (const s of sessions.values()) runDue(s);
      return sendJson(res, 200, { now: iso(now()) });
    }
    if (p === '/healthz') return sendJson(res, 200, { status: 'ok', now: iso(now()) });
    if (p.startsWith('/api/')) return sendJson(res, 404, { error: 'not_found', message: 'No such route.' });
    if (p.startsWith('/assets/')) {
      const file = path.join(webRoot, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
      if (!file.startsWith(webRoot)) return sendJson(res, 404, { error: 'not_found', message: '' });
      const data = await readFile(file);
      const type = p.endsWith('.js') ? 'text/javascript' : p.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type });
      return res.end(data);
    }
    if (p === '/' || /^\/s\/[^/]+(\/(moderate|screen))?$/.test(p)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(await readFile(path.join(webRoot, 'index.html')));
    }
    sendJson(res, 404, { error: 'not_found', message: 'Not found.' });
  } catch (e) {
    sendJson(res, e instanceof SyntaxError ? 400 : 500, { error: 'bad_request', message: String(e) });
  }
});

const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => {
  const conn = { ws, session: null, handle: null, role: null, send: (m) => ws.send(JSON.stringify(m)) };
  const err = (code, message, extra = {}) => conn.send({ type: 'error', code, message, ...extra });
  const presence = (s) => {
    for (const c of s.conns) c.send({ type: 'presence', online: s.conns.size });
  };
  ws.on('close', () => {
    if (conn.session) {
      conn.session.conns.delete(conn);
      presence(conn.session);
    }
  });
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return err('bad_request', 'Malformed JSON.');
    }
    const rid = msg.rid !== undefined ? { rid: msg.rid } : {};
    const ok = (seq) => conn.send({ type: 'ok', ...rid, ...(seq ? { seq } : {}) });
    if (msg.type === 'ping') return conn.send({ type: 'pong', ...rid });
    if (msg.type === 'hello') {
      if (conn.session) return err('bad_request', 'Already joined.', rid);
      const s = sessions.get(msg.session);
      if (!s) return err('not_found', 'No such session.', rid);
      if (typeof msg.handle !== 'string' || !/^[A-Za-z0-9_]{1,20}$/.test(msg.handle)) return err('bad_handle', 'Bad handle.', rid);
      if (msg.key !== undefined && msg.key !== s.keyHash) return err('bad_key', 'Wrong key.', rid);
      const since = msg.since ?? 0;
      if (since > s.events.length) return err('bad_since', 'since is past head.', rid);
      const known = s.handles.get(msg.handle.toLowerCase());
      let token;
      if (known) {
        if (msg.token === undefined) return err('handle_taken', 'Handle taken.', rid);
        if (msg.token !== known.token) return err('bad_token', 'Bad token.', rid);
      } else {
        token = crypto.randomBytes(12).toString('base64url');
        s.handles.set(msg.handle.toLowerCase(), { handle: msg.handle, token });
        save();
      }
      runDue(s);
      conn.session = s;
      conn.handle = msg.handle;
      conn.name = msg.name;
      conn.role = msg.key !== undefined ? 'moderator' : 'participant';
      conn.send({
        type: 'welcome', protocol: 1, ...rid, now: iso(now()), head: s.events.length,
        you: { handle: msg.handle, name: msg.name, role: conn.role, ...(token ? { token } : {}) },
        session: publicSession(s),
      });
      const backlog = s.events.slice(since);
      for (let i = 0; i < backlog.length; i += 500) conn.send({ type: 'events', events: backlog.slice(i, i + 500) });
      s.conns.add(conn);
      presence(s);
      return;
    }
    const s = conn.session;
    if (!s) return err('not_joined', 'Say hello first.', rid);
    runDue(s);
    const closed = s.state.phase === 'closed';
    const visible = (seq) => {
      const e = s.events[seq - 1];
      return e && e.kind === 'post' && !s.events.some((x) => x.kind === 'delete' && x.target === seq);
    };
    switch (msg.type) {
      case 'post': {
        const cidKey = `${conn.handle.toLowerCase()}/${msg.cid}`;
        if (s.cids.has(cidKey)) return conn.send({ type: 'ack', cid: msg.cid, seq: s.cids.get(cidKey), ...rid });
        const text = typeof msg.text === 'string' ? msg.text.trim() : '';
        if (!text) return err('empty', 'Empty post.', { ...rid, cid: msg.cid });
        if ([...msg.text].length > 1000) return err('too_long', 'A post can have at most 1000 characters.', { ...rid, cid: msg.cid });
        if (closed) return err('closed', 'The chat is closed.', { ...rid, cid: msg.cid });
        if (msg.reply_to !== undefined && !visible(msg.reply_to)) return err('not_found', 'No such post.', { ...rid, cid: msg.cid });
        const ph = phaseOf(s);
        let round = ph.phase === 'wrapup' || ph.phase === 'scheduled' ? null : ph.round;
        const pm = /^\s*[Aa](\d+)[:\s).\-]/.exec(msg.text);
        if (msg.reply_to !== undefined) round = s.events[msg.reply_to - 1].round;
        if (pm) round = Number(pm[1]);
        if (msg.round !== undefined) round = msg.round;
        const mentions = [...msg.text.matchAll(/@([A-Za-z0-9_]{1,20})/g)].map((x) => x[1]);
        const seq = append(s, { kind: 'post', author: conn.handle, name: conn.name, role: conn.role, text: msg.text, round, reply_to: msg.reply_to ?? null, mentions });
        s.cids.set(cidKey, seq);
        save();
        return conn.send({ type: 'ack', cid: msg.cid, seq, ...rid });
      }
      case 'like':
      case 'unlike': {
        if (!visible(msg.seq)) return err('not_found', 'No such post.', rid);
        const set = s.likes.get(msg.seq) ?? new Set();
        s.likes.set(msg.seq, set);
        const me = conn.handle.toLowerCase();
        if ((msg.type === 'like') === set.has(me)) return err('bad_request', msg.type === 'like' ? 'Already liked.' : 'Not liked.', rid);
        if (msg.type === 'like') set.add(me);
        else set.delete(me);
        save();
        return ok(append(s, { kind: msg.type, target: msg.seq, author: conn.handle, count: set.size }));
      }
      case 'edit':
      case 'delete': {
        if (!visible(msg.seq)) return err('not_found', 'No such post.', rid);
        const mine = s.events[msg.seq - 1].author.toLowerCase() === conn.handle.toLowerCase();
        if (!mine && !(msg.type === 'delete' && conn.role === 'moderator')) return err('not_allowed', 'Not yours.', rid);
        if (closed) return err('closed', 'The chat is closed.', rid);
        if (msg.type === 'edit') return ok(append(s, { kind: 'edit', target: msg.seq, author: conn.handle, text: msg.text, mentions: [] }));
        return ok(append(s, { kind: 'delete', target: msg.seq, author: conn.handle }));
      }
      case 'announce':
        if (conn.role !== 'moderator') return err('not_allowed', 'Moderators only.', rid);
        return ok(append(s, { kind: 'announce', author: conn.handle, name: conn.name, text: msg.text }));
      case 'control': {
        if (conn.role !== 'moderator') return err('not_allowed', 'Moderators only.', rid);
        if (closed) return err('closed', 'The chat is closed.', rid);
        const st = s.state;
        const t = now();
        switch (msg.action) {
          case 'start':
            if (st.phase !== 'scheduled') return err('bad_request', 'Already started.', rid);
            return ok(enter(s, 0, t));
          case 'next':
            if (st.phase === 'scheduled' || st.phase === 'paused') return err('bad_request', 'Not now.', rid);
            return ok(enter(s, st.segment + 1, t));
          case 'extend':
            if (st.phase === 'scheduled' || st.phase === 'paused') return err('bad_request', 'Not now.', rid);
            st.ends += msg.minutes * 60000;
            return ok(append(s, { kind: 'phase', ...phaseOf(s) }));
          case 'pause':
            if (st.phase === 'scheduled' || st.phase === 'paused') return err('bad_request', 'Not now.', rid);
            s.state = { phase: 'paused', segment: st.segment, remaining: st.ends - t, was: st };
            return ok(append(s, { kind: 'phase', ...phaseOf(s) }));
          case 'resume':
            if (st.phase !== 'paused') return err('bad_request', 'Not paused.', rid);
            s.state = { ...st.was, started: t, ends: t + st.remaining };
            return ok(append(s, { kind: 'phase', ...phaseOf(s) }));
          case 'end':
            s.state = { phase: 'closed', segment: parts(s).length };
            return ok(append(s, { kind: 'phase', ...phaseOf(s) }));
          default:
            return err('bad_request', 'Unknown action.', rid);
        }
      }
      default:
        return err('unknown_type', 'Unknown type.', rid);
    }
  });
});

server.listen(port, bind, () => {
  console.log(`hashchat: listening on http://${bind}:${server.address().port}`);
});
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.close(1012);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
