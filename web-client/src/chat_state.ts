// The chat as the client knows it, built only from welcome and events (no DOM): posts with their
// likes, edits and replies, hidden and pinned posts, muted and banned handles, announcements, the
// current phase and which rounds have been asked. For moderators also the moderators' log (`mod`
// messages) and the posts waiting for approval.

import type { ChatEvent, ModMsg, Phase, Role, SessionInfo, WelcomeMsg } from './protocol';

export interface PostItem {
  kind: 'post';
  seq: number;
  at: string;
  author: string;
  name: string;
  role: Role;
  text: string;
  round: number | null;
  reply_to: number | null;
  likes: number;
  likedByMe: boolean;
  edited: boolean;
  deleted: boolean;
  /** Taken out of sight by a moderator (participants do not see it; moderators see it greyed). */
  hidden: boolean;
  /** Marked by a moderator as a great answer: shown first in its question. */
  pinned: boolean;
  replies: number[];
}

export interface AnnounceItem {
  kind: 'announce';
  seq: number;
  at: string;
  author: string;
  name: string;
  text: string;
}

export type Item = PostItem | AnnounceItem;

/** Slow chats: one released question, from its `release` event. */
export interface ReleaseInfo {
  round: number;
  question: string | null;
  /** The instant the release was scheduled for. */
  scheduled_at: string;
  /** When it was actually released (the event's `at`). */
  released_at: string;
  seq: number;
}

/** What an event changed, so views can update just that. */
export type Change =
  | { type: 'item'; item: Item; isNew: boolean }
  /** A phase change; `release` when it was a slow chat's `release` event. */
  | { type: 'phase'; phase: Phase; release?: ReleaseInfo }
  /** A handle was muted, unmuted, banned or unbanned. */
  | { type: 'member'; handle: string; me: boolean }
  | { type: 'none' };

/** Lower-case key of a handle (handles are unique ignoring case). */
export function handleKey(handle: string): string {
  return handle.toLowerCase();
}

export class ChatState {
  session: SessionInfo | null = null;
  me = '';
  role: Role | 'viewer' = 'participant';
  phase: Phase | null = null;
  /** Muted and banned handles (lower case), from the public mute/unmute/ban/unban events. */
  muted = new Set<string>();
  banned = new Set<string>();
  items = new Map<number, Item>();
  /** seqs of posts and announcements in order. */
  order: number[] = [];
  maxRoundAsked = -1;
  /** Slow chats: the released questions by round, from the `release` events. */
  releases = new Map<number, ReleaseInfo>();

  reset(): void {
    this.items.clear();
    this.order = [];
    this.releases.clear();
    this.muted.clear();
    this.banned.clear();
    this.maxRoundAsked = -1;
    this.phase = this.session?.phase ?? null;
    this.noteRound(this.phase);
  }

  welcome(msg: WelcomeMsg): void {
    this.session = msg.session;
    this.me = msg.you.handle ?? '';
    this.role = msg.you.role;
    this.phase = msg.session.phase;
    this.noteRound(this.phase);
  }

  get currentRound(): number | null {
    const p = this.phase;
    if (!p) return null;
    if (p.phase === 'intro' || p.phase === 'talk' || p.phase === 'round' || p.phase === 'paused') {
      return p.round ?? null;
    }
    return null;
  }

  /** Rounds a post may be assigned to: 0 (intros) up to the newest asked question. */
  askedRounds(): number[] {
    const out: number[] = [];
    for (let r = 0; r <= this.maxRoundAsked; r++) out.push(r);
    return out;
  }

  questionText(round: number | null): string | null {
    if (round === null || round === 0) return null;
    const q = this.session?.questions.find((x) => x.round === round);
    return q ? q.text : null;
  }

  get isSlow(): boolean {
    return this.session?.mode === 'slow';
  }

  /**
   * Slow chats: the released questions (1 up to the newest released), oldest first, each with its
   * release times when its `release` event is known.
   */
  releasedRounds(): { round: number; question: string | null; release: ReleaseInfo | null }[] {
    const out: { round: number; question: string | null; release: ReleaseInfo | null }[] = [];
    for (let r = 1; r <= this.maxRoundAsked; r++) {
      const rel = this.releases.get(r) ?? null;
      out.push({ round: r, question: this.questionText(r) ?? rel?.question ?? null, release: rel });
    }
    return out;
  }

  /**
   * The people who have posted (the members a participant can know of), most recently active
   * first, each once (handles ignore case), with the name of their latest post.
   */
  people(): { handle: string; name: string }[] {
    const seen = new Set<string>();
    const out: { handle: string; name: string }[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const item = this.items.get(this.order[i]);
      if (!item) continue;
      const key = handleKey(item.author);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ handle: item.author, name: item.name });
    }
    return out;
  }

  isMine(item: Item): boolean {
    return item.author.toLowerCase() === this.me.toLowerCase();
  }

  get isModerator(): boolean {
    return this.role === 'moderator';
  }

  isMuted(handle: string): boolean {
    return this.muted.has(handleKey(handle));
  }

  isBanned(handle: string): boolean {
    return this.banned.has(handleKey(handle));
  }

  /** This participant may read but not post, edit or like. */
  get amMuted(): boolean {
    return this.isMuted(this.me);
  }

  get amBanned(): boolean {
    return this.isBanned(this.me);
  }

  /** Whether a post is shown to this viewer at all (hidden posts only to moderators). */
  visible(item: Item): boolean {
    return item.kind !== 'post' || !item.hidden || this.isModerator;
  }

  post(seq: number): PostItem | undefined {
    const it = this.items.get(seq);
    return it && it.kind === 'post' ? it : undefined;
  }

  apply(ev: ChatEvent): Change {
    switch (ev.kind) {
      case 'post': {
        const item: PostItem = {
          kind: 'post',
          seq: ev.seq,
          at: ev.at,
          author: ev.author,
          name: ev.name,
          role: ev.role,
          text: ev.text,
          round: ev.round ?? null,
          reply_to: ev.reply_to ?? null,
          likes: 0,
          likedByMe: false,
          edited: false,
          deleted: false,
          hidden: false,
          pinned: false,
          replies: [],
        };
        this.items.set(ev.seq, item);
        this.order.push(ev.seq);
        if (item.reply_to !== null) this.post(item.reply_to)?.replies.push(ev.seq);
        return { type: 'item', item, isNew: true };
      }
      case 'announce': {
        const item: AnnounceItem = { kind: 'announce', seq: ev.seq, at: ev.at, author: ev.author, name: ev.name, text: ev.text };
        this.items.set(ev.seq, item);
        this.order.push(ev.seq);
        return { type: 'item', item, isNew: true };
      }
      case 'edit': {
        const p = this.post(ev.target);
        if (!p) return { type: 'none' };
        p.text = ev.text;
        p.edited = true;
        return { type: 'item', item: p, isNew: false };
      }
      case 'delete': {
        const p = this.post(ev.target);
        if (!p) return { type: 'none' };
        p.deleted = true;
        p.text = '';
        return { type: 'item', item: p, isNew: false };
      }
      case 'hide':
      case 'unhide':
      case 'pin':
      case 'unpin': {
        const p = this.post(ev.target);
        if (!p) return { type: 'none' };
        if (ev.kind === 'hide' || ev.kind === 'unhide') p.hidden = ev.kind === 'hide';
        else p.pinned = ev.kind === 'pin';
        return { type: 'item', item: p, isNew: false };
      }
      case 'mute':
      case 'unmute':
      case 'ban':
      case 'unban': {
        if (typeof ev.handle !== 'string') return { type: 'none' };
        const key = handleKey(ev.handle);
        const set = ev.kind === 'mute' || ev.kind === 'unmute' ? this.muted : this.banned;
        if (ev.kind === 'mute' || ev.kind === 'ban') set.add(key);
        else set.delete(key);
        return { type: 'member', handle: ev.handle, me: key === handleKey(this.me) };
      }
      case 'like':
      case 'unlike': {
        const p = this.post(ev.target);
        if (!p) return { type: 'none' };
        p.likes = ev.count;
        if (ev.author.toLowerCase() === this.me.toLowerCase()) p.likedByMe = ev.kind === 'like';
        return { type: 'item', item: p, isNew: false };
      }
      case 'phase': {
        const { type: _t, seq: _s, at: _a, kind: _k, ...phase } = ev;
        this.phase = phase;
        this.noteRound(phase);
        return { type: 'phase', phase };
      }
      case 'release': {
        const { type: _t, seq: _s, at: _a, kind: _k, scheduled_at, ...phase } = ev;
        this.phase = phase;
        this.noteRound(phase);
        if (typeof phase.round !== 'number') return { type: 'phase', phase };
        const release: ReleaseInfo = {
          round: phase.round,
          question: phase.question ?? null,
          scheduled_at: typeof scheduled_at === 'string' ? scheduled_at : ev.at,
          released_at: ev.at,
          seq: ev.seq,
        };
        this.releases.set(phase.round, release);
        return { type: 'phase', phase, release };
      }
      default:
        return { type: 'none' };
    }
  }

  private noteRound(p: Phase | null): void {
    if (p && typeof p.round === 'number' && p.round > this.maxRoundAsked) this.maxRoundAsked = p.round;
  }
}

/** An entry of the moderators' log as shown in the log panel. */
export type ModEntry = ModMsg;

/**
 * The moderators' log (`mod` messages): every entry by its gap-free `n` (the whole log is sent
 * again after each welcome, so entries already known are ignored), and the posts waiting for
 * approval (`pending` entries not yet followed by an `approve` or `reject` of the same number).
 */
export class ModState {
  entries: ModEntry[] = [];
  waiting = new Map<number, ModEntry>();
  private seen = new Set<number>();
  private decided = new Set<number>();

  reset(): void {
    this.entries = [];
    this.waiting.clear();
    this.seen.clear();
    this.decided.clear();
  }

  /** Applies one entry; false when it was already known. */
  apply(m: ModMsg): boolean {
    if (typeof m.n !== 'number' || this.seen.has(m.n)) return false;
    this.seen.add(m.n);
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].n > m.n) i--;
    this.entries.splice(i, 0, m);
    if (typeof m.pending === 'number') {
      if (m.kind === 'pending' && m.post) {
        if (!this.decided.has(m.pending)) this.waiting.set(m.pending, m);
      } else if (m.kind === 'approve' || m.kind === 'reject') {
        this.decided.add(m.pending);
        this.waiting.delete(m.pending);
      }
    }
    return true;
  }

  /** Waiting posts, oldest first. */
  queue(): ModEntry[] {
    return [...this.waiting.values()].sort((a, b) => (a.pending ?? 0) - (b.pending ?? 0));
  }

}

/** One line of the moderation log: "19:06 host hid post 17". */
export function describeMod(m: ModEntry): string {
  const who = m.handle !== undefined ? `@${m.handle}` : '';
  const post = m.target !== undefined ? `post ${m.target}` : '';
  switch (m.kind) {
    case 'pending':
      return `post ${m.pending ?? ''} by @${m.post?.author ?? '?'} waits for approval`;
    case 'approve':
      return `approved waiting post ${m.pending ?? ''} by @${m.post?.author ?? '?'}${m.seq !== undefined ? ` (now post ${m.seq})` : ''}`;
    case 'reject':
      return `rejected waiting post ${m.pending ?? ''} by @${m.post?.author ?? '?'}`;
    case 'hide':
      return `hid ${post}`;
    case 'unhide':
      return `unhid ${post}`;
    case 'pin':
      return `pinned ${post}`;
    case 'unpin':
      return `unpinned ${post}`;
    case 'delete':
      return `deleted ${post}`;
    case 'mute':
      return `muted ${who}`;
    case 'unmute':
      return `unmuted ${who}`;
    case 'ban':
      return `banned ${who}${m.ban_address ? ' and their network address' : ''}`;
    case 'unban':
      return `unbanned ${who}`;
    case 'control':
      return `control: ${m.detail ?? ''}`;
    default:
      return `${m.kind} ${post || who}`.trim();
  }
}
