import { beforeEach, describe, expect, it } from 'vitest';
import { ChatClient, MemoryStorage, outboxKey, retryDelay, tokenKey,
  claimKey, heldKey, type Clock, type SocketLike } from './ws_client';

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedByClient = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }
  // server side
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverClose(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  ofType(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
  lastHello(): Record<string, unknown> {
    const h = this.ofType('hello');
    return h[h.length - 1];
  }
}

class FakeClock implements Clock {
  t = 1_000_000;
  rnd = 0.5;
  private timers: { id: number; at: number; fn: () => void }[] = [];
  private nextId = 1;
  delays: number[] = [];
  now(): number {
    return this.t;
  }
  random(): number {
    return this.rnd;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + ms, fn });
    this.delays.push(ms);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

const SESSION = 'pubpd-2026-11-26';

function welcome(rid: unknown, head: number, token?: string): object {
  return {
    type: 'welcome',
    protocol: 1,
    rid,
    now: '2026-11-26T19:00:00.000Z',
    head,
    you: { handle: 'ms_lee', name: 'Ms Lee', role: 'participant', ...(token ? { token } : {}) },
    session: { id: SESSION, phase: { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: null, segment: -1 } },
  };
}

function post(seq: number, text = `post ${seq}`): object {
  return {
    type: 'event',
    seq,
    at: '2026-11-26T19:00:00.000Z',
    kind: 'post',
    author: 'mr_k',
    name: 'Mr K',
    role: 'participant',
    text,
    round: 1,
    reply_to: null,
    mentions: [],
  };
}

let clock: FakeClock;
let storage: MemoryStorage;

function makeClient(extra: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient {
  return new ChatClient({
    url: 'ws://test/ws',
    session: SESSION,
    handle: 'ms_lee',
    name: 'Ms Lee',
    WebSocket: FakeSocket,
    storage,
    clock,
    backoffInitialMs: 1000,
    backoffMaxMs: 16000,
    ...extra,
  });
}

/** Opens the newest socket and answers its hello with a welcome. */
function join(head = 0, token?: string): FakeSocket {
  const sock = FakeSocket.all[FakeSocket.all.length - 1];
  sock.open();
  sock.receive(welcome(sock.lastHello().rid, head, token));
  return sock;
}

beforeEach(() => {
  FakeSocket.all = [];
  clock = new FakeClock();
  storage = new MemoryStorage();
});

describe('ChatClient', () => {
  it('a viewer says hello with view: true only, stores nothing, and resumes with since', () => {
    const c = makeClient({ handle: '', name: '', view: true });
    c.start();
    const s1 = FakeSocket.all[0];
    s1.open();
    const hello = s1.lastHello();
    expect(hello).toEqual({ type: 'hello', session: SESSION, view: true, since: 0, rid: hello.rid });
    s1.receive({ ...(welcome(hello.rid, 2) as Record<string, unknown>), you: { role: 'viewer' } });
    s1.receive(post(1));
    s1.receive(post(2));
    expect(c.state).toBe('online');
    // no token, no claim: a viewer has nothing to resume but its place in the log
    expect([tokenKey(SESSION, ''), claimKey(SESSION, '')].map((key) => storage.getItem(key))).toEqual([null, null]);
    s1.serverClose(1006);
    clock.advance(2000);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello()).toEqual({ type: 'hello', session: SESSION, view: true, since: 2, rid: s2.lastHello().rid });
  });

  it('sends hello, stores the token from welcome and presents it next time', () => {
    const c = makeClient({ key: 'k3y' });
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    c.start();
    const s1 = FakeSocket.all[0];
    expect(s1.url).toBe('ws://test/ws');
    s1.open();
    expect(s1.lastHello()).toMatchObject({ type: 'hello', session: SESSION, handle: 'ms_lee', name: 'Ms Lee', since: 0, key: 'k3y' });
    // A new handle: the client proposes a token of its own, kept before it is sent.
    const claimed = s1.lastHello().token;
    expect(claimed).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(storage.getItem(claimKey(SESSION, 'ms_lee'))).toBe(claimed);
    s1.receive(welcome(s1.lastHello().rid, 0, 'tok-1'));
    expect(storage.getItem(claimKey(SESSION, 'ms_lee'))).toBeNull();
    expect(c.state).toBe('online');
    expect(storage.getItem(tokenKey(SESSION, 'MS_LEE'))).toBe('tok-1');
    expect(c.skewMs).toBe(Date.parse('2026-11-26T19:00:00.000Z') - 1_000_000);

    s1.serverClose();
    expect(c.state).toBe('offline');
    clock.advance(c.nextDelayMs);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().token).toBe('tok-1');
    expect(states).toEqual(['connecting', 'online', 'offline', 'connecting']);
  });

  it('presents the same made-up token after a first welcome was lost, then keeps it', () => {
    const c = makeClient();
    c.start();
    const s1 = FakeSocket.all[0];
    s1.open();
    const claimed = s1.lastHello().token;
    s1.serverClose(); // the welcome never arrives
    clock.advance(c.nextDelayMs);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().token).toBe(claimed);
    s2.receive(welcome(s2.lastHello().rid, 0)); // the server took the proposed token
    expect(storage.getItem(tokenKey(SESSION, 'ms_lee'))).toBe(claimed);
    expect(storage.getItem(claimKey(SESSION, 'ms_lee'))).toBeNull();
  });

  it('reads bad_token for a made-up token as a taken handle', () => {
    const c = makeClient();
    const fatal: string[] = [];
    c.on('fatal', (e) => fatal.push(e.code));
    c.start();
    const s1 = FakeSocket.all[0];
    s1.open();
    s1.receive({ type: 'error', code: 'bad_token', message: 'no', rid: s1.lastHello().rid });
    expect(fatal).toEqual(['handle_taken']);
    expect(storage.getItem(claimKey(SESSION, 'ms_lee'))).toBeNull();
  });

  it('resumes with since = last seq after a drop', () => {
    const c = makeClient();
    const seen: number[] = [];
    c.on('event', (e) => seen.push(e.seq));
    c.start();
    const s1 = join(3);
    s1.receive({ type: 'events', events: [post(1), post(2)] });
    s1.receive(post(3));
    expect(c.lastSeq).toBe(3);
    s1.serverClose(1012);
    clock.advance(c.nextDelayMs);
    expect(FakeSocket.all).toHaveLength(2);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().since).toBe(3);
    s2.receive(welcome(s2.lastHello().rid, 4));
    s2.receive(post(4));
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('drops duplicate events', () => {
    const c = makeClient();
    const seen: number[] = [];
    c.on('event', (e) => seen.push(e.seq));
    c.start();
    const s = join(3);
    s.receive({ type: 'events', events: [post(1), post(2)] });
    s.receive({ type: 'events', events: [post(2), post(3)] });
    s.receive(post(1));
    s.receive(post(3));
    expect(seen).toEqual([1, 2, 3]);
    expect(c.duplicates).toBe(3);
  });

  it('detects a gap, does not apply past it, and resumes from the last seq', () => {
    const c = makeClient();
    const seen: number[] = [];
    const gaps: unknown[] = [];
    c.on('event', (e) => seen.push(e.seq));
    c.on('gap', (g) => gaps.push(g));
    c.start();
    const s1 = join(0);
    s1.receive(post(1));
    s1.receive({ type: 'events', events: [post(2), post(4), post(5)] });
    expect(seen).toEqual([1, 2]);
    expect(gaps).toEqual([{ expected: 3, got: 4 }]);
    expect(s1.closedByClient).toBe(true);
    expect(c.state).toBe('offline');
    s1.receive(post(3)); // late frames from the abandoned socket are ignored
    expect(seen).toEqual([1, 2]);
    clock.advance(c.nextDelayMs);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().since).toBe(2);
  });

  it('keeps posts in a persistent outbox, resends them after reconnect, removes them on ack', () => {
    const c = makeClient();
    c.start();
    // Offline: the post waits in the outbox and in storage.
    const cid = c.post('A1: we start with a question', { round: 1 });
    expect(cid).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
    expect(JSON.parse(storage.getItem(outboxKey(SESSION, 'ms_lee')) ?? '[]')).toHaveLength(1);

    // A reload: a new client on the same storage still has it.
    c.stop();
    const c2 = makeClient();
    expect(c2.pending().map((p) => p.cid)).toEqual([cid]);
    c2.start();
    const s1 = join(0);
    expect(s1.ofType('post')).toEqual([{ type: 'post', cid, text: 'A1: we start with a question', round: 1 }]);

    // Dropped before the ack: sent again, same cid.
    s1.serverClose();
    clock.advance(c2.nextDelayMs);
    const s2 = join(0);
    expect(s2.ofType('post')).toEqual([{ type: 'post', cid, text: 'A1: we start with a question', round: 1 }]);

    // Ack: out of the outbox and storage; shown as pending until its event arrives.
    s2.receive({ type: 'ack', cid, seq: 1 });
    expect(storage.getItem(outboxKey(SESSION, 'ms_lee'))).toBeNull();
    expect(c2.pending().map((p) => p.cid)).toEqual([cid]);
    s2.receive({ ...post(1, 'A1: we start with a question'), author: 'ms_lee' });
    expect(c2.pending()).toEqual([]);

    // Not sent again after the next reconnect.
    s2.serverClose();
    clock.advance(c2.nextDelayMs);
    const s3 = join(1);
    expect(s3.ofType('post')).toEqual([]);
  });

  it('sends a post at once when online, and drops a refused one with post_error', () => {
    const c = makeClient();
    const errors: string[] = [];
    c.on('post_error', (e) => errors.push(e.error.code));
    c.start();
    const s = join(0);
    const cid = c.post('x'.repeat(2000));
    expect(s.ofType('post')).toHaveLength(1);
    s.receive({ type: 'error', code: 'too_long', message: 'too long', cid });
    expect(errors).toEqual(['too_long']);
    expect(c.pending()).toEqual([]);
  });

  it('grows the reconnect delay exponentially with jitter, capped, and resets it after a join', () => {
    clock.rnd = 0.5;
    const c = makeClient();
    c.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      FakeSocket.all[FakeSocket.all.length - 1].serverClose();
      delays.push(c.nextDelayMs);
      clock.advance(c.nextDelayMs);
    }
    // base 1000, 2000, ... capped at 16000; equal jitter with random 0.5 gives 3/4 of the base.
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 12000, 12000]);
    expect(FakeSocket.all).toHaveLength(8);

    clock.rnd = 0;
    join(0).serverClose();
    expect(c.nextDelayMs).toBe(500);
    clock.rnd = 0.999999;
    clock.advance(500);
    FakeSocket.all[FakeSocket.all.length - 1].serverClose();
    expect(c.nextDelayMs).toBeGreaterThan(1990);
    expect(c.nextDelayMs).toBeLessThanOrEqual(2000);
  });

  it('on bad_since resets to 0, clears the state and joins again from 0', () => {
    const c = makeClient();
    let resets = 0;
    const seen: number[] = [];
    c.on('reset', () => resets++);
    c.on('event', (e) => seen.push(e.seq));
    c.start();
    const s1 = join(2);
    s1.receive({ type: 'events', events: [post(1), post(2)] });
    s1.serverClose();
    clock.advance(c.nextDelayMs);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().since).toBe(2);
    s2.receive({ type: 'error', code: 'bad_since', message: 'since > head', rid: s2.lastHello().rid });
    expect(resets).toBe(1);
    expect(c.lastSeq).toBe(0);
    expect(s2.ofType('hello')).toHaveLength(2);
    expect(s2.lastHello().since).toBe(0);
    s2.receive(welcome(s2.lastHello().rid, 1));
    s2.receive(post(1, 'fresh'));
    expect(seen).toEqual([1, 2, 1]);
    expect(c.state).toBe('online');
  });

  it('stops for good when the join is refused', () => {
    const c = makeClient();
    const fatal: string[] = [];
    c.on('fatal', (e) => fatal.push(e.code));
    c.start();
    const s = FakeSocket.all[0];
    s.open();
    s.receive({ type: 'error', code: 'handle_taken', message: 'taken', rid: s.lastHello().rid });
    expect(fatal).toEqual(['handle_taken']);
    expect(c.state).toBe('failed');
    clock.advance(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('answers requests by rid and rejects them on error or drop', async () => {
    const c = makeClient();
    c.start();
    const s = join(0);
    const p1 = c.request({ type: 'like', seq: 4 });
    const r1 = s.sent[s.sent.length - 1];
    expect(r1).toMatchObject({ type: 'like', seq: 4 });
    s.receive({ type: 'ok', rid: r1.rid, seq: 9 });
    await expect(p1).resolves.toMatchObject({ type: 'ok', seq: 9 });

    const p2 = c.request({ type: 'control', action: 'resume' });
    const r2 = s.sent[s.sent.length - 1];
    s.receive({ type: 'error', code: 'bad_request', message: 'not paused', rid: r2.rid });
    await expect(p2).rejects.toMatchObject({ code: 'bad_request' });

    const p3 = c.request({ type: 'announce', text: 'hi' });
    s.serverClose();
    await expect(p3).rejects.toMatchObject({ code: 'offline' });
    await expect(c.request({ type: 'ping' })).rejects.toMatchObject({ code: 'offline' });
  });

  it('drops a connection that stops answering pings', () => {
    const c = makeClient({ pingIntervalMs: 10_000 });
    c.start();
    const s = join(0);
    clock.advance(10_000);
    expect(s.ofType('ping')).toHaveLength(1);
    s.receive({ type: 'pong' });
    clock.advance(10_000);
    expect(s.ofType('ping')).toHaveLength(2);
    clock.advance(10_000); // no answer to the second ping
    expect(s.closedByClient).toBe(true);
    expect(c.state).toBe('offline');
  });

  it('reconnectNow skips the wait while offline and checks an open connection quickly', () => {
    const c = makeClient({ checkTimeoutMs: 3000 });
    c.start();
    const s1 = join(0);
    s1.serverClose();
    expect(c.nextDelayMs).toBeGreaterThan(0);
    c.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    const s2 = join(0);
    // Alive: answers the check, nothing happens.
    c.reconnectNow();
    expect(s2.ofType('ping')).toHaveLength(1);
    s2.receive({ type: 'pong' });
    clock.advance(3000);
    expect(c.state).toBe('online');
    // Dead: no answer within the check timeout, so it is dropped and resumed.
    c.reconnectNow();
    clock.advance(3000);
    expect(s2.closedByClient).toBe(true);
    expect(c.state).toBe('offline');
  });

  it('networkLost drops an open-looking socket at once and waits for the network before trying again', () => {
    const c = makeClient();
    c.start();
    const s1 = join(0);
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    c.networkLost();
    // At once: no waiting for a ping to go unanswered, and the post shows as waiting, not sending.
    expect(s1.closedByClient).toBe(true);
    expect(states).toEqual(['offline']);
    expect(c.networkDown).toBe(true);
    c.post('typed on the bus', { round: 1 });
    expect(s1.ofType('post')).toHaveLength(0);
    // No attempts while the network is gone (only the longest step as a safety net)...
    clock.advance(15_000);
    expect(FakeSocket.all).toHaveLength(1);
    // ...and one as soon as the browser says it is back; the post goes out after the welcome.
    c.reconnectNow();
    expect(c.networkDown).toBe(false);
    expect(FakeSocket.all).toHaveLength(2);
    const s2 = join(0);
    expect(s2.ofType('post').map((m) => m.text)).toEqual(['typed on the bus']);
    // Already waiting for a reconnect when the network goes: the wait becomes the longest step.
    s2.serverClose();
    c.networkLost();
    expect(c.reconnectInMs()).toBeGreaterThanOrEqual(16_000);
  });

  it('keeps a rate_limited post in the outbox and resends it after retry_after_ms, each post on its own timer', () => {
    const c = makeClient();
    const errors: string[] = [];
    c.on('post_error', (e) => errors.push(e.error.code));
    c.start();
    const s = join(0);
    const a = c.post('first', { round: 1 });
    const b = c.post('second', { round: 1 });
    expect(s.ofType('post').map((m) => m.cid)).toEqual([a, b]);
    s.receive({ type: 'error', code: 'rate_limited', message: 'slow down', retry_after_ms: 3000, cid: a });
    clock.advance(500);
    s.receive({ type: 'error', code: 'rate_limited', message: 'slow down', retry_after_ms: 1000, cid: b });
    // Both still pending, in memory and in storage; nothing is reported as refused.
    expect(errors).toEqual([]);
    expect(c.pending().map((p) => p.cid)).toEqual([a, b]);
    expect(JSON.parse(storage.getItem(outboxKey(SESSION, 'ms_lee')) ?? '[]')).toHaveLength(2);
    expect(c.retryAt(a)).toBe(clock.t - 500 + 3000);
    expect(c.retryAt(b)).toBe(clock.t + 1000);

    clock.advance(999);
    expect(s.ofType('post')).toHaveLength(2);
    clock.advance(1); // b's retry_after_ms is over
    expect(s.ofType('post').map((m) => m.cid)).toEqual([a, b, b]);
    expect(s.ofType('post')[2]).toEqual({ type: 'post', cid: b, text: 'second', round: 1 });
    expect(c.retryAt(b)).toBeNull();
    clock.advance(1499);
    expect(s.ofType('post')).toHaveLength(3);
    clock.advance(1); // a's
    expect(s.ofType('post').map((m) => m.cid)).toEqual([a, b, b, a]);

    // Limited again, then acked before the timer fires: not sent a third time.
    s.receive({ type: 'error', code: 'rate_limited', message: 'slow down', retry_after_ms: 2000, cid: a });
    s.receive({ type: 'ack', cid: a, seq: 1 });
    s.receive({ type: 'ack', cid: b, seq: 2 });
    expect(c.retryAt(a)).toBeNull();
    clock.advance(10_000);
    expect(s.ofType('post')).toHaveLength(4);
    expect(storage.getItem(outboxKey(SESSION, 'ms_lee'))).toBeNull();
    expect(errors).toEqual([]);
  });

  it('after a drop, a rate_limited post goes once with the outbox after the welcome, not again on its old timer', () => {
    const c = makeClient();
    c.start();
    const s1 = join(0);
    const a = c.post('A1: hello');
    s1.receive({ type: 'error', code: 'rate_limited', message: 'busy', retry_after_ms: 5000, cid: a });
    s1.serverClose(1006);
    expect(c.retryAt(a)).toBeNull();
    clock.advance(c.nextDelayMs);
    const s2 = join(0);
    expect(s2.ofType('post').map((m) => m.cid)).toEqual([a]);
    clock.advance(10_000);
    expect(s2.ofType('post')).toHaveLength(1);
    expect(s1.ofType('post')).toHaveLength(1);
  });

  it('the server lost its store: the posts stay in the outbox, the 1013 close backs off, and they go once after the welcome', () => {
    clock.rnd = 0.5;
    const c = makeClient();
    const refused: string[] = [];
    const errors: string[] = [];
    c.on('post_error', (e) => refused.push(e.error.code));
    c.on('error', (e) => errors.push(e.code));
    c.start();
    const s1 = join(0);
    const a = c.post('A1: in the pub');
    s1.receive({ type: 'error', code: 'store_unavailable', message: 'The store cannot be reached.', cid: a });
    s1.receive({ type: 'error', code: 'store_unavailable', message: 'The store cannot be reached.' });
    s1.serverClose(1013);
    expect(refused).toEqual([]);
    expect(errors).toEqual(['store_unavailable']);
    expect(c.pending().map((p) => p.cid)).toEqual([a]);
    // Not at once (a whole room would come back in the same instant): the usual backoff.
    expect(c.nextDelayMs).toBeGreaterThanOrEqual(250);
    clock.advance(c.nextDelayMs - 1);
    expect(FakeSocket.all).toHaveLength(1);
    clock.advance(1);
    // Still down: the hello is refused; the next try waits longer.
    const s2 = FakeSocket.all[1];
    s2.open();
    const first = c.nextDelayMs;
    s2.receive({ type: 'error', code: 'store_unavailable', message: 'down', rid: s2.lastHello().rid });
    expect(c.state).toBe('offline');
    expect(c.nextDelayMs).toBeGreaterThan(first);
    clock.advance(c.nextDelayMs);
    const s3 = join(0);
    expect(s3.ofType('post').map((m) => m.cid)).toEqual([a]);
    s3.receive({ type: 'ack', cid: a, seq: 1 });
    expect(storage.getItem(outboxKey(SESSION, 'ms_lee'))).toBeNull();
  });

  it('uses a sane retry_after_ms: default 2 s when missing or bad, capped at 5 minutes', () => {
    const e = { type: 'error' as const, code: 'rate_limited', message: '' };
    expect(retryDelay(e)).toBe(2000);
    expect(retryDelay({ ...e, retry_after_ms: -5 })).toBe(2000);
    expect(retryDelay({ ...e, retry_after_ms: 0 })).toBe(0);
    expect(retryDelay({ ...e, retry_after_ms: 750 })).toBe(750);
    expect(retryDelay({ ...e, retry_after_ms: 1e9 })).toBe(300_000);
  });

  it('a rate_limited hello reconnects no sooner than retry_after_ms', () => {
    clock.rnd = 0;
    const c = makeClient();
    c.start();
    const s = FakeSocket.all[0];
    s.open();
    s.receive({ type: 'error', code: 'rate_limited', message: 'busy', retry_after_ms: 7000, rid: s.lastHello().rid });
    expect(c.state).toBe('offline');
    expect(s.closedByClient).toBe(true);
    expect(c.nextDelayMs).toBe(7000);
    expect(c.reconnectInMs()).toBe(7000);
    clock.advance(6999);
    expect(FakeSocket.all).toHaveLength(1);
    clock.advance(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(c.reconnectInMs()).toBeNull();
  });

  it('close 4001 (fell behind its queue bound) resumes like any drop: backoff, since = last seq, outbox resent', () => {
    clock.rnd = 0.5;
    const c = makeClient();
    const fatal: string[] = [];
    c.on('fatal', (e) => fatal.push(e.code));
    c.start();
    const s1 = join(2);
    s1.receive({ type: 'events', events: [post(1), post(2)] });
    const cid = c.post('typed just before');
    s1.serverClose(4001);
    expect(fatal).toEqual([]);
    expect(c.state).toBe('offline');
    expect(c.lastCloseCode).toBe(4001);
    expect(c.nextDelayMs).toBe(750); // the first backoff step (base 1000, equal jitter)
    expect(c.reconnectInMs()).toBe(750);
    clock.advance(749);
    expect(FakeSocket.all).toHaveLength(1);
    clock.advance(1);
    const s2 = FakeSocket.all[1];
    s2.open();
    expect(s2.lastHello().since).toBe(2);
    s2.receive(welcome(s2.lastHello().rid, 2));
    expect(s2.ofType('post').map((m) => m.cid)).toEqual([cid]);
    expect(c.state).toBe('online');
  });

  it('close 1012 (server restarting) reconnects promptly, even after failed attempts', () => {
    clock.rnd = 0.5;
    const c = makeClient();
    c.start();
    // Several failed attempts first: the ordinary backoff has grown to 12 s.
    for (let i = 0; i < 5; i++) {
      FakeSocket.all[FakeSocket.all.length - 1].serverClose(1006);
      clock.advance(c.nextDelayMs);
    }
    FakeSocket.all[FakeSocket.all.length - 1].serverClose(1006);
    expect(c.nextDelayMs).toBe(12000);
    clock.advance(c.nextDelayMs);
    const s = join(5);
    s.serverClose(1012);
    expect(c.state).toBe('offline');
    // Within the first step (backoffInitialMs 1000), fully jittered: random 0.5 gives 500 ms.
    expect(c.nextDelayMs).toBe(500);
    const before = FakeSocket.all.length;
    clock.advance(500);
    expect(FakeSocket.all).toHaveLength(before + 1);
    // The new process is not up yet: the next attempt backs off as usual.
    FakeSocket.all[FakeSocket.all.length - 1].serverClose(1006);
    expect(c.nextDelayMs).toBe(1500);
    // A 1012 while in a long backoff is still prompt.
    clock.rnd = 0.999;
    clock.advance(1500);
    join(5).serverClose(1012);
    expect(c.nextDelayMs).toBeLessThanOrEqual(1000);
  });

  it('close 1008 (refused) stops for good', () => {
    const c = makeClient();
    const fatal: string[] = [];
    c.on('fatal', (e) => fatal.push(e.code));
    c.start();
    join(0).serverClose(1008);
    expect(c.state).toBe('failed');
    expect(fatal).toEqual(['refused']);
    clock.advance(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('sends a request refused with rate_limited again after retry_after_ms (same rid), a few times at most', async () => {
    const c = makeClient();
    c.start();
    const s = join(0);
    const p1 = c.request({ type: 'like', seq: 4 });
    const r1 = s.sent[s.sent.length - 1];
    s.receive({ type: 'error', code: 'rate_limited', message: 'busy', retry_after_ms: 1000, rid: r1.rid });
    clock.advance(999);
    expect(s.ofType('like')).toHaveLength(1);
    clock.advance(1);
    expect(s.ofType('like')).toEqual([r1, r1]);
    s.receive({ type: 'ok', rid: r1.rid, seq: 9 });
    await expect(p1).resolves.toMatchObject({ type: 'ok', seq: 9 });

    // Always busy: it gives up after 5 more tries and reports rate_limited.
    const p2 = c.request({ type: 'unlike', seq: 4 });
    const r2 = s.sent[s.sent.length - 1];
    for (let i = 0; i < 6; i++) {
      s.receive({ type: 'error', code: 'rate_limited', message: 'busy', retry_after_ms: 100, rid: r2.rid });
      clock.advance(100);
    }
    await expect(p2).rejects.toMatchObject({ code: 'rate_limited' });
    expect(s.ofType('unlike')).toHaveLength(6);

    // A drop while waiting: rejected as offline, and not sent on the next connection.
    const p3 = c.request({ type: 'like', seq: 5 });
    const r3 = s.sent[s.sent.length - 1];
    s.receive({ type: 'error', code: 'rate_limited', message: 'busy', retry_after_ms: 500, rid: r3.rid });
    s.serverClose(1006);
    await expect(p3).rejects.toMatchObject({ code: 'offline' });
    clock.advance(c.nextDelayMs);
    const s2 = join(0);
    clock.advance(1000);
    expect(s2.ofType('like')).toEqual([]);
  });

  it('an ack with pending: out of the outbox, not resent on this connection, shown as waiting; approved by an ack with seq', () => {
    const c = makeClient();
    c.start();
    const s = join(0);
    const cid = c.post('A1: waits for a moderator', { round: 1 });
    s.receive({ type: 'ack', cid, pending: 3 });
    expect(storage.getItem(outboxKey(SESSION, 'ms_lee'))).toBeNull();
    expect(c.pending()).toEqual([]);
    expect(c.heldPosts()).toMatchObject([{ item: { cid }, pending: 3, rejected: false }]);
    // Nothing goes again on this connection, not even after a long while.
    clock.advance(120_000);
    s.receive({ type: 'pong' });
    expect(s.ofType('post')).toHaveLength(1);

    // A reload keeps it (storage); after the welcome it goes once to learn its fate.
    c.stop();
    const c2 = makeClient();
    expect(c2.heldPosts().map((h) => h.item.cid)).toEqual([cid]);
    c2.start();
    const s2 = join(0);
    expect(s2.ofType('post')).toEqual([{ type: 'post', cid, text: 'A1: waits for a moderator', round: 1 }]);
    s2.receive({ type: 'ack', cid, pending: 3 });
    expect(c2.heldPosts()).toHaveLength(1);

    // Approved: an ack with the seq (no rid); pending as a normal post until its event arrives.
    s2.receive({ type: 'ack', cid, seq: 1 });
    expect(c2.heldPosts()).toEqual([]);
    expect(storage.getItem(heldKey(SESSION, 'ms_lee'))).toBeNull();
    expect(c2.pending().map((p) => p.cid)).toEqual([cid]);
    s2.receive({ ...post(1, 'A1: waits for a moderator'), author: 'ms_lee' });
    expect(c2.pending()).toEqual([]);
  });

  it('a waiting post rejected (not_allowed with its cid) stays, marked, until dismissed; never resent', () => {
    const c = makeClient();
    const errors: string[] = [];
    c.on('post_error', (e) => errors.push(e.error.code));
    c.start();
    const s = join(0);
    const cid = c.post('spam');
    s.receive({ type: 'ack', cid, pending: 1 });
    s.receive({ type: 'error', code: 'not_allowed', message: 'A moderator did not approve this post.', cid });
    expect(c.heldPosts()).toMatchObject([{ item: { cid }, rejected: true, message: 'A moderator did not approve this post.' }]);
    s.serverClose(1006);
    clock.advance(c.nextDelayMs);
    const s2 = join(0);
    expect(s2.ofType('post')).toEqual([]);
    expect(c.heldPosts()).toHaveLength(1);
    c.discard(cid);
    expect(c.heldPosts()).toEqual([]);
    expect(storage.getItem(heldKey(SESSION, 'ms_lee'))).toBeNull();
  });

  it('a ban: a ban event for this handle then close 1008 is final and reported as banned; a banned error is final too', () => {
    const c = makeClient();
    const fatal: string[] = [];
    c.on('fatal', (e) => fatal.push(e.code));
    c.start();
    const s = join(0);
    s.receive({ type: 'event', seq: 1, at: '2026-11-26T19:00:00.000Z', kind: 'ban', handle: 'MS_LEE' });
    s.serverClose(1008);
    expect(fatal).toEqual(['banned']);
    clock.advance(120_000);
    expect(FakeSocket.all).toHaveLength(1);

    const c2 = makeClient();
    c2.on('fatal', (e) => fatal.push(e.code));
    c2.start();
    const s2 = FakeSocket.all[FakeSocket.all.length - 1];
    s2.open();
    s2.receive({ type: 'error', code: 'banned', message: 'A moderator has banned you from this chat.', rid: s2.lastHello().rid });
    expect(c2.state).toBe('failed');
    expect(fatal).toEqual(['banned', 'banned']);

    const c3 = makeClient();
    c3.on('fatal', (e) => fatal.push(e.code));
    c3.start();
    const s3 = join(0);
    const cid = c3.post('still here?');
    s3.receive({ type: 'error', code: 'banned', message: 'banned', cid });
    expect(c3.state).toBe('failed');
    clock.advance(120_000);
    expect(FakeSocket.all).toHaveLength(3);
  });

  it('passes mod messages on', () => {
    const c = makeClient();
    const mods: number[] = [];
    c.on('mod', (m) => mods.push(m.n));
    c.start();
    const s = join(0);
    s.receive({ type: 'mod', n: 1, at: '2026-11-26T19:00:00.000Z', kind: 'hide', by: 'host', target: 3, seq: 4 });
    expect(mods).toEqual([1]);
  });
});
