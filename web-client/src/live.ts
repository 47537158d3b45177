// Wiring shared by the live screens: the connection + chat state (and, for a participant, its copy
// on the device: chat_cache.ts), the phase header with its countdown, and the online/offline
// indicator.

import { ChatCacheWriter, chatKey, loadChat, type CachedChat } from './chat_cache';
import type { Change } from './chat_state';
import { ChatState } from './chat_state';
import { clear, h, safeStorage, setText, wsUrl } from './dom';
import type { ErrorMsg, Phase, WelcomeMsg } from './protocol';
import type { Announcer } from './announce';
import { t } from './i18n';
import { phaseLabel } from './phase_label';
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
  // A participant's chat is kept on the device (chat_cache.ts); a moderator's console and the pub
  // screen always start from the server.
  const cacheKey = !opts.view && !opts.key ? chatKey(opts.session, opts.handle) : null;
  let writer: ChatCacheWriter | null = null;
  let closed = false;
  client.on('welcome', (m) => {
    chat.welcome(m);
    writer?.setWelcome(m);
    handlers.welcome?.(m);
  });
  client.on('event', (ev) => {
    writer?.append(ev);
    handlers.change?.(chat.apply(ev));
  });
  client.on('reset', () => {
    writer?.reset();
    chat.reset();
    handlers.reset?.();
  });
  client.on('fatal', (e) => handlers.fatal?.(e));
  const wake = () => client.reconnectNow();
  const lost = () => client.networkLost();
  const visible = () => {
    if (document.visibilityState === 'visible') client.reconnectNow();
  };
  window.addEventListener('online', wake);
  window.addEventListener('offline', lost);
  document.addEventListener('visibilitychange', visible);
  const start = () => {
    client.start();
    if (navigator.onLine === false) client.networkLost();
  };
  if (cacheKey) {
    void loadCached(cacheKey).then((cached) => {
      if (closed) return;
      writer = new ChatCacheWriter(cacheKey, cached);
      if (cached) {
        // The chat as it was, before the socket opens (or when it cannot): the cached welcome and
        // events go through the same ChatState as live ones; the connection resumes after them.
        chat.welcome(cached.welcome);
        for (const ev of cached.events) chat.apply(ev);
        client.lastSeq = writer.seq;
        handlers.welcome?.(cached.welcome);
      }
      start();
    });
  } else {
    start();
  }
  return {
    client,
    chat,
    close() {
      closed = true;
      writer?.stop();
      window.removeEventListener('online', wake);
      window.removeEventListener('offline', lost);
      document.removeEventListener('visibilitychange', visible);
      client.stop();
    },
  };
}

/** The cached chat, or null when there is none or IndexedDB does not answer within 1.5 s. */
function loadCached(key: string): Promise<CachedChat | null> {
  return Promise.race([loadChat(key), new Promise<null>((resolve) => setTimeout(() => resolve(null), 1500))]);
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

export { phaseLabel };

/** Slow chats: "Q2 of 5 is out · answer any released question". */
export function slowLabel(p: Phase | null, released: number, total: number): string {
  if (!p) return t('common.connecting');
  switch (p.phase) {
    case 'scheduled':
      return t('live.slow_scheduled', { n: total });
    case 'closed':
      return t('common.phase_closed');
    case 'paused':
      return t('live.slow_paused', { released, n: total });
    default:
      return t('live.slow_open', { released, n: total });
  }
}

/**
 * The current phase, question and countdown bar. With an announcer, a screen reader hears each
 * phase change (with the question) and the one-minute warning of a timed part.
 */
export class PhaseView {
  readonly el: HTMLElement;
  private label = h('div', { class: 'phase-label', 'data-testid': 'phase' });
  private question = h('div', { class: 'phase-question', 'data-testid': 'question' });
  private countdown = h('div', { class: 'phase-countdown', 'data-testid': 'countdown' });
  private bar = h('div', { class: 'bar-fill' });
  private barBox = h('div', { class: 'bar', role: 'progressbar', 'aria-label': t('live.time_left') }, this.bar);
  private note = h('div', { class: 'phase-note', 'data-testid': 'phase-note' });
  private timer: ReturnType<typeof setInterval>;
  /** The phase last announced ("talk:2"), so only changes are read out. */
  private announced = '';
  /** The part whose one-minute warning was read out (ends_at), so it is read once. */
  private warned = '';

  constructor(
    private live: Live,
    private announcer: Announcer | null = null,
  ) {
    this.el = h('section', { class: 'phase', 'aria-label': t('live.phase_region') }, h('div', { class: 'phase-top' }, this.label, this.countdown), this.question, this.barBox, this.note);
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
    if (!q && p?.phase === 'intro') q = t('live.intro_question');
    setText(this.question, q ?? '');
    this.question.hidden = !q;
    const zone = chat.session?.timezone ?? '';
    if (p?.phase === 'scheduled') {
      const at = p.ends_at ?? chat.session?.start ?? null;
      setText(this.note, at ? t('live.starts', { when: describeInstant(at, zone) }) : t('live.starts_by_moderator'));
    } else if (p?.ends_at && p.phase !== 'closed') {
      setText(this.note, t('live.until', { time: formatLocal(p.ends_at, { date: false }), zone }));
    } else {
      setText(this.note, zone ? t('live.zone_note', { zone }) : '');
    }
    this.announce(p, q);
    this.tick();
  }

  /** Reads out a new phase (not the one the page opened in: the page itself says it). */
  private announce(p: Phase | null, q: string | null): void {
    if (!p) return;
    const key = `${p.phase}:${p.round ?? ''}`;
    const first = this.announced === '';
    if (key === this.announced) return;
    this.announced = key;
    if (!first) this.announcer?.say(q && p.phase !== 'closed' ? `${phaseLabel(p)}. ${q}` : phaseLabel(p));
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
      this.note.append(h('div', { 'data-testid': 'closes-at' }, t('live.slow_closed')));
    } else {
      if (sched.next) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, t('live.slow_next', { round: sched.next.round, when: yourTime(sched.next.at, zone) })));
      } else if (sched.paused) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, t('live.slow_paused_note', { zone })));
      } else if (sched.released >= sched.total) {
        this.note.append(h('div', { 'data-testid': 'next-release' }, t('live.slow_all_out')));
      }
      if (sched.closesAt) this.note.append(h('div', { 'data-testid': 'closes-at' }, t('live.slow_closes', { when: yourTime(sched.closesAt, zone) })));
    }
    this.announce(p, q);
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
      setText(this.countdown, p.remaining_ms !== undefined ? t('live.left_when_resumed', { time: formatDuration(p.remaining_ms) }) : '');
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
      setText(this.countdown, left > 0 ? t(allOut ? 'live.slow_closes_in' : 'live.slow_next_in', { time: formatDuration(left) }) : '');
      return;
    }
    if (p.phase === 'scheduled') {
      this.barBox.hidden = true;
      setText(this.countdown, left > 0 ? t('live.starts_in', { time: formatDuration(left) }) : t('live.starting'));
      return;
    }
    this.barBox.hidden = Number.isNaN(started);
    if (!Number.isNaN(started) && ends > started) {
      const frac = Math.min(1, Math.max(0, left / (ends - started)));
      this.bar.style.width = `${(frac * 100).toFixed(2)}%`;
      this.barBox.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
    }
    setText(this.countdown, left > 0 ? t(p.phase === 'talk' ? 'live.talk_left' : 'live.left', { time: formatDuration(left) }) : t('live.time_up'));
    // The one-minute warning, once per timed part, and only if the page saw it with more than a
    // minute left (a page opened in the last minute says the time itself).
    const part = `${p.phase}:${p.ends_at}`;
    if (left > 60_000) {
      this.warned = `seen:${part}`;
    } else if (left > 0 && this.warned !== part) {
      if (this.warned === `seen:${part}`) this.announcer?.say(t(p.phase === 'talk' ? 'live.sr_talk_minute' : 'live.sr_minute'));
      this.warned = part;
    }
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
        s === 'online' ? t('live.conn_online') : s === 'connecting' ? t('live.conn_connecting') : s === 'failed' ? t('live.conn_failed') : t('live.conn_offline'),
      );
      // A head count from before the connection dropped would be a guess.
      this.count.hidden = s !== 'online';
    };
    live.client.on('state', show);
    live.client.on('presence', (n) => setText(this.count, t('live.conn_here', { n })));
    live.client.on('welcome', (m) => setText(this.count, t('live.conn_here', { n: Math.max(1, m.session.online) })));
    show();
  }
}

/**
 * The offline banner: shown from the first lost or failed connection (or the browser's `offline`
 * event) until the next welcome, with the countdown to the next attempt (or "no network") and a
 * "Retry now" button. Pending posts stay in the feed below (they are kept on the device and sent
 * when the connection is back).
 */
export class ConnBanner {
  readonly el: HTMLElement;
  private text = h('span', { class: 'conn-banner-text', 'data-testid': 'offline-text' });
  private retry = h('button', { type: 'button', class: 'small conn-retry', 'data-testid': 'retry-now' }, t('live.retry_now'));
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
    this.el.dataset.network = client.networkDown ? 'down' : 'up';
    if (!show) {
      this.stopTimer();
      return;
    }
    if (this.timer === null) this.timer = setInterval(() => this.update(), 250);
    const waiting = client.pending().length;
    const inMs = client.reconnectInMs();
    // With no network there is nothing to count down: the next attempt is when it is back.
    const parts = client.networkDown
      ? [t('live.no_network')]
      : [t('live.offline_now'), s === 'offline' && inMs !== null ? t('live.reconnecting_in', { n: Math.max(1, Math.ceil(inMs / 1000)) }) : t('live.reconnecting')];
    if (waiting > 0) parts.push(t('live.posts_wait', { n: waiting }));
    // One element per sentence (each a whole catalogue message), rebuilt only when one changes.
    if (parts.join(' ') !== this.text.textContent) {
      this.text.replaceChildren(...parts.flatMap((p, i) => (i === 0 ? [h('span', {}, p)] : [' ', h('span', {}, p)])));
    }
    this.retry.disabled = s === 'connecting';
  }
}
