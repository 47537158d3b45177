// The answer box: labelled A<n> for the current round, an optional pick among the asked rounds,
// replies, @-mention suggestions from the people in the chat, and a post goes through the outbox
// (so it survives a dropped connection or a reload). During table talk it waits ("talk first") and
// opens when posting does; Ctrl+Enter (or Cmd+Enter) sends, as the box says.

import type { ChatState, PostItem } from './chat_state';
import { h, setText } from './dom';
import { t } from './i18n';
import type { ChatClient } from './ws_client';

const MAX_CHARS = 1000;
/** An A<n> prefix the server reads itself (A3:, A3 , a3), A3., A3-). */
const PREFIX_RE = /^\s*[Aa](\d+)[:\s).\-]/;

export function countChars(text: string): number {
  return [...text].length;
}

/** Decides the `round` field for a new answer: explicit pick, else the typed prefix, else current. */
export function roundFor(text: string, picked: number | null, current: number | null, isReply: boolean): number | undefined {
  if (picked !== null) return picked;
  if (isReply || PREFIX_RE.test(text)) return undefined;
  return current ?? undefined;
}

/** The "@partial" being typed just before the caret: where it starts and what follows the @. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|[^A-Za-z0-9_@])@([A-Za-z0-9_]{0,20})$/.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

/** Up to `max` people whose handle or a word of whose name starts with `query` (ignoring case), not me. */
export function suggestPeople(
  people: { handle: string; name: string }[],
  query: string,
  me: string,
  max = 5,
): { handle: string; name: string }[] {
  const q = query.toLowerCase();
  const mine = me.toLowerCase();
  return people
    .filter((p) => p.handle.toLowerCase() !== mine)
    .filter((p) => p.handle.toLowerCase().startsWith(q) || p.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)))
    .slice(0, max);
}

let composerCount = 0;

export class Composer {
  readonly el: HTMLFormElement;
  private badge = h('span', { class: 'badge composer-badge', 'data-testid': 'composer-round' });
  private area = h('textarea', {
    name: 'text',
    rows: 2,
    maxlength: MAX_CHARS * 2,
    id: 'answer-box',
    placeholder: t('live.answer_placeholder'),
    'aria-label': t('live.answer_label'),
    'aria-autocomplete': 'list',
    'data-testid': 'composer-text',
  });
  private select = h('select', { 'aria-label': t('live.answer_which'), class: 'round-pick' });
  private readonly listId = `mentions-${++composerCount}`;
  private suggestions = h('ul', { class: 'mention-list', role: 'listbox', id: this.listId, 'aria-label': t('live.mention_list'), 'data-testid': 'mention-list' });
  private matches: { handle: string; name: string }[] = [];
  private active = 0;
  private shortcut = h('span', { class: 'shortcut', id: `${this.listId}-keys` }, t('live.send_shortcut'));
  private counter = h('span', { class: 'counter' });
  private replyBox = h('div', { class: 'reply-banner' });
  private notice = h('div', { class: 'composer-notice', role: 'status', 'data-testid': 'composer-notice' });
  private send = h('button', { type: 'submit', class: 'primary', 'data-testid': 'send' }, t('live.send'));
  private foot: HTMLElement;
  private replyTo: PostItem | null = null;
  private optionsKey = '';
  /** Slow chats: the question of the selected tab, which every new answer goes to. */
  private fixed: number | null = null;

  constructor(
    private chat: ChatState,
    private client: ChatClient,
    private hashtag: () => string,
  ) {
    this.replyBox.hidden = true;
    this.suggestions.hidden = true;
    this.area.setAttribute('aria-controls', this.listId);
    this.area.setAttribute('aria-describedby', `${this.listId}-keys`);
    this.foot = h('div', { class: 'composer-foot' }, h('label', {}, t('live.answer_to'), ' ', this.select), this.shortcut, this.counter);
    this.el = h(
      'form',
      { class: 'composer', 'data-testid': 'composer' },
      this.notice,
      this.replyBox,
      this.suggestions,
      h('div', { class: 'composer-row' }, this.badge, this.area, this.send),
      this.foot,
    );
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.area.addEventListener('input', () => {
      this.updateCounter();
      this.updateSuggestions();
    });
    this.area.addEventListener('click', () => this.updateSuggestions());
    this.area.addEventListener('blur', () => this.closeSuggestions());
    this.area.addEventListener('keydown', (ev) => {
      if (!this.suggestions.hidden && this.suggestKey(ev)) return;
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.submit();
      }
    });
    // Pressing an option must not take the focus from the answer box (it would close the list).
    this.suggestions.addEventListener('mousedown', (ev) => ev.preventDefault());
    this.suggestions.addEventListener('click', (ev) => {
      const li = (ev.target as HTMLElement).closest('li');
      if (li?.dataset.index !== undefined) this.pick(Number(li.dataset.index));
    });
    this.select.addEventListener('change', () => this.updateBadge());
    this.update();
  }

  setReply(post: PostItem | null): void {
    this.replyTo = post;
    this.replyBox.textContent = '';
    this.replyBox.hidden = !post;
    if (post) {
      const excerpt = post.text.length > 80 ? `${post.text.slice(0, 80)}…` : post.text;
      this.replyBox.append(
        h('span', {}, t('live.replying_to', { handle: post.author })),
        h('q', {}, excerpt),
        h('button', { type: 'button', class: 'small', onclick: () => this.setReply(null) }, t('live.cancel_reply')),
      );
      this.area.focus();
    }
    this.updateBadge();
  }

  /**
   * Slow chats: every new answer goes to this question (sent as `round`), and the pick among the
   * asked rounds is hidden (the tabs choose). null: back to the pick.
   */
  setFixedRound(round: number | null): void {
    this.fixed = round;
    this.foot.querySelector('label')?.toggleAttribute('hidden', round !== null);
    this.area.placeholder = this.placeholder();
    this.updateBadge();
  }

  private placeholder(): string {
    const base = this.fixed !== null ? t('live.answer_placeholder_q', { round: this.fixed }) : t('live.answer_placeholder');
    return `${base} ${this.hashtag()}`.trim();
  }

  /** Phase or asked rounds changed. */
  update(): void {
    const rounds = this.chat.askedRounds();
    const current = this.chat.currentRound;
    const key = `${rounds.length}:${current}`;
    if (key !== this.optionsKey) {
      this.optionsKey = key;
      const previous = this.select.value;
      this.select.textContent = '';
      this.select.append(h('option', { value: '' }, current !== null ? t('live.pick_current', { round: current }) : t('live.pick_none')));
      for (const r of rounds) {
        this.select.append(h('option', { value: String(r) }, r === 0 ? t('live.pick_intro') : `A${r}: ${this.chat.questionText(r) ?? `Q${r}`}`));
      }
      if ([...this.select.options].some((o) => o.value === previous)) this.select.value = previous;
    }
    const phase = this.chat.phase?.phase;
    const closed = phase === 'closed';
    const banned = this.chat.amBanned;
    const muted = !banned && this.chat.amMuted;
    // Table talk: the room talks first; the box opens when the question's posting part starts
    // (moderators keep it, to announce or steer).
    const talk = phase === 'talk' && !this.chat.isModerator;
    const off = closed || muted || banned || talk;
    this.area.disabled = off;
    this.send.disabled = off;
    this.select.disabled = off;
    this.el.dataset.state = closed ? 'closed' : talk ? 'talk' : muted ? 'muted' : banned ? 'banned' : 'open';
    this.area.placeholder = closed
      ? t('live.closed_placeholder')
      : muted
        ? t('live.muted_placeholder')
        : banned
          ? t('live.banned_placeholder')
          : talk
            ? t('live.talk_placeholder')
            : this.placeholder();
    this.notice.hidden = !(muted || banned || talk);
    this.notice.classList.toggle('calm', talk && !muted && !banned);
    setText(this.notice, banned ? t('live.banned_notice') : muted ? t('live.muted_notice') : talk ? t('live.talk_notice') : '');
    if (off) this.closeSuggestions();
    this.updateBadge();
  }

  /** Opens, updates or closes the @-mention list for the word before the caret. */
  private updateSuggestions(): void {
    const q = mentionQuery(this.area.value, this.area.selectionStart ?? this.area.value.length);
    this.matches = q ? suggestPeople(this.chat.people(), q.query, this.chat.me) : [];
    if (this.matches.length === 0) {
      this.closeSuggestions();
      return;
    }
    this.active = Math.min(this.active, this.matches.length - 1);
    this.suggestions.textContent = '';
    this.matches.forEach((p, i) => {
      this.suggestions.append(
        h(
          'li',
          { role: 'option', id: `${this.listId}-${i}`, 'data-index': i, 'aria-selected': String(i === this.active), 'data-testid': 'mention-option' },
          h('span', { class: 'handle' }, `@${p.handle}`),
          ' ',
          h('span', { class: 'name' }, p.name),
        ),
      );
    });
    this.suggestions.hidden = false;
    this.area.setAttribute('aria-activedescendant', `${this.listId}-${this.active}`);
  }

  private closeSuggestions(): void {
    this.suggestions.hidden = true;
    this.matches = [];
    this.active = 0;
    this.area.removeAttribute('aria-activedescendant');
  }

  /** Arrow keys move in the open list, Enter or Tab take the option, Escape closes; true if used. */
  private suggestKey(ev: KeyboardEvent): boolean {
    const n = this.matches.length;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      this.active = (this.active + (ev.key === 'ArrowDown' ? 1 : n - 1)) % n;
      ev.preventDefault();
      this.updateSuggestions();
      return true;
    }
    if ((ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey) || ev.key === 'Tab') {
      ev.preventDefault();
      this.pick(this.active);
      return true;
    }
    if (ev.key === 'Escape') {
      ev.preventDefault();
      this.closeSuggestions();
      return true;
    }
    return false;
  }

  /** Replaces the "@partial" before the caret with the picked handle and a space. */
  private pick(index: number): void {
    const p = this.matches[index];
    const caret = this.area.selectionStart ?? this.area.value.length;
    const q = mentionQuery(this.area.value, caret);
    if (!p || !q) return;
    const insert = `@${p.handle} `;
    this.area.value = this.area.value.slice(0, q.start) + insert + this.area.value.slice(caret);
    const at = q.start + insert.length;
    this.area.setSelectionRange(at, at);
    this.closeSuggestions();
    this.area.focus();
    this.updateCounter();
  }

  private picked(): number | null {
    if (this.fixed !== null) return this.fixed;
    return this.select.value === '' ? null : Number(this.select.value);
  }

  private updateBadge(): void {
    if (this.replyTo) {
      setText(this.badge, '↩');
      return;
    }
    const r = this.picked() ?? this.chat.currentRound;
    setText(this.badge, r === null ? '#' : `A${r}`);
  }

  private updateCounter(): void {
    const n = countChars(this.area.value);
    setText(this.counter, n > MAX_CHARS - 100 ? `${n}/${MAX_CHARS}` : '');
    this.counter.classList.toggle('over', n > MAX_CHARS);
  }

  private submit(): void {
    const text = this.area.value.trim();
    if (!text) return;
    if (countChars(text) > MAX_CHARS) {
      this.updateCounter();
      return;
    }
    const reply = this.replyTo;
    // A reply belongs to its parent's question (the server decides); with tabs, the tab's question.
    const round = reply !== null && this.fixed !== null ? undefined : roundFor(text, this.picked(), this.chat.currentRound, reply !== null);
    this.client.post(text, {
      ...(round !== undefined ? { round } : {}),
      ...(reply ? { reply_to: reply.seq } : {}),
    });
    this.area.value = '';
    this.updateCounter();
    this.setReply(null);
  }
}
