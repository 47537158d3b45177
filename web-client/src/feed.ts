// The live feed: posts labelled A<n>, replies under what they reply to, likes, edit/delete of
// own posts, highlighted announcements, pinned posts first in their question, hidden posts (gone
// for participants, greyed for moderators), the moderator's actions on each post and author, and
// pending (unsent, or waiting for approval) posts. Updated item by item.

import type { AnnounceItem, ChatState, Item, PostItem } from './chat_state';
import { clear, h, toast } from './dom';
import { errorText } from './api';
import { t } from './i18n';
import { formatClock } from './time';
import type { ModerateAction } from './protocol';
import type { ChatClient, HeldPost, OutboxItem } from './ws_client';

export type FeedMode = 'timeline' | 'grouped';

/** Which posts the feed shows: all, the current question's, mine, or those mentioning or answering me. */
export type FeedFilter = 'all' | 'round' | 'mine' | 'mentions';

export interface FeedOptions {
  mode: FeedMode;
  /** Moderators may delete any post. */
  canDeleteAny: boolean;
  onReply(post: PostItem): void;
  /** Moderators: the actions on each post and its author. */
  moderation?: ModerationHooks;
}

export interface ModerationHooks {
  /** hide/unhide/pin/unpin (seq) and mute/unmute/unban (handle). */
  act(action: ModerateAction, target: { seq?: number; handle?: string }): void;
  /** Asks for confirmation (and the address option) before banning. */
  ban(handle: string): void;
}

interface Entry {
  root: HTMLElement;
  body: HTMLElement;
  replies: HTMLElement | null;
  editor: HTMLElement | null;
  /** Placed among the pinned posts at the top of its container. */
  pinned: boolean;
}

/**
 * `first-post` for scripts/bench web: the first post placed, marked after the frame that paints it
 * (a task queued from that frame's requestAnimationFrame callback runs after its paint).
 */
let firstPostMarked = false;
function markFirstPost(): void {
  if (firstPostMarked) return;
  firstPostMarked = true;
  requestAnimationFrame(() => setTimeout(() => performance.mark('first-post')));
}

export function roundBadge(round: number | null): string {
  return round === null ? '' : `A${round}`;
}

export class FeedView {
  readonly el: HTMLElement;
  private list = h('div', { class: 'feed-list', 'data-testid': 'feed' });
  private pendingBox = h('div', { class: 'pending-list', 'data-testid': 'pending' });
  private entries = new Map<number, Entry>();
  private sections = new Map<string, HTMLElement>();
  private empty = h('p', { class: 'empty', 'data-testid': 'feed-empty' });
  /** In the grouped view, only these sections are shown (slow chats: one question per tab). */
  private only: Set<string> | null = null;
  private filter: FeedFilter = 'all';

  constructor(
    private chat: ChatState,
    private client: ChatClient,
    private opts: FeedOptions,
  ) {
    this.el = h('section', { class: `feed feed-${opts.mode}` }, this.list, this.pendingBox);
    this.rebuild();
  }

  setMode(mode: FeedMode): void {
    if (mode === this.opts.mode) return;
    this.opts.mode = mode;
    this.el.className = `feed feed-${mode}`;
    this.rebuild();
  }

  rebuild(): void {
    clear(this.list);
    this.entries.clear();
    this.sections.clear();
    if (this.opts.mode === 'grouped') {
      this.section('announce');
      this.section('0');
      for (const q of this.chat.session?.questions ?? []) this.section(String(q.round));
    }
    for (const seq of this.chat.order) {
      const item = this.chat.items.get(seq);
      if (item) this.place(item);
    }
    this.updateEmpty();
  }

  /**
   * Grouped view: show only the sections with these keys ('announce', '0', '1', ..., 'other'),
   * or all of them (null).
   */
  showOnly(keys: string[] | null): void {
    this.only = keys ? new Set(keys) : null;
    this.updateEmpty();
  }

  /**
   * Shows only the threads with a post that passes `filter` (a thread: a post and its replies; an
   * announcement always shows). 'round' follows the current question as it changes.
   */
  setFilter(filter: FeedFilter): void {
    this.filter = filter;
    this.applyFilter();
  }

  /** The phase changed: the current question's filter follows it. */
  applyFilter(): void {
    for (const [seq, entry] of this.entries) {
      const item = this.chat.items.get(seq);
      if (item) this.filterEntry(entry, item);
    }
    this.updateEmpty();
  }

  private passes(item: Item): boolean {
    if (item.kind === 'announce' || this.filter === 'all') return true;
    if (item.deleted) return false;
    switch (this.filter) {
      case 'round':
        return item.round !== null && item.round === this.filterRound();
      case 'mine':
        return this.chat.isMine(item);
      case 'mentions': {
        const parent = item.reply_to !== null ? this.chat.post(item.reply_to) : undefined;
        return mentions(item.text, this.chat.me) || (parent !== undefined && this.chat.isMine(parent) && !this.chat.isMine(item));
      }
    }
  }

  /** The current question, else the newest asked (after the last round, in the wrap-up). */
  private filterRound(): number | null {
    return this.chat.currentRound ?? (this.chat.maxRoundAsked >= 0 ? this.chat.maxRoundAsked : null);
  }

  /** A top-level post shows when it or one of its replies passes; replies follow their thread. */
  private filterEntry(entry: Entry, item: Item): void {
    if (item.kind === 'post' && item.reply_to !== null) return;
    const thread = item.kind === 'post' ? [item, ...item.replies.map((r) => this.chat.post(r)).filter((p): p is PostItem => p !== undefined)] : [item];
    entry.root.classList.toggle('filtered-out', !thread.some((i) => this.passes(i)));
  }

  /** An item was added or changed. */
  upsert(item: Item, isNew: boolean): void {
    const entry = this.entries.get(item.seq);
    if (entry && !isNew) {
      this.fill(entry, item);
      if (item.kind === 'post' && item.reply_to !== null) {
        // A reply hidden or shown may change whether its hidden parent still shows.
        const parent = this.chat.items.get(item.reply_to);
        const pe = this.entries.get(item.reply_to);
        if (parent && pe) this.fill(pe, parent);
      }
      if (item.kind === 'post' && entry.pinned !== item.pinned) {
        entry.pinned = item.pinned;
        this.insertOrdered(entry.root, item);
      }
      this.filterThread(item);
      this.updateEmpty();
      return;
    }
    if (!entry) this.place(item);
    this.filterThread(item);
    this.updateEmpty();
  }

  private filterThread(item: Item): void {
    const top = item.kind === 'post' && item.reply_to !== null ? this.chat.items.get(item.reply_to) : item;
    const entry = top ? this.entries.get(top.seq) : undefined;
    if (top && entry) this.filterEntry(entry, top);
  }

  refreshAll(): void {
    for (const [seq, entry] of this.entries) {
      const item = this.chat.items.get(seq);
      if (item) this.fill(entry, item);
    }
  }

  setPending(items: OutboxItem[], online: boolean, held: HeldPost[] = []): void {
    clear(this.pendingBox);
    for (const hp of held) {
      const it = hp.item;
      this.pendingBox.appendChild(
        h(
          'div',
          { class: `post pending held${hp.rejected ? ' rejected' : ''}`, 'data-cid': it.cid, 'data-testid': 'held-post' },
          h(
            'div',
            { class: 'post-meta' },
            it.round !== undefined ? h('span', { class: 'badge' }, `A${it.round}`) : null,
            h(
              'span',
              { class: 'pending-label', 'data-testid': 'held-label' },
              hp.rejected ? t('live.held_rejected') : t('live.held_waiting'),
            ),
          ),
          h('p', { class: 'post-text' }, it.text),
          h(
            'div',
            { class: 'post-actions' },
            hp.rejected
              ? h('button', { type: 'button', class: 'small', 'data-testid': 'dismiss', onclick: () => this.client.discard(it.cid) }, t('live.dismiss'))
              : null,
          ),
        ),
      );
    }
    for (const it of items) {
      const parent = it.reply_to !== undefined ? this.chat.post(it.reply_to) : undefined;
      const retry = this.client.retryAt(it.cid);
      const label = !online ? t('live.pending_offline') : retry !== null ? t('live.pending_busy') : t('live.pending_sending');
      this.pendingBox.appendChild(
        h(
          'div',
          { class: 'post pending', 'data-cid': it.cid, 'data-testid': 'pending-post' },
          h(
            'div',
            { class: 'post-meta' },
            it.round !== undefined ? h('span', { class: 'badge' }, `A${it.round}`) : null,
            h('span', { class: 'pending-label', 'data-testid': 'pending-label' }, label),
            parent ? h('span', { class: 'reply-to' }, t('live.pending_reply_to', { handle: parent.author })) : null,
          ),
          h('p', { class: 'post-text' }, it.text),
          h(
            'div',
            { class: 'post-actions' },
            h('button', { type: 'button', class: 'small', onclick: () => this.client.discard(it.cid) }, t('live.discard')),
          ),
        ),
      );
    }
  }

  // ---- placement ----

  private section(key: string): HTMLElement {
    let sec = this.sections.get(key);
    if (sec) return sec;
    const title = this.sectionTitle(key);
    const body = h('div', { class: 'section-body' });
    sec = h(
      'section',
      { class: `round-section section-${key === 'announce' ? 'announce' : 'round'}`, 'data-round': key },
      h('h3', {}, ...title),
      // Before the body: the code finds a section's body as its last child.
      h('p', { class: 'section-empty' }, t('live.no_answers_yet')),
      body,
    );
    this.sections.set(key, sec);
    // Keep sections in order: announcements, A0, Q1, Q2, ..., other.
    const rank = (k: string) => (k === 'announce' ? -2 : k === 'other' ? 1e9 : Number(k));
    const after = [...this.list.children].find((c) => {
      const k = (c as HTMLElement).dataset.round;
      return k !== undefined && rank(k) > rank(key);
    });
    this.list.insertBefore(sec, after ?? null);
    return sec;
  }

  private sectionTitle(key: string): (string | HTMLElement)[] {
    if (key === 'announce') return [t('live.announcements')];
    if (key === 'other') return [t('live.other_posts')];
    if (key === '0') return [h('span', { class: 'badge' }, 'A0'), ` ${t('live.introductions')}`];
    const text = this.chat.questionText(Number(key)) ?? '';
    return [h('span', { class: 'badge q' }, `Q${key}`), ` ${text}`];
  }

  private container(item: Item): HTMLElement {
    if (item.kind === 'post' && item.reply_to !== null) {
      const parent = this.entries.get(item.reply_to);
      if (parent?.replies) return parent.replies;
    }
    if (this.opts.mode === 'timeline') return this.list;
    if (item.kind === 'announce') return this.section('announce').lastElementChild as HTMLElement;
    const key = item.round === null ? 'other' : String(item.round);
    return this.section(key).lastElementChild as HTMLElement;
  }

  private place(item: Item): void {
    const body = h('div', { class: 'post-body' });
    const replies = item.kind === 'post' ? h('div', { class: 'replies' }) : null;
    const root = h(
      'article',
      {
        class: item.kind === 'announce' ? 'announce' : 'post',
        'data-seq': item.seq,
        'data-testid': item.kind === 'announce' ? 'announcement' : 'post',
      },
      body,
      replies,
    );
    const entry: Entry = { root, body, replies, editor: null, pinned: item.kind === 'post' && item.pinned };
    this.entries.set(item.seq, entry);
    this.fill(entry, item);
    this.insertOrdered(root, item);
    this.filterThread(item);
    if (item.kind === 'post') markFirstPost();
  }

  /** Puts a post in its container: pinned top-level posts first (by seq), then the rest by seq. */
  private insertOrdered(root: HTMLElement, item: Item): void {
    const box = this.container(item);
    const pinnedFirst = item.kind === 'post' && item.reply_to === null;
    const rank = (seq: number, pinned: boolean) => (pinnedFirst && pinned ? -1e15 + seq : seq);
    const mine = rank(item.seq, item.kind === 'post' && item.pinned);
    let before: Element | null = null;
    for (const c of box.children) {
      if (c === root) continue;
      const seq = Number((c as HTMLElement).dataset.seq);
      if (!Number.isFinite(seq) || (c as HTMLElement).dataset.seq === undefined) continue;
      const other = this.chat.items.get(seq);
      const otherPinned = other?.kind === 'post' && other.pinned && other.reply_to === null;
      if (rank(seq, otherPinned) > mine) {
        before = c;
        break;
      }
    }
    box.insertBefore(root, before);
  }

  private updateEmpty(): void {
    const hasAny = [...this.entries.values()].some((e) => !e.root.hidden && !e.root.closest('.filtered-out'));
    this.empty.textContent = this.filter === 'all' ? t('live.feed_empty') : t('live.feed_empty_filtered');
    if (this.opts.mode === 'timeline') {
      if (!hasAny && !this.empty.parentNode) this.list.appendChild(this.empty);
      if (hasAny) this.empty.remove();
    } else {
      for (const [key, sec] of this.sections) {
        const body = sec.lastElementChild as HTMLElement;
        const shown = [...body.children].filter((c) => !(c as HTMLElement).hidden).length;
        sec.classList.toggle('is-empty', shown === 0);
        const filtered = this.only !== null && !this.only.has(key);
        sec.hidden = filtered || (key === 'announce' && body.childElementCount === 0);
      }
    }
  }

  // ---- rendering one item ----

  private fill(entry: Entry, item: Item): void {
    if (item.kind === 'announce') {
      this.fillAnnounce(entry, item);
      return;
    }
    const { body } = entry;
    const mod = this.chat.isModerator;
    entry.root.classList.toggle('mine', this.chat.isMine(item));
    entry.root.classList.toggle('deleted', item.deleted);
    entry.root.classList.toggle('is-hidden', item.hidden);
    entry.root.classList.toggle('pinned', item.pinned && !item.hidden);
    entry.root.dataset.hidden = String(item.hidden);
    entry.root.dataset.pinned = String(item.pinned);
    if (item.hidden && !mod) {
      // Out of sight for participants; replies to it (if any) stay, under a note.
      const visibleReplies = item.replies.some((r) => {
        const p = this.chat.post(r);
        return p !== undefined && !p.hidden;
      });
      entry.root.hidden = !visibleReplies;
      clear(body);
      if (visibleReplies) body.appendChild(h('p', { class: 'post-text gone' }, t('live.hidden_note')));
      return;
    }
    entry.root.hidden = false;
    entry.root.classList.toggle('by-moderator', item.role === 'moderator');
    entry.root.dataset.round = item.round === null ? '' : String(item.round);
    const meta = h(
      'div',
      { class: 'post-meta' },
      item.round !== null && item.reply_to === null ? h('span', { class: 'badge', 'data-testid': 'round' }, roundBadge(item.round)) : null,
      h('span', { class: 'name' }, item.name),
      ' ',
      h('span', { class: 'handle' }, `@${item.author}`),
      item.role === 'moderator' ? h('span', { class: 'role' }, t('live.host')) : null,
      ' ',
      h('time', { datetime: item.at }, formatClock(item.at)),
      item.edited && !item.deleted ? h('span', { class: 'edited' }, t('live.edited')) : null,
      item.pinned ? h('span', { class: 'badge pin-badge', 'data-testid': 'pinned-badge' }, t('live.pinned')) : null,
      item.hidden ? h('span', { class: 'badge hidden-badge', 'data-testid': 'hidden-badge' }, t('live.hidden')) : null,
      mod && this.chat.isBanned(item.author) ? h('span', { class: 'badge member-badge' }, t('live.banned_badge')) : null,
      mod && !this.chat.isBanned(item.author) && this.chat.isMuted(item.author) ? h('span', { class: 'badge member-badge' }, t('live.muted_badge')) : null,
    );
    const children: (HTMLElement | null)[] = [meta];
    if (item.deleted) {
      children.push(h('p', { class: 'post-text gone' }, t('live.deleted')));
    } else if (entry.editor) {
      children.push(entry.editor);
    } else {
      children.push(h('p', { class: 'post-text', 'data-testid': 'post-text' }, ...richText(item.text, this.chat.me)));
      // A hidden post (only moderators see it) takes no like, reply or edit: the server refuses
      // them; its moderator row holds what is left (unhide, pin, delete).
      if (!item.hidden) children.push(this.actions(entry, item));
    }
    if (this.opts.moderation && mod) children.push(this.modActions(item));
    clear(body);
    for (const c of children) if (c) body.appendChild(c);
  }

  private fillAnnounce(entry: Entry, item: AnnounceItem): void {
    clear(entry.body);
    entry.body.appendChild(
      h(
        'div',
        { class: 'post-meta' },
        h('span', { class: 'badge announce-badge' }, t('live.announcement')),
        ' ',
        h('span', { class: 'name' }, item.name),
        ' ',
        h('time', { datetime: item.at }, formatClock(item.at)),
      ),
    );
    entry.body.appendChild(h('p', { class: 'post-text' }, ...richText(item.text, this.chat.me)));
  }

  /**
   * A post's actions as icons whose accessible names say what they do, with counts and state
   * ("Like, 9 likes, liked by you"). A closed chat is read-only: only the count of likes stays.
   */
  private actions(entry: Entry, item: PostItem): HTMLElement {
    const mine = this.chat.isMine(item);
    const box = h('div', { class: 'post-actions' });
    if (this.chat.phase?.phase === 'closed') {
      if (item.likes > 0) {
        box.appendChild(
          h(
            'span',
            { class: 'like-total', 'data-testid': 'like-total' },
            h('span', { 'aria-hidden': 'true' }, `♥ ${item.likes}`),
            h('span', { class: 'sr-only' }, t('live.likes', { n: item.likes })),
          ),
        );
      }
      return box;
    }
    const likeName = t(item.likedByMe ? 'live.like_label_mine' : 'live.like_label', { n: item.likes });
    box.appendChild(
      h(
        'button',
        {
          type: 'button',
          class: `icon like${item.likedByMe ? ' liked' : ''}`,
          'aria-pressed': item.likedByMe ? 'true' : 'false',
          'aria-label': likeName,
          title: likeName,
          'data-testid': 'like',
          onclick: () => {
            const type = item.likedByMe ? 'unlike' : 'like';
            this.client.request({ type, seq: item.seq }).catch((e) => toast(errorText(e)));
          },
        },
        h('span', { class: 'glyph', 'aria-hidden': 'true' }, item.likedByMe ? '♥' : '♡'),
        h('span', { class: 'count', 'data-testid': 'like-count' }, String(item.likes)),
      ),
    );
    const replyName = t('live.reply_label', { name: item.name });
    box.appendChild(
      h(
        'button',
        { type: 'button', class: 'icon', 'aria-label': replyName, title: replyName, 'data-testid': 'reply', onclick: () => this.opts.onReply(item) },
        h('span', { class: 'glyph', 'aria-hidden': 'true' }, '↩'),
      ),
    );
    if (mine) {
      box.appendChild(
        h(
          'button',
          { type: 'button', class: 'icon', 'aria-label': t('live.edit_label'), title: t('live.edit_label'), 'data-testid': 'edit', onclick: () => this.startEdit(entry, item) },
          h('span', { class: 'glyph', 'aria-hidden': 'true' }, '✎'),
        ),
      );
    }
    if (mine || this.opts.canDeleteAny) box.appendChild(this.deleteButton(item));
    return box;
  }

  /** Moderators: hide/unhide, pin/unpin, and mute/unmute, ban/unban of the author. */
  private modActions(item: PostItem): HTMLElement {
    const m = this.opts.moderation as ModerationHooks;
    const box = h('div', { class: 'post-actions mod-actions', 'data-testid': 'mod-actions' });
    if (!item.deleted) {
      box.appendChild(
        h(
          'button',
          { type: 'button', class: 'small', 'data-testid': item.hidden ? 'unhide' : 'hide', onclick: () => m.act(item.hidden ? 'unhide' : 'hide', { seq: item.seq }) },
          t(item.hidden ? 'moderator.unhide' : 'moderator.hide'),
        ),
      );
      // Pinning a post nobody sees would be a no-op on every participant's screen.
      if (!item.hidden || item.pinned) box.appendChild(
        h(
          'button',
          { type: 'button', class: 'small', 'data-testid': item.pinned ? 'unpin' : 'pin', onclick: () => m.act(item.pinned ? 'unpin' : 'pin', { seq: item.seq }) },
          t(item.pinned ? 'moderator.unpin' : 'moderator.pin'),
        ),
      );
      if (item.hidden) {
        // A hidden post has no other actions row (see fill): its one delete button is here.
        box.appendChild(this.deleteButton(item));
      }
    }
    if (!this.chat.isMine(item)) {
      const muted = this.chat.isMuted(item.author);
      const banned = this.chat.isBanned(item.author);
      box.appendChild(
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            'data-testid': muted ? 'unmute' : 'mute',
            onclick: () => m.act(muted ? 'unmute' : 'mute', { handle: item.author }),
          },
          t(muted ? 'moderator.unmute' : 'moderator.mute'),
          h('span', { class: 'sr-only' }, ` @${item.author}`),
        ),
      );
      box.appendChild(
        h(
          'button',
          {
            type: 'button',
            class: 'small danger',
            'data-testid': banned ? 'unban' : 'ban',
            onclick: () => (banned ? m.act('unban', { handle: item.author }) : m.ban(item.author)),
          },
          t(banned ? 'moderator.unban' : 'moderator.ban'),
          h('span', { class: 'sr-only' }, ` @${item.author}`),
        ),
      );
    }
    return box;
  }

  private deleteButton(item: PostItem): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'icon danger',
        'aria-label': t('live.delete_label'),
        title: t('live.delete_label'),
        'data-testid': 'delete',
        onclick: () => {
          if (!window.confirm(t('live.delete_confirm'))) return;
          this.client.request({ type: 'delete', seq: item.seq }).catch((e) => toast(errorText(e)));
        },
      },
      h('span', { class: 'glyph', 'aria-hidden': 'true' }, '✕'),
    );
  }

  private startEdit(entry: Entry, item: PostItem): void {
    const area = h('textarea', { class: 'edit-text', maxlength: 1000, rows: 3, 'aria-label': t('live.edit_label') });
    area.value = item.text;
    const done = () => {
      entry.editor = null;
      const current = this.chat.items.get(item.seq);
      if (current) this.fill(entry, current);
    };
    const save = h('button', { type: 'submit', class: 'primary' }, t('live.save'));
    entry.editor = h(
      'form',
      {
        class: 'edit-form',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const text = area.value.trim();
          if (!text) return;
          save.setAttribute('disabled', '');
          this.client
            .request({ type: 'edit', seq: item.seq, text })
            .then(done)
            .catch((e) => {
              save.removeAttribute('disabled');
              toast(errorText(e));
            });
        },
      },
      area,
      h('div', { class: 'post-actions' }, save, h('button', { type: 'button', onclick: done }, t('live.cancel'))),
    );
    this.fill(entry, item);
    area.focus();
  }
}

const TOKEN_RE = /(https?:\/\/[^\s<>"]+)|@([A-Za-z0-9_]{1,20})/gi;

/** Whether `text` mentions @me (handles ignore case). */
export function mentions(text: string, me: string): boolean {
  if (!me) return false;
  const key = me.toLowerCase();
  for (const m of text.matchAll(/@([A-Za-z0-9_]{1,20})/g)) if (m[1].toLowerCase() === key) return true;
  return false;
}

/** A link's text without the punctuation that ends a sentence after it (and an unmatched ")"). */
export function trimLink(raw: string): string {
  let url = raw.replace(/[.,;:!?'"]+$/, '');
  while (url.endsWith(')') && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) url = url.slice(0, -1);
  return url;
}

/**
 * A post's text as nodes: http(s) links become links (rel="nofollow ugc noopener", new tab) and
 * @handles spans, everything else text nodes. User text never becomes markup; only http and https
 * addresses that parse become links.
 */
export function richText(text: string, me: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN_RE)) {
    const at = m.index ?? 0;
    let token = m[0];
    let node: HTMLElement | null = null;
    if (m[1]) {
      token = trimLink(m[1]);
      let url: URL | null = null;
      try {
        url = new URL(token);
      } catch {
        url = null;
      }
      if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
        node = h('a', { href: url.href, rel: 'nofollow ugc noopener', target: '_blank', class: 'post-link' }, token);
      }
    } else {
      const isMe = me !== '' && m[2].toLowerCase() === me.toLowerCase();
      node = h('span', { class: isMe ? 'mention me' : 'mention' }, token);
    }
    if (!node) continue;
    if (at > last) out.push(text.slice(last, at));
    out.push(node);
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Keeps the page scrolled to the bottom if it already was, across a DOM change. */
export function stickToBottom(change: () => void): void {
  const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
  change();
  if (atBottom) window.scrollTo({ top: document.documentElement.scrollHeight });
}
