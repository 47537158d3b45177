// Wiring shared by the live screens: the connection + chat state, the phase header with its
// countdown, and the online/offline indicator.

import type { Change } from './chat_state';
import { ChatState } from './chat_state';
import { clear, h, safeStorage, setText, wsUrl } from './dom';
import type { ErrorMsg, Phase, WelcomeMsg } from './protocol';
import { slowSchedule } from './slow';
import { describeInstant, formatDuration, formatLocal, yourTime } from './time';
import { ChatClient, MemoryStorage } from './ws_client';

export interface Live {
  client: ChatClient;
  chat: ChatState;
  close(): void;
}

export interface LiveHandlers {
  welcome?(msg: WelcomeMsg): void;
  change?(c: Change): void;
  reset?(): void;
  fatal?(err: ErrorMsg): void;
}

export function openLive(
  opts: { session: string; handle: string; name: string; key?: string; view?: boolean },
  handlers: LiveHandlers,
): Live {
  const client = new ChatClient({
    url: wsUrl(),
    session: opts.session,
    handle: opts.handle,
    name: opts.name,
    key: opts.key,
    view: opts.view,
    storage: safeStorage('local') ?? new MemoryStorage(),
    ...testBackoff(location.search),
  });
  const chat = new ChatState();
  client.on('welcome', (m) => {
    chat.welcome(m);
    handlers.welcome?.(m);
  });
  client.on('event', (ev) => handlers.change?.(chat.apply(ev)));
  client.on('reset', () => {
    chat.reset();
    handlers.reset?.();
  });
  client.on('fatal', (e) => handlers.fatal?.(e));
  const wake = () => client.reconnectNow();
  const visible = () => {
    if (document.visibilityState === 'visible') client.reconnectNow();
  };
  window.addEventListener('online', wake);
  document.addEventListener('visibilitychange', visible);
  client.start();
  return {
    client,
    chat,
    close() {
      window.removeEventListener('online', wake);
      document.removeEventListener('visibilitychange', visible);
      client.stop();
    },
  };
}

/**
 * For tests only: `?test_backoff_ms=N` (10-60000) makes the reconnect backoff start at N ms and cap
 * at 4 N, so a browser test can watch the client reconnect by itself without waiting for 30 s steps.
 */
export function testBackoff(search: string): { backoffInitialMs?: number; backoffMaxMs?: number } {
  const raw = new URLSearchParams(search).get('test_backoff_ms');
  if (raw === null || !/^\d+$/.test(raw)) return {};
  const n = Number(raw);
  if (n < 10 || n > 60000) return {};
  return { backoffInitialMs: n, backoffMaxMs: 4 * n };
}

export function phaseLabel(p: Phase | null): string {
  if (!p) return 'Connecting…';
  const q = p.round !== null && p.round > 0 ? `Q${p.round}` : '';
  switch (p.phase) {
    case 'scheduled':
      return 'Not started yet';
    case 'intro':
      return 'Introductions (A0)';
    case 'talk':
      return `${q}: table talk`;
    case 'round':
      return `${q}: answer now with A${p.round}`;
    case 'wrapup':
      return 'Wrap-up';
    case 'closed':
      return 'The chat is closed';
    case 'paused':
      return `Paused${q ? ` (${q})` : ''}`;
  }
}

/** Slow chats: "Q2 of 5 is out · answer any released question". */
export function slowLabel(p: Phase | null, released: number, total: number): string {
  if (!p) return 'Connecting…';
  switch (p.phase) {
    case 'scheduled':
      return `Slow chat: ${total} question${total === 1 ? '' : 's'}, the first is not out yet`;
    case 'closed':
      return 'The chat is closed';
    case 'paused':
      return `Paused: ${released} of ${total} questions out`;
    default:
      return `${released} of ${total} questions out · answer any of them`;
  }
}

/** The current phase, question and countdown bar. */
export class PhaseView {
  readonly el: HTMLElement;
  private label = h('div', { class: 'phase-label', 'data-testid': 'phase' });
  private question = h('div', { class: 'phase-question', 'data-testid': 'question' });
  private countdown = h('div', { class: 'phase-countdown', 'data-testid': 'countdown' });
  private bar = h('div', { class: 'bar-fill' });
  private barBox = h('div', { class: 'bar', role: 'progressbar', 'aria-label': 'Time left' }, this.bar);
  private note = h('div', { class: 'phase-note', 'data-testid': 'phase-note' });
  private timer: ReturnType<typeof setInterval>;

  constructor(private live: Live) {
    this.el = h('section', { class: 'phase' }, this.label, this.question, this.barBox, this.countdown, this.note);
    this.timer = setInterval(() => this.tick(), 1000);
  }

  destroy(): void {
    clearInterval(this.timer);
  }

  setLive(live: Live): void {
    this.live = live;
    this.update();
  }

  update(): void {
    const { chat } = this.live;
    const p = chat.phase;
    if (chat.isSlow) {
      this.updateSlow();
      return;
    }
    setText(this.label, phaseLabel(p));
    this.el.dataset.phase = p?.phase ?? '';
    let q = p?.question ?? null;
    if (!q && p?.phase === 'intro') q = 'Introduce yourself: who are you, where do you teach?';
    setText(this.question, q ?? '');
    this.question.hidden = !q;
    const zone = chat.session?.timezone ?? '';
    if (p?.phase === 'scheduled') {
      const at = p.ends_at ?? chat.session?.start ?? null;
      setText(this.note, at ? `Starts ${describeInstant(at, zone)}` : 'The moderator will start the chat.');
    } else if (p?.ends_at && p.phase !== 'closed') {
      setText(this.note, `Until ${formatLocal(p.ends_at, { date: false })} your time · session zone ${zone}`);
    } else {
      setText(this.note, zone ? `Times in your zone · session zone ${zone}` : '');
    }
    this.tick();
  }

  /** Slow chats: how many questions are out, the newest one, the next release and the close. */
  private updateSlow(): void {
    const { chat } = this.live;
    const p = chat.phase;
    const sched = slowSchedule(chat);
    const zone = chat.session?.timezone ?? '';
    this.el.dataset.phase = p?.phase ?? '';
    this.el.dataset.mode = 'slow';
    setText(this.label, slowLabel(p, sched.released, sched.total));
    const q = p && p.phase !== 'closed' ? p.question : null;
    setText(this.question, q ?? '');
    this.question.hidden = !q;
    clear(this.note);
    if (sched.closed) {
      this.note.append(h('div', { 'data-testid': 'closes-at' }, 'The chat is closed: you can still read every answer.'));
    } else {
      if (sched.next) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, `Next question (Q${sched.next.round}) ${yourTime(sched.next.at, zone)}`));
      } else if (sched.paused) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, `The moderator has paused the releases (chat runs in ${zone}).`));
      } else if (sched.released >= sched.total) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, 'All questions are out.'));
      }
      if (sched.closesAt) this.note.append(h('div', { 'data-testid': 'closes-at' }, `Closes ${yourTime(sched.closesAt, zone)}`));
    }
    this.tick();
  }

  tick(): void {
    const p = this.live.chat.phase;
    const now = this.live.client.serverNow();
    if (!p) {
      this.barBox.hidden = true;
      setText(this.countdown, '');
      return;
    }
    if (p.phase === 'paused') {
      this.barBox.hidden = true;
      setText(this.countdown, p.remaining_ms !== undefined ? `${formatDuration(p.remaining_ms)} left when resumed` : '');
      return;
    }
    const ends = p.ends_at ? Date.parse(p.ends_at) : NaN;
    const started = p.started_at ? Date.parse(p.started_at) : NaN;
    if (Number.isNaN(ends) || p.phase === 'closed') {
      this.barBox.hidden = true;
      setText(this.countdown, '');
      return;
    }
    const left = Math.max(0, ends - now);
    if (this.live.chat.isSlow) {
      this.barBox.hidden = true;
      const allOut = this.live.chat.maxRoundAsked >= (this.live.chat.session?.questions.length ?? 0);
      setText(this.countdown, left > 0 ? `${allOut ? 'closes' : 'next question'} in ${formatDuration(left)}` : '');
      return;
    }
    if (p.phase === 'scheduled') {
      this.barBox.hidden = true;
      setText(this.countdown, left > 0 ? `in ${formatDuration(left)}` : 'starting…');
      return;
    }
    this.barBox.hidden = Number.isNaN(started);
    if (!Number.isNaN(started) && ends > started) {
      const frac = Math.min(1, Math.max(0, left / (ends - started)));
      this.bar.style.width = `${(frac * 100).toFixed(2)}%`;
      this.barBox.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
    }
    setText(this.countdown, left > 0 ? `${formatDuration(left)} left` : 'time is up');
  }
}

/** "● online · 17 here" */
export class StatusView {
  readonly el: HTMLElement;
  private dot = h('span', { class: 'dot' });
  private text = h('span', { 'data-testid': 'conn' });
  private count = h('span', { class: 'presence', 'data-testid': 'presence' });

  constructor(live: Live) {
    this.el = h('div', { class: 'status' }, this.dot, this.text, this.count);
    const show = () => {
      const s = live.client.state;
      this.el.dataset.state = s;
      setText(
        this.text,
        s === 'online' ? 'online' : s === 'connecting' ? 'connecting…' : s === 'failed' ? 'not connected' : 'offline',
      );
    };
    live.client.on('state', show);
    live.client.on('presence', (n) => setText(this.count, ` · ${n} here`));
    live.client.on('welcome', (m) => setText(this.count, ` · ${Math.max(1, m.session.online)} here`));
    show();
  }
}

export function joinErrorText(e: ErrorMsg): string {
  switch (e.code) {
    case 'handle_taken':
      return 'That handle is already taken in this chat. Pick another one.';
    case 'bad_token':
      return 'That handle belongs to someone else (or to you on another device). Pick another one.';
    case 'bad_handle':
      return 'A handle is 1 to 20 letters, digits or _.';
    case 'bad_key':
      return 'The moderator key is not valid for this chat.';
    case 'not_found':
      return 'There is no chat with this address.';
    default:
      return e.message || e.code;
  }
}

export const HANDLE_RE = /^[A-Za-z0-9_]{1,20}$/;

/**
 * The offline banner: shown from the first lost or failed connection until the next welcome, with
 * the countdown to the next attempt and a "Retry now" button. Pending posts stay in the feed below
 * (they are kept on the device and sent when the connection is back).
 */
export class ConnBanner {
  readonly el: HTMLElement;
  private text = h('span', { class: 'conn-banner-text', 'data-testid': 'offline-text' });
  private retry = h('button', { type: 'button', class: 'small', 'data-testid': 'retry-now' }, 'Retry now');
  private timer: ReturnType<typeof setInterval> | null = null;
  private troubled = false;
  private dead = false;

  constructor(private live: Live) {
    this.el = h('div', { class: 'conn-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'offline-banner' }, this.text, this.retry);
    this.el.hidden = true;
    this.retry.addEventListener('click', () => this.live.client.reconnectNow());
    live.client.on('state', () => this.update());
    live.client.on('outbox', () => this.update());
    this.update();
  }

  /** Stops the countdown for good (the page is leaving the chat). */
  destroy(): void {
    this.dead = true;
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private update(): void {
    if (this.dead) return;
    const { client } = this.live;
    const s = client.state;
    if (s === 'online' || s === 'failed') this.troubled = false;
    else if (s === 'offline') this.troubled = true;
    const show = this.troubled;
    this.el.hidden = !show;
    this.el.dataset.state = s;
    if (!show) {
      this.stopTimer();
      return;
    }
    if (this.timer === null) this.timer = setInterval(() => this.update(), 250);
    const waiting = client.pending().length;
    const posts = waiting === 0 ? '' : waiting === 1 ? ' 1 post waits on this device.' : ` ${waiting} posts wait on this device.`;
    let when = 'Reconnecting…';
    const inMs = client.reconnectInMs();
    if (s === 'offline' && inMs !== null) {
      const secs = Math.max(1, Math.ceil(inMs / 1000));
      when = `Reconnecting in ${secs} s.`;
    }
    setText(this.text, `You are offline. ${when}${posts}`);
    this.retry.disabled = s === 'connecting';
  }
}
