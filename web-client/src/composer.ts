// The answer box: labelled A<n> for the current round, an optional pick among the asked rounds,
// replies, and a post goes through the outbox (so it survives a dropped connection or a reload).

import type { ChatState, PostItem } from './chat_state';
import { h, setText } from './dom';
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

export class Composer {
  readonly el: HTMLFormElement;
  private badge = h('span', { class: 'badge composer-badge', 'data-testid': 'composer-round' });
  private area = h('textarea', {
    name: 'text',
    rows: 2,
    maxlength: MAX_CHARS * 2,
    placeholder: 'Your answer…',
    'aria-label': 'Your answer',
    'data-testid': 'composer-text',
  });
  private select = h('select', { 'aria-label': 'Answer which question', class: 'round-pick' });
  private counter = h('span', { class: 'counter' });
  private replyBox = h('div', { class: 'reply-banner' });
  private notice = h('div', { class: 'composer-notice', role: 'status', 'data-testid': 'composer-notice' });
  private send = h('button', { type: 'submit', class: 'primary', 'data-testid': 'send' }, 'Send');
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
    this.foot = h('div', { class: 'composer-foot' }, h('label', {}, 'Answer to ', this.select), this.counter);
    this.el = h(
      'form',
      { class: 'composer', 'data-testid': 'composer' },
      this.notice,
      this.replyBox,
      h('div', { class: 'composer-row' }, this.badge, this.area, this.send),
      this.foot,
    );
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.area.addEventListener('input', () => this.updateCounter());
    this.area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.submit();
      }
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
        h('span', {}, `Replying to @${post.author}: `),
        h('q', {}, excerpt),
        h('button', { type: 'button', class: 'small', onclick: () => this.setReply(null) }, 'Cancel'),
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
    const base = this.fixed !== null ? `Your answer to Q${this.fixed}…` : 'Your answer…';
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
      this.select.append(h('option', { value: '' }, current !== null ? `current question (A${current})` : 'no question'));
      for (const r of rounds) {
        this.select.append(h('option', { value: String(r) }, r === 0 ? 'A0 introductions' : `A${r}: ${this.chat.questionText(r) ?? `Q${r}`}`));
      }
      if ([...this.select.options].some((o) => o.value === previous)) this.select.value = previous;
    }
    const closed = this.chat.phase?.phase === 'closed';
    const banned = this.chat.amBanned;
    const muted = !banned && this.chat.amMuted;
    const off = closed || muted || banned;
    this.area.disabled = off;
    this.send.disabled = off;
    this.select.disabled = off;
    this.area.placeholder = closed
      ? 'The chat is closed.'
      : muted
        ? 'You are muted.'
        : banned
          ? 'You are banned from this chat.'
          : this.placeholder();
    this.notice.hidden = !(muted || banned);
    setText(
      this.notice,
      banned
        ? 'A moderator has banned you from this chat.'
        : muted
          ? 'You are muted: a moderator has muted you. You can keep reading, but not post, edit or like.'
          : '',
    );
    this.updateBadge();
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
