// The live feed: posts labelled A<n>, replies under what they reply to, likes, edit/delete of
// own posts, highlighted announcements, pinned posts first in their question, hidden posts (gone
// for participants, greyed for moderators), the moderator's actions on each post and author, and
// pending (unsent, or waiting for approval) posts. Updated item by item.

import type { AnnounceItem, ChatState, Item, PostItem } from './chat_state';
import { clear, h, toast } from './dom';
import { errorText } from './api';
import { formatClock } from './time';
import type { ModerateAction } from './protocol';
import type { ChatClient, HeldPost, OutboxItem } from './ws_client';

export type FeedMode = 'timeline' | 'grouped';

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

export function roundBadge(round: number | null): string {
  return round === null ? '' : `A${round}`;
}

export class FeedView {
  readonly el: HTMLElement;
  private list = h('div', { class: 'feed-list', 'data-testid': 'feed' });
  private pendingBox = h('div', { class: 'pending-list', 'data-testid': 'pending' });
  private entries = new Map<number, Entry>();
  private sections = new Map<string, HTMLElement>();
  private empty = h('p', { class: 'empty' }, 'No posts yet.');
  /** In the grouped view, only these sections are shown (slow chats: one question per tab). */
  private only: Set<string> | null = null;

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
      this.updateEmpty();
      return;
    }
    if (!entry) this.place(item);
    this.updateEmpty();
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
              hp.rejected ? 'not approved by a moderator' : 'waiting for a moderator',
            ),
          ),
          h('p', { class: 'post-text' }, it.text),
          h(
            'div',
            { class: 'post-actions' },
            hp.rejected
              ? h('button', { type: 'button', class: 'small', 'data-testid': 'dismiss', onclick: () => this.client.discard(it.cid) }, 'Dismiss')
              : null,
          ),
        ),
      );
    }
    for (const it of items) {
      const parent = it.reply_to !== undefined ? this.chat.post(it.reply_to) : undefined;
      const retry = this.client.retryAt(it.cid);
      const label = !online ? 'not sent yet: waiting for the connection' : retry !== null ? 'server busy: sending again shortly' : 'sending…';
      this.pendingBox.appendChild(
        h(
          'div',
          { class: 'post pending', 'data-cid': it.cid, 'data-testid': 'pending-post' },
          h(
            'div',
            { class: 'post-meta' },
            it.round !== undefined ? h('span', { class: 'badge' }, `A${it.round}`) : null,
            h('span', { class: 'pending-label', 'data-testid': 'pending-label' }, label),
            parent ? h('span', { class: 'reply-to' }, ` reply to @${parent.author}`) : null,
          ),
          h('p', { class: 'post-text' }, it.text),
          h(
            'div',
            { class: 'post-actions' },
            h('button', { type: 'button', class: 'small', onclick: () => this.client.discard(it.cid) }, 'Discard'),
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
    sec = h('section', { class: `round-section section-${key === 'announce' ? 'announce' : 'round'}`, 'data-round': key }, h('h3', {}, ...title), body);
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
    if (key === 'announce') return ['Announcements'];
    if (key === 'other') return ['Other posts'];
    if (key === '0') return [h('span', { class: 'badge' }, 'A0'), ' Introductions'];
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
    const hasAny = [...this.entries.values()].some((e) => !e.root.hidden);
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
      if (visibleReplies) body.appendChild(h('p', { class: 'post-text gone' }, 'A moderator hid this post.'));
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
      item.role === 'moderator' ? h('span', { class: 'role' }, 'host') : null,
      ' ',
      h('time', { datetime: item.at }, formatClock(item.at)),
      item.edited && !item.deleted ? h('span', { class: 'edited' }, ' (edited)') : null,
      item.pinned ? h('span', { class: 'badge pin-badge', 'data-testid': 'pinned-badge' }, 'pinned') : null,
      item.hidden ? h('span', { class: 'badge hidden-badge', 'data-testid': 'hidden-badge' }, 'hidden') : null,
      mod && this.chat.isBanned(item.author) ? h('span', { class: 'badge member-badge' }, 'banned') : null,
      mod && !this.chat.isBanned(item.author) && this.chat.isMuted(item.author) ? h('span', { class: 'badge member-badge' }, 'muted') : null,
    );
    const children: (HTMLElement | null)[] = [meta];
    if (item.deleted) {
      children.push(h('p', { class: 'post-text gone' }, 'This post was deleted.'));
    } else if (entry.editor) {
      children.push(entry.editor);
    } else {
      children.push(h('p', { class: 'post-text', 'data-testid': 'post-text' }, ...withMentions(item.text, this.chat.me)));
      children.push(this.actions(entry, item));
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
        h('span', { class: 'badge announce-badge' }, 'Announcement'),
        ' ',
        h('span', { class: 'name' }, item.name),
        ' ',
        h('time', { datetime: item.at }, formatClock(item.at)),
      ),
    );
    entry.body.appendChild(h('p', { class: 'post-text' }, item.text));
  }

  private actions(entry: Entry, item: PostItem): HTMLElement {
    const mine = this.chat.isMine(item);
    const like = h(
      'button',
      {
        type: 'button',
        class: `like${item.likedByMe ? ' liked' : ''}`,
        'aria-pressed': item.likedByMe ? 'true' : 'false',
        'aria-label': item.likedByMe ? 'Unlike' : 'Like',
        'data-testid': 'like',
        onclick: () => {
          const type = item.likedByMe ? 'unlike' : 'like';
          this.client.request({ type, seq: item.seq }).catch((e) => toast(errorText(e)));
        },
      },
      item.likedByMe ? '♥ ' : '♡ ',
      h('span', { class: 'count', 'data-testid': 'like-count' }, String(item.likes)),
    );
    const box = h('div', { class: 'post-actions' }, like);
    box.appendChild(h('button', { type: 'button', onclick: () => this.opts.onReply(item) }, 'Reply'));
    if (mine) {
      box.appendChild(h('button', { type: 'button', onclick: () => this.startEdit(entry, item) }, 'Edit'));
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
          item.hidden ? 'Unhide' : 'Hide',
        ),
      );
      box.appendChild(
        h(
          'button',
          { type: 'button', class: 'small', 'data-testid': item.pinned ? 'unpin' : 'pin', onclick: () => m.act(item.pinned ? 'unpin' : 'pin', { seq: item.seq }) },
          item.pinned ? 'Unpin' : 'Pin',
        ),
      );
      if (item.hidden) {
        // A hidden post has no other actions row; it can still be deleted.
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
          muted ? 'Unmute' : 'Mute',
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
          banned ? 'Unban' : 'Ban',
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
        class: 'danger small',
        'data-testid': 'delete',
        onclick: () => {
          if (!window.confirm('Delete this post?')) return;
          this.client.request({ type: 'delete', seq: item.seq }).catch((e) => toast(errorText(e)));
        },
      },
      'Delete',
    );
  }

  private startEdit(entry: Entry, item: PostItem): void {
    const area = h('textarea', { class: 'edit-text', maxlength: 1000, rows: 3, 'aria-label': 'Edit your post' });
    area.value = item.text;
    const done = () => {
      entry.editor = null;
      const current = this.chat.items.get(item.seq);
      if (current) this.fill(entry, current);
    };
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
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
      h('div', { class: 'post-actions' }, save, h('button', { type: 'button', onclick: done }, 'Cancel')),
    );
    this.fill(entry, item);
    area.focus();
  }
}

/** Text with @handles wrapped in spans (as text nodes: user text never becomes markup). */
export function withMentions(text: string, me: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  const re = /@([A-Za-z0-9_]{1,20})/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const isMe = m[1].toLowerCase() === me.toLowerCase();
    out.push(h('span', { class: isMe ? 'mention me' : 'mention' }, m[0]));
    last = m.index + m[0].length;
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
