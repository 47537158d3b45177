// `/s/{id}/screen`: the pub projector, at 1280x720 or 1920x1080 with nothing to scroll: the
// hashtag, the current question large, a countdown readable from the back of the room, a QR code
// of the join link with the link itself, as many of the newest answers as fit (pinned ones stay),
// the latest announcement, and before the start the schedule, after the end the archive. It joins
// as a viewer (`hello` with `view: true`): no handle, no token, counted nowhere. F: full screen.

import type { AnnounceItem, ChatState, PostItem } from './chat_state';
import { clear, h, setText } from './dom';
import { dateTimeFormat, t } from './i18n';
import { openLive } from './live';
import type { Phase, SessionInfo } from './protocol';
import { slowSchedule } from './slow';
import { followLinks } from './share';
import { formatDuration } from './time';

/** At most this many answers are laid out before trimming to what fits. */
const MOST = 12;

/** "https://chat.example.org/s/pubpd" -> "chat.example.org/s/pubpd": shorter on the wall. */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

/** The short address in two lines that never break inside: the host, then the path. */
function showUrl(el: HTMLElement, url: string): void {
  const short = shortUrl(url);
  const slash = short.indexOf('/');
  clear(el);
  el.append(h('span', {}, slash < 0 ? short : short.slice(0, slash)), slash < 0 ? '' : h('span', {}, short.slice(slash)));
}

/** Minutes a live chat lasts by its timetable (introductions, each question, wrap-up). */
export function plannedMinutes(s: SessionInfo): number {
  let total = s.intro_minutes + s.wrapup_minutes;
  for (const q of s.questions) total += (q.talk_minutes ?? s.talk_minutes) + (q.round_minutes ?? s.round_minutes);
  return total;
}

/** The big line and the caption above it for the current phase at `now`. */
export function clockText(p: Phase | null, now: number, slow: boolean): { caption: string; digits: string } {
  if (!p) return { caption: t('common.connecting'), digits: '' };
  const ends = p.ends_at ? Date.parse(p.ends_at) : NaN;
  const left = Number.isNaN(ends) ? NaN : Math.max(0, ends - now);
  const time = Number.isNaN(left) ? '' : formatDuration(left);
  switch (p.phase) {
    case 'scheduled':
      return time ? { caption: t('screen.starts_in'), digits: time } : { caption: t('screen.waiting_moderator'), digits: '' };
    case 'talk':
      return { caption: t('screen.talk'), digits: time };
    case 'paused':
      return { caption: t('screen.paused'), digits: p.remaining_ms !== undefined ? formatDuration(p.remaining_ms) : '' };
    case 'closed':
      return { caption: '', digits: '' };
    default:
      if (slow) return { caption: time ? t('screen.next_release_in') : '', digits: time };
      return { caption: p.phase === 'round' ? t('screen.answer_with', { n: p.round ?? 0 }) : p.phase === 'intro' ? t('screen.intro') : t('screen.wrapup'), digits: left === 0 ? t('screen.time_up') : time };
  }
}

/** The line above the big one: which question of how many, or the part of the evening. */
function stageText(chat: ChatState): string {
  const p = chat.phase;
  if (chat.isSlow) {
    const sched = slowSchedule(chat);
    return sched.closed ? '' : t('screen.slow_out', { released: sched.released, total: sched.total });
  }
  if (p && (p.phase === 'round' || p.phase === 'talk' || (p.phase === 'paused' && p.round))) {
    return t('screen.question_of', { n: p.round ?? 0, total: chat.session?.questions.length ?? 0 });
  }
  return p?.phase === 'intro' ? t('screen.stage_intro') : p?.phase === 'wrapup' ? t('screen.stage_wrapup') : '';
}

/** The big line: the question; before the start the chat's title, after the end the thanks. */
function questionText(p: Phase | null, s: SessionInfo | null): string | null {
  if (p?.phase === 'scheduled' && s) return s.title || s.hashtag;
  if (p?.phase === 'closed' && s) return t('screen.thanks', { hashtag: s.hashtag });
  if (p?.phase === 'intro') return t('screen.intro_question');
  if (p?.phase === 'wrapup') return t('screen.wrapup_question');
  return p?.question ?? null;
}

/** Before the start: when (in the chat's zone) and, for a live chat, the plan. */
function scheduleNote(slow: boolean, p: Phase, s: SessionInfo): HTMLElement[] {
  const lines: HTMLElement[] = [];
  const start = p.ends_at ?? s.start;
  if (start) lines.push(h('div', { 'data-testid': 'schedule' }, t('screen.starts_at', { when: roomTime(start, s.timezone), zone: s.timezone })));
  if (!slow) lines.push(h('div', {}, t('screen.plan', { n: s.questions.length, minutes: plannedMinutes(s) })));
  return lines;
}

/** After the end: where the archive is. */
function archiveNote(archiveUrl: string): HTMLElement[] {
  const at = h('div', { class: 'screen-url', 'data-testid': 'archive-url' });
  showUrl(at, archiveUrl);
  return [h('div', {}, t('screen.archive_at')), at];
}

/** The room sits in the chat's zone, whatever the laptop driving the projector is set to. */
function roomTime(iso: string, zone: string): string {
  return dateTimeFormat({ weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(iso));
}

export function renderScreen(root: HTMLElement, id: string): void {
  document.body.classList.add('screen-mode');
  const hashtag = h('h1', { class: 'screen-hashtag', 'data-testid': 'hashtag' }, id);
  const title = h('div', { class: 'screen-title' });
  const stage = h('div', { class: 'screen-stage', 'data-testid': 'stage' });
  const question = h('div', { class: 'screen-question', 'data-testid': 'question' });
  const caption = h('div', { class: 'screen-caption', 'data-testid': 'caption' });
  const digits = h('div', { class: 'screen-clock', 'data-testid': 'countdown' });
  const note = h('div', { class: 'screen-note', 'data-testid': 'screen-note' });
  const qr = h('img', { class: 'screen-qr', 'data-testid': 'qr', alt: '', width: 280, height: 280 });
  const joinText = h('div', { class: 'screen-url', 'data-testid': 'join-url' });
  const joinBox = h('aside', { class: 'screen-join', 'aria-label': t('screen.join') }, h('div', { class: 'screen-join-label' }, t('screen.join')), qr, joinText);
  const status = h('div', { class: 'screen-status', role: 'status', 'data-testid': 'conn' });
  const hint = h('div', { class: 'screen-hint' }, t('screen.fullscreen_hint'));
  const now = h('section', { class: 'screen-now', 'aria-labelledby': 'screen-question' }, stage, question, caption, digits, note);
  question.id = 'screen-question';
  const answers = new ScreenAnswers();
  const main = h(
    'main',
    { class: 'screen' },
    h('header', { class: 'screen-head' }, hashtag, title, status),
    now,
    joinBox,
    answers.announce,
    answers.list,
    hint,
  );
  root.append(main);

  let archiveUrl = '';
  const live = openLive(
    { session: id, handle: '', name: '', view: true },
    {
      welcome: (m) => {
        setText(hashtag, m.session.hashtag);
        setText(title, m.session.title);
        document.title = t('screen.page_title', { hashtag: m.session.hashtag });
        qr.alt = t('screen.qr_alt', { hashtag: m.session.hashtag });
        update();
      },
      change: (c) => {
        if (c.type === 'phase') update();
        else if (c.type === 'item') answers.render(live.chat);
      },
      reset: update,
      fatal: (e) => {
        setText(stage, e.code === 'not_found' ? t('screen.not_found') : t('screen.cannot_join'));
      },
    },
  );

  /** The phase's words: stage line, question, note (schedule before, archive after). */
  function update(): void {
    const { chat } = live;
    const p = chat.phase;
    const s = chat.session;
    main.dataset.phase = p?.phase ?? '';
    title.hidden = p?.phase === 'scheduled'; // the title is the big line until the start
    clear(note);
    setText(stage, stageText(chat));
    if (p?.phase === 'scheduled' && s) note.append(...scheduleNote(chat.isSlow, p, s));
    if (p?.phase === 'closed' && s) note.append(...archiveNote(archiveUrl));
    const q = questionText(p, s);
    setText(question, q ?? '');
    question.hidden = !q;
    tick();
    answers.render(live.chat);
  }

  function tick(): void {
    const c = clockText(live.chat.phase, live.client.serverNow(), live.chat.isSlow);
    setText(caption, c.caption);
    setText(digits, c.digits);
    digits.hidden = !c.digits;
    caption.hidden = !c.caption;
  }

  const showConn = () => {
    const s = live.client.state;
    main.dataset.conn = s;
    setText(status, s === 'online' ? '' : s === 'connecting' ? t('common.connecting') : t('common.offline'));
  };
  live.client.on('state', showConn);
  showConn();
  followLinks(id, (l) => {
    qr.src = l.qr;
    showUrl(joinText, l.join);
    archiveUrl = l.archive;
    update(); // the archive's address, once the chat is over
  });
  setInterval(tick, 250);
  window.addEventListener('resize', () => answers.render(live.chat));
  fullScreenOnF();
}

/** The newest answers that fit whole, pinned ones first; the newest announcement above them. */
class ScreenAnswers {
  readonly list = h('ol', { class: 'screen-answers', 'data-testid': 'screen-answers', 'aria-label': t('screen.answers') });
  readonly announce = h('div', { class: 'screen-announce', 'data-testid': 'screen-announce', hidden: true });
  private frame = 0;

  /** A burst of posts lays the answers out once per frame, not once per post. */
  render(chat: ChatState): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw(chat);
      });
    }
  }

  private draw(chat: ChatState): void {
    const answers = this.list;
    const pinned: PostItem[] = [];
    const newest: PostItem[] = [];
    let lastAnnounce: AnnounceItem | null = null;
    for (let i = chat.order.length - 1; i >= 0; i--) {
      const item = chat.items.get(chat.order[i]);
      if (!item) continue;
      if (item.kind === 'announce') {
        lastAnnounce ??= item;
        continue;
      }
      if (item.deleted || item.hidden || item.reply_to !== null) continue;
      if (item.pinned) pinned.push(item);
      else if (newest.length < MOST) newest.push(item);
    }
    clear(answers);
    for (const p of [...pinned, ...newest]) answers.append(answerCard(p));
    if (answers.childElementCount === 0) answers.append(h('li', { class: 'screen-empty' }, t('screen.no_answers')));
    const recent = lastAnnounce && (newest.length === 0 || lastAnnounce.seq > newest[newest.length - 1].seq);
    this.announce.hidden = !recent;
    if (recent && lastAnnounce) setText(this.announce, lastAnnounce.text);
    this.fit();
  }

  /** Takes out the oldest unpinned answers until the rest fit whole (nothing cut, no scrolling). */
  private fit(): void {
    const answers = this.list;
    const overflows = () => answers.scrollHeight > answers.clientHeight + 1;
    while (overflows()) {
      const cards = [...answers.querySelectorAll<HTMLElement>('.screen-answer:not(.pinned)')];
      const last = cards[cards.length - 1] ?? answers.querySelector<HTMLElement>('.screen-answer.pinned:last-child');
      if (!last || answers.childElementCount <= 1) break;
      last.remove();
    }
  }
}

function answerCard(p: PostItem): HTMLElement {
  return h(
    'li',
    { class: `screen-answer${p.pinned ? ' pinned' : ''}`, 'data-seq': p.seq },
    h(
      'div',
      { class: 'who' },
      p.round !== null ? h('span', { class: 'badge' }, `A${p.round}`) : null,
      h('span', { class: 'name' }, p.name),
      h('span', { class: 'handle' }, `@${p.author}`),
      p.pinned ? h('span', { class: 'pin' }, t('screen.pinned')) : null,
      p.likes > 0 ? h('span', { class: 'likes' }, t('screen.likes', { n: p.likes })) : null,
    ),
    h('div', { class: 'text', dir: 'auto' }, p.text),
  );
}

/** F: full screen and back (not with a modifier: Ctrl+F is the browser's). */
function fullScreenOnF(): void {
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'f' && ev.key !== 'F') return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.fullscreenElement) void document.exitFullscreen();
    else void document.documentElement.requestFullscreen?.().catch(() => undefined);
  });
}
