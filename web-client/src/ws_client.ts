// The one WebSocket connection of a page: join (hello), resume after drops with `since`, drop
// duplicate events, detect gaps, reconnect with backoff, and an outbox of posts that survives a
// reload and is resent until acknowledged. No DOM here: the socket, storage and clock are injected.

import type {
  AckMsg,
  ChatEvent,
  ClientError,
  ClientRequest,
  ErrorMsg,
  ModMsg,
  ServerMessage,
  WelcomeMsg,
} from './protocol';

export type ConnState = 'offline' | 'connecting' | 'online' | 'failed';

/** The part of the browser WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketCtor = new (url: string) => SocketLike;

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export interface OutboxItem {
  cid: string;
  text: string;
  round?: number;
  reply_to?: number;
  created: number;
}

export interface ClientOptions {
  url: string;
  session: string;
  handle: string;
  name: string;
  key?: string;
  /** A read-only viewer (the pub screen): `hello` with `view: true` and no handle or token. */
  view?: boolean;
  since?: number;
  WebSocket?: SocketCtor;
  storage?: StorageLike;
  clock?: Clock;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  pingIntervalMs?: number;
  /** How long reconnectNow() waits for any answer on an open connection. */
  checkTimeoutMs?: number;
}

/** A post acknowledged with `pending`: it waits in the moderators' queue (or was rejected). */
export interface HeldPost {
  item: OutboxItem;
  pending: number;
  /** A moderator rejected it (error not_allowed with its cid); kept until the user dismisses it. */
  rejected: boolean;
  message?: string;
}

export interface ClientEventMap {
  state: ConnState;
  welcome: WelcomeMsg;
  event: ChatEvent;
  reset: void;
  gap: { expected: number; got: number };
  presence: number;
  mod: ModMsg;
  outbox: void;
  ack: { cid: string; seq?: number };
  post_error: { item: OutboxItem; error: ErrorMsg };
  fatal: ErrorMsg;
  error: ErrorMsg;
}

type Listener<T> = (value: T) => void;

interface PendingRequest {
  msg: object;
  resolve: (m: ServerMessage) => void;
  reject: (e: ClientError) => void;
  /** rate_limited answers so far, and the timer of the next try. */
  tries: number;
  timer: unknown;
}

/** How many times a request refused with rate_limited is sent again before it fails. */
const MAX_REQUEST_RETRIES = 5;

const OPEN = 1;
/** Hello errors after which reconnecting cannot help. */
const FATAL_JOIN = new Set([
  'not_found',
  'bad_handle',
  'bad_request',
  'handle_taken',
  'bad_token',
  'bad_key',
  'banned',
]);

export const defaultClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** In-memory storage for when localStorage is unavailable (private mode, tests). */
export class MemoryStorage implements StorageLike {
  private map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.has(key) ? (this.map.get(key) as string) : null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

/** How long to wait after a rate_limited error: its retry_after_ms (default 2 s), at most 5 minutes. */
export function retryDelay(msg: ErrorMsg): number {
  const ms = msg.retry_after_ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 2000;
  return Math.min(ms, 300_000);
}

export function tokenKey(session: string, handle: string): string {
  return `hashchat:token:${session}:${handle.toLowerCase()}`;
}

/** A token this client made up for its first join, kept until a welcome confirms it. */
export function claimKey(session: string, handle: string): string {
  return `hashchat:claim:${session}:${handle.toLowerCase()}`;
}

/** 24 random bytes, base64url: the resume token a client proposes for a new handle. */
export function makeToken(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export function outboxKey(session: string, handle: string): string {
  return `hashchat:outbox:${session}:${handle.toLowerCase()}`;
}
/** Posts waiting for a moderator's approval (or rejected and not yet dismissed). */
export function heldKey(session: string, handle: string): string {
  return `hashchat:held:${session}:${handle.toLowerCase()}`;
}

export class ChatClient {
  state: ConnState = 'offline';
  /** The newest seq applied; events with seq <= lastSeq are duplicates. */
  lastSeq: number;
  head = 0;
  /** server clock minus local clock, from welcome.now. */
  skewMs = 0;
  you: WelcomeMsg['you'] | null = null;
  duplicates = 0;
  /** Delay of the reconnect that is scheduled (or was last scheduled), for display and tests. */
  nextDelayMs = 0;
  /** When (clock.now()) the scheduled reconnect fires; null when none is scheduled. */
  reconnectAt: number | null = null;
  /** The close code of the last dropped connection (0: dropped by this client, 1006: no close frame). */
  lastCloseCode = 0;

  private readonly opts: ClientOptions;
  private readonly WS: SocketCtor;
  private readonly storage: StorageLike;
  private readonly clock: Clock;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly pingIntervalMs: number;
  private readonly checkTimeoutMs: number;

  private ws: SocketLike | null = null;
  private joined = false;
  private stopped = true;
  private attempts = 0;
  private reconnectTimer: unknown = null;
  private pingTimer: unknown = null;
  /** Posts refused with rate_limited: resent on this connection when their timer fires. */
  private retryTimers = new Map<string, { timer: unknown; at: number }>();
  private heardSincePing = true;
  private ridCounter = 0;
  private helloRid = '';
  /** The hello in flight presents a token this client made up (not yet confirmed by a welcome). */
  private claiming = false;
  private requests = new Map<string, PendingRequest>();
  private outboxItems: OutboxItem[];
  /** Posts acknowledged whose event has not arrived yet: still shown as pending. */
  private sent = new Map<string, { item: OutboxItem; seq: number }>();
  /** Posts acknowledged with `pending` (pre-moderation): not resent on this connection. */
  private held = new Map<string, HeldPost>();
  /** A `ban` event named this client's handle: a following close 1008 is a ban. */
  private banSeen = false;
  /** Set by networkLost(), cleared by reconnectNow() (the browser's `online` event). */
  private noNetwork = false;
  private listeners: { [K in keyof ClientEventMap]?: Listener<ClientEventMap[K]>[] } = {};

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.WS = opts.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor);
    this.storage = opts.storage ?? new MemoryStorage();
    this.clock = opts.clock ?? defaultClock;
    this.backoffInitialMs = opts.backoffInitialMs ?? 500;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30000;
    this.pingIntervalMs = opts.pingIntervalMs ?? 25000;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 5000;
    this.lastSeq = opts.since ?? 0;
    this.outboxItems = this.loadOutbox();
    for (const h of this.loadHeld()) this.held.set(h.item.cid, h);
  }

  on<K extends keyof ClientEventMap>(type: K, fn: Listener<ClientEventMap[K]>): () => void {
    const list = (this.listeners[type] ??= []) as Listener<ClientEventMap[K]>[];
    list.push(fn);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  private emit<K extends keyof ClientEventMap>(type: K, value: ClientEventMap[K]): void {
    const list = this.listeners[type] as Listener<ClientEventMap[K]>[] | undefined;
    if (!list) return;
    for (const fn of [...list]) fn(value);
  }

  get online(): boolean {
    return this.state === 'online';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.joined = false;
    this.rejectRequests();
    if (ws) ws.close(1000);
    this.setState('offline');
  }

  /**
   * The browser came back online or the tab is shown again: reconnect now instead of waiting for
   * the backoff, or, when a connection seems open, check it quickly (a phone that slept often holds
   * a dead socket that would otherwise take two ping intervals to notice).
   */
  reconnectNow(): void {
    if (this.stopped || this.state === 'failed') return;
    this.noNetwork = false;
    if (!this.ws) {
      this.open();
      return;
    }
    if (!this.joined) return;
    this.heardSincePing = false;
    this.send({ type: 'ping' });
    this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = this.clock.setTimeout(() => {
      if (!this.heardSincePing) this.drop();
      else this.schedulePing();
    }, this.checkTimeoutMs);
  }

  /**
   * The browser says the network is gone (its `offline` event). A socket that looks open is dead
   * (Chromium keeps it for tens of seconds, and a post would show "sending…" all that time), so it
   * is dropped now and the outbox shows as waiting at once. The next attempt waits for the network
   * to come back (reconnectNow on `online`), with the longest backoff step as a safety net in case
   * that event never comes.
   */
  networkLost(): void {
    if (this.stopped || this.state === 'failed') return;
    this.noNetwork = true;
    if (this.ws) {
      this.drop(this.backoffMaxMs);
      return;
    }
    this.scheduleReconnect(this.backoffMaxMs);
    this.setState('offline');
    this.emit('outbox', undefined);
  }

  /** Whether the browser said the network is gone and has not said it is back. */
  get networkDown(): boolean {
    return this.noNetwork;
  }

  /** Pending posts: not yet acknowledged, or acknowledged but their event has not arrived. */
  pending(): OutboxItem[] {
    return [...this.outboxItems, ...[...this.sent.values()].map((s) => s.item)];
  }

  /** Posts waiting for a moderator's approval, and rejected ones not yet dismissed, oldest first. */
  heldPosts(): HeldPost[] {
    return [...this.held.values()].sort((a, b) => a.item.created - b.item.created);
  }

  /** Queues a post; it is sent now if joined and after every (re)join until its ack arrives. */
  post(text: string, opts: { round?: number; reply_to?: number } = {}): string {
    const item: OutboxItem = { cid: this.newCid(), text, created: this.clock.now() };
    if (opts.round !== undefined) item.round = opts.round;
    if (opts.reply_to !== undefined) item.reply_to = opts.reply_to;
    this.outboxItems.push(item);
    this.saveOutbox();
    this.emit('outbox', undefined);
    if (this.joined) this.sendPost(item);
    return item.cid;
  }

  /** Drops a pending post from the outbox (the user gave up on it), or a held or rejected one. */
  discard(cid: string): void {
    const retry = this.retryTimers.get(cid);
    if (retry) {
      this.clock.clearTimeout(retry.timer);
      this.retryTimers.delete(cid);
    }
    const before = this.outboxItems.length;
    this.outboxItems = this.outboxItems.filter((i) => i.cid !== cid);
    const wasHeld = this.held.delete(cid);
    if (wasHeld) this.saveHeld();
    if (this.outboxItems.length !== before || wasHeld) {
      if (this.outboxItems.length !== before) this.saveOutbox();
      this.emit('outbox', undefined);
    }
  }

  /** Sends a message with a fresh rid; resolves with its answer, rejects with its error. */
  request(msg: ClientRequest): Promise<ServerMessage> {
    if (!this.joined || !this.ws) {
      return Promise.reject<ServerMessage>({ code: 'offline', message: 'You are offline; try again when connected.' });
    }
    const rid = this.nextRid();
    return new Promise<ServerMessage>((resolve, reject) => {
      this.requests.set(rid, { msg, resolve, reject, tries: 0, timer: null });
      this.send({ ...msg, rid });
    });
  }

  /** Local time corrected to the server's clock. */
  serverNow(): number {
    return this.clock.now() + this.skewMs;
  }

  // ---- connection ----

  private open(): void {
    this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.reconnectAt = null;
    this.setState('connecting');
    let ws: SocketLike;
    try {
      ws = new this.WS(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws === ws) this.sendHello();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.heardSincePing = true;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg && typeof msg === 'object') this.handle(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.disconnected(ev.code);
    };
    ws.onerror = () => {
      // A close event follows.
    };
  }

  private sendHello(): void {
    this.helloRid = this.nextRid();
    if (this.opts.view) {
      this.send({ type: 'hello', session: this.opts.session, view: true, since: this.lastSeq, rid: this.helloRid });
      return;
    }
    const hello: Record<string, unknown> = {
      type: 'hello',
      session: this.opts.session,
      handle: this.opts.handle,
      name: this.opts.name,
      since: this.lastSeq,
      rid: this.helloRid,
    };
    // Known handle: its token. New handle: a token of our own making, kept before it is sent, so
    // that a welcome lost on the way costs nothing (the next hello presents the same token).
    let token = this.storage.getItem(tokenKey(this.opts.session, this.opts.handle));
    this.claiming = !token;
    if (!token) {
      const key = claimKey(this.opts.session, this.opts.handle);
      token = this.storage.getItem(key) ?? makeToken();
      this.storage.setItem(key, token);
    }
    hello.token = token;
    if (this.opts.key) hello.key = this.opts.key;
    this.send(hello);
  }

  /** Gives up on the current socket (gap, dead connection) and reconnects, not before minDelayMs. */
  private drop(minDelayMs = 0): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    try {
      ws.close(1000);
    } catch {
      // already closed
    }
    this.disconnected(0, minDelayMs);
  }

  /**
   * The connection is gone. Close codes (docs/protocol.md): 1008 refused: stop for good; 1012 the
   * server is restarting: reconnect promptly (within the first backoff step, spread so that a whole
   * room does not come back in the same millisecond); 4001 this connection fell behind its queue
   * bound, 1006 cut, anything else: resume after the usual backoff. The outbox is resent after the
   * next welcome in every case.
   */
  private disconnected(code: number, minDelayMs = 0): void {
    this.ws = null;
    this.joined = false;
    this.lastCloseCode = code;
    this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = null;
    this.clearRetries();
    this.rejectRequests();
    if (this.stopped || this.state === 'failed') return;
    if (code === 1008) {
      // Closed by policy: banned by a moderator (or, for a moderator, a revoked key). Final.
      this.fail(
        this.banSeen
          ? { type: 'error', code: 'banned', message: 'A moderator has banned you from this chat.' }
          : { type: 'error', code: 'refused', message: 'The server closed this connection by policy (a ban or a revoked key).' },
      );
      return;
    }
    this.setState('offline');
    this.scheduleReconnect(minDelayMs, code === 1012);
  }

  private scheduleReconnect(minDelayMs = 0, prompt = false): void {
    if (this.stopped) return;
    const base = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** this.attempts);
    this.attempts += 1;
    // "Equal jitter": at least half the base, so delays grow, but clients don't reconnect in lockstep.
    // A restarting server (1012) is retried within the first step, fully jittered.
    const delay = prompt
      ? this.clock.random() * this.backoffInitialMs
      : base / 2 + (this.clock.random() * base) / 2;
    this.nextDelayMs = Math.round(Math.max(minDelayMs, delay));
    this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectAt = this.clock.now() + this.nextDelayMs;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, this.nextDelayMs);
  }

  private fail(err: ErrorMsg): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.joined = false;
    if (ws) ws.close(1000);
    this.setState('failed');
    this.emit('fatal', err);
  }

  private clearTimers(): void {
    this.clock.clearTimeout(this.reconnectTimer);
    this.clock.clearTimeout(this.pingTimer);
    this.reconnectTimer = this.pingTimer = null;
    this.reconnectAt = null;
    this.clearRetries();
  }

  /** Forgets the rate_limited timers: after a reconnect the whole outbox is sent anyway. */
  private clearRetries(): void {
    for (const r of this.retryTimers.values()) this.clock.clearTimeout(r.timer);
    this.retryTimers.clear();
  }

  private schedulePing(): void {
    this.clock.clearTimeout(this.pingTimer);
    this.heardSincePing = true;
    const tick = () => {
      if (!this.joined) return;
      if (!this.heardSincePing) {
        // Nothing came back for a whole interval: the connection is dead (phones lose them silently).
        this.drop();
        return;
      }
      this.heardSincePing = false;
      this.send({ type: 'ping' });
      this.pingTimer = this.clock.setTimeout(tick, this.pingIntervalMs);
    };
    this.pingTimer = this.clock.setTimeout(tick, this.pingIntervalMs);
  }

  // ---- messages ----

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.welcomed(msg);
        break;
      case 'event':
        this.apply(msg as ChatEvent);
        break;
      case 'events':
        for (const ev of msg.events) {
          if (!this.apply(ev)) break;
        }
        break;
      case 'ack':
        this.acked(msg);
        break;
      case 'ok':
      case 'pong':
        this.settle(msg.rid, msg);
        break;
      case 'presence':
        this.emit('presence', msg.online);
        break;
      case 'mod':
        this.emit('mod', msg);
        break;
      case 'error':
        this.errored(msg);
        break;
      default:
        break;
    }
  }

  private welcomed(msg: WelcomeMsg): void {
    this.joined = true;
    this.attempts = 0;
    this.head = msg.head;
    this.you = msg.you;
    const now = Date.parse(msg.now);
    if (!Number.isNaN(now)) this.skewMs = now - this.clock.now();
    if (!this.opts.view) {
      const claim = claimKey(this.opts.session, this.opts.handle);
      const token = msg.you.token ?? (this.claiming ? this.storage.getItem(claim) : null);
      if (token) this.storage.setItem(tokenKey(this.opts.session, this.opts.handle), token);
      this.storage.removeItem(claim);
      this.claiming = false;
    }
    this.setState('online');
    this.emit('welcome', msg);
    this.flushOutbox();
    this.schedulePing();
  }

  /** Applies one event; false when it revealed a gap (the connection is then being renewed). */
  private apply(ev: ChatEvent): boolean {
    if (typeof ev.seq !== 'number') return true;
    if (ev.seq <= this.lastSeq) {
      this.duplicates += 1;
      return true;
    }
    if (ev.seq !== this.lastSeq + 1) {
      this.emit('gap', { expected: this.lastSeq + 1, got: ev.seq });
      this.drop();
      return false;
    }
    this.lastSeq = ev.seq;
    if (ev.kind === 'ban' && typeof ev.handle === 'string' && ev.handle.toLowerCase() === this.opts.handle.toLowerCase()) {
      this.banSeen = true;
    }
    this.emit('event', ev);
    let changed = false;
    for (const [cid, s] of this.sent) {
      if (s.seq <= this.lastSeq) {
        this.sent.delete(cid);
        changed = true;
      }
    }
    if (changed) this.emit('outbox', undefined);
    return true;
  }

  /**
   * An ack: with `seq` the post is in the log (maybe after a moderator approved it); with `pending`
   * it waits in the moderators' queue: it leaves the outbox (it is durable on the server and is not
   * resent on this connection) and is kept as held, shown as waiting, until the outcome arrives.
   */
  private acked(msg: AckMsg): void {
    const outboxItem = this.outboxItems.find((i) => i.cid === msg.cid);
    const heldPost = this.held.get(msg.cid);
    const item = outboxItem ?? heldPost?.item;
    const retry = this.retryTimers.get(msg.cid);
    if (retry) {
      this.clock.clearTimeout(retry.timer);
      this.retryTimers.delete(msg.cid);
    }
    if (item) {
      if (outboxItem) {
        this.outboxItems = this.outboxItems.filter((i) => i !== outboxItem);
        this.saveOutbox();
      }
      if (typeof msg.seq === 'number') {
        if (heldPost) {
          this.held.delete(msg.cid);
          this.saveHeld();
        }
        if (msg.seq > this.lastSeq) this.sent.set(item.cid, { item, seq: msg.seq });
      } else if (typeof msg.pending === 'number') {
        this.held.set(item.cid, { item, pending: msg.pending, rejected: false });
        this.saveHeld();
      }
      this.emit('outbox', undefined);
    }
    this.emit('ack', { cid: msg.cid, seq: msg.seq });
    this.settle(msg.rid, msg);
  }

  private errored(msg: ErrorMsg): void {
    if (msg.rid !== undefined && msg.rid === this.helloRid && !this.joined) {
      if (msg.code === 'bad_since') {
        // The server knows less than we do (a different or restored log): start over from 0.
        this.lastSeq = 0;
        this.sent.clear();
        this.emit('reset', undefined);
        this.sendHello();
        return;
      }
      if (FATAL_JOIN.has(msg.code)) {
        if (msg.code === 'bad_token' && this.claiming) {
          // Our made-up token met a handle someone else holds: to the user, the handle is taken.
          this.storage.removeItem(claimKey(this.opts.session, this.opts.handle));
          this.fail({ ...msg, code: 'handle_taken' });
          return;
        }
        this.fail(msg);
        return;
      }
      // Anything else (rate_limited, a server hiccup): try again later, not before retry_after_ms.
      this.drop(msg.code === 'rate_limited' ? retryDelay(msg) : 0);
      return;
    }
    if (msg.code === 'banned') {
      // Banned while connected (a command refused): final, no reconnect loop.
      this.fail(msg);
      return;
    }
    if (msg.cid !== undefined) {
      const heldPost = this.held.get(msg.cid);
      if (heldPost && msg.code === 'not_allowed') {
        // A moderator rejected the waiting post: keep it, marked, until the user dismisses it.
        heldPost.rejected = true;
        heldPost.message = msg.message;
        this.saveHeld();
        this.emit('outbox', undefined);
      }
      const item = this.outboxItems.find((i) => i.cid === msg.cid);
      if (item) {
        if (msg.code === 'rate_limited' || msg.code === 'store_unavailable') {
          // Overload, or the server cannot reach its store: the post stays in the outbox and goes
          // again after retry_after_ms (on this connection; a reconnect in between sends the
          // whole outbox after its welcome anyway).
          this.retryLater(item, retryDelay(msg));
        } else if (msg.code !== 'not_joined') {
          // Refused for good (too long, empty, closed...): sending it again would not help.
          this.discard(item.cid);
          this.emit('post_error', { item, error: msg });
        }
      }
    }
    const req = msg.rid !== undefined ? this.requests.get(msg.rid) : undefined;
    if (msg.rid !== undefined && req) {
      if (msg.code === 'rate_limited' && msg.cid === undefined && req.tries < MAX_REQUEST_RETRIES) {
        // Overload: the server did nothing; send the same request (same rid) again later.
        const rid = msg.rid;
        req.tries += 1;
        req.timer = this.clock.setTimeout(() => {
          req.timer = null;
          if (this.requests.get(rid) === req && this.joined) this.send({ ...req.msg, rid });
        }, retryDelay(msg));
        return;
      }
      this.requests.delete(msg.rid);
      req.reject({ code: msg.code, message: msg.message });
      return;
    }
    if (msg.cid === undefined) this.emit('error', msg);
  }

  private settle(rid: string | undefined, msg: ServerMessage): void {
    if (rid === undefined) return;
    const req = this.requests.get(rid);
    if (!req) return;
    this.requests.delete(rid);
    req.resolve(msg);
  }

  private rejectRequests(): void {
    const reqs = [...this.requests.values()];
    this.requests.clear();
    for (const r of reqs) this.clock.clearTimeout(r.timer);
    for (const r of reqs) r.reject({ code: 'offline', message: 'The connection dropped before the answer came.' });
  }

  // ---- outbox ----

  private retryLater(item: OutboxItem, delayMs: number): void {
    const old = this.retryTimers.get(item.cid);
    if (old) this.clock.clearTimeout(old.timer);
    const timer = this.clock.setTimeout(() => {
      this.retryTimers.delete(item.cid);
      if (this.joined && this.outboxItems.includes(item)) this.sendPost(item);
      this.emit('outbox', undefined);
    }, delayMs);
    this.retryTimers.set(item.cid, { timer, at: this.clock.now() + delayMs });
    this.emit('outbox', undefined);
  }

  /** Milliseconds until the scheduled reconnect, or null when none is scheduled. */
  reconnectInMs(): number | null {
    return this.reconnectAt === null ? null : Math.max(0, this.reconnectAt - this.clock.now());
  }

  /** When a post refused with rate_limited will be sent again (clock.now() time), or null. */
  retryAt(cid: string): number | null {
    return this.retryTimers.get(cid)?.at ?? null;
  }

  private flushOutbox(): void {
    for (const item of this.outboxItems) this.sendPost(item);
    // Held posts go again once per connection, only to learn their fate if it was decided while
    // this client was away: the server answers a known cid with the same pending ack, the ack with
    // the seq (approved) or not_allowed (rejected), and never makes a second post.
    for (const h of this.held.values()) if (!h.rejected) this.sendPost(h.item);
  }

  private sendPost(item: OutboxItem): void {
    const msg: Record<string, unknown> = { type: 'post', cid: item.cid, text: item.text };
    if (item.round !== undefined) msg.round = item.round;
    if (item.reply_to !== undefined) msg.reply_to = item.reply_to;
    this.send(msg);
  }

  private loadOutbox(): OutboxItem[] {
    try {
      const raw = this.storage.getItem(outboxKey(this.opts.session, this.opts.handle));
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed)
        ? (parsed as OutboxItem[]).filter((i) => i && typeof i.cid === 'string' && typeof i.text === 'string')
        : [];
    } catch {
      return [];
    }
  }

  private loadHeld(): HeldPost[] {
    try {
      const raw = this.storage.getItem(heldKey(this.opts.session, this.opts.handle));
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed)
        ? (parsed as HeldPost[]).filter(
            (h) => h && h.item && typeof h.item.cid === 'string' && typeof h.item.text === 'string' && typeof h.pending === 'number',
          )
        : [];
    } catch {
      return [];
    }
  }

  private saveHeld(): void {
    const key = heldKey(this.opts.session, this.opts.handle);
    try {
      if (this.held.size === 0) this.storage.removeItem(key);
      else this.storage.setItem(key, JSON.stringify([...this.held.values()]));
    } catch {
      // Storage full or blocked: held posts still live in memory.
    }
  }

  private saveOutbox(): void {
    const key = outboxKey(this.opts.session, this.opts.handle);
    try {
      if (this.outboxItems.length === 0) this.storage.removeItem(key);
      else this.storage.setItem(key, JSON.stringify(this.outboxItems));
    } catch {
      // Storage full or blocked: the outbox still lives in memory.
    }
  }

  // ---- helpers ----

  private newCid(): string {
    const rnd = Math.floor(this.clock.random() * 36 ** 6).toString(36);
    return `c-${this.clock.now().toString(36)}-${rnd}-${(this.ridCounter++).toString(36)}`;
  }

  private nextRid(): string {
    this.ridCounter += 1;
    return `r${this.ridCounter}`;
  }

  private send(msg: object): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return;
    try {
      ws.send(JSON.stringify(msg));
    } catch {
      // The close event will follow.
    }
  }

  private setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }
}
