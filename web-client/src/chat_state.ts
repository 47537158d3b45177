// The chat as the client knows it, built only from welcome and events (no DOM): posts with their
// likes, edits and replies, announcements, the current phase and which rounds have been asked.

import type { ChatEvent, Phase, Role, SessionInfo, WelcomeMsg } from './protocol';

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

/** What an event changed, so views can update just that. */
export type Change =
  | { type: 'item'; item: Item; isNew: boolean }
  | { type: 'phase'; phase: Phase }
  | { type: 'none' };

export class ChatState {
  session: SessionInfo | null = null;
  me = '';
  phase: Phase | null = null;
  items = new Map<number, Item>();
  /** seqs of posts and announcements in order. */
  order: number[] = [];
  maxRoundAsked = -1;

  reset(): void {
    this.items.clear();
    this.order = [];
    this.maxRoundAsked = -1;
    this.phase = this.session?.phase ?? null;
    this.noteRound(this.phase);
  }

  welcome(msg: WelcomeMsg): void {
    this.session = msg.session;
    this.me = msg.you.handle;
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

  isMine(item: Item): boolean {
    return item.author.toLowerCase() === this.me.toLowerCase();
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
      case 'delete':
      case 'hide': {
        const p = this.post(ev.target ?? -1);
        if (!p) return { type: 'none' };
        p.deleted = true;
        p.text = '';
        return { type: 'item', item: p, isNew: false };
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
      default:
        return { type: 'none' };
    }
  }

  private noteRound(p: Phase | null): void {
    if (p && typeof p.round === 'number' && p.round > this.maxRoundAsked) this.maxRoundAsked = p.round;
  }
}
