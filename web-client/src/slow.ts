// Slow chats (questions released over days): what each participant has already seen per question
// (kept in localStorage per session and handle), the per-question counts of new answers, and the
// release schedule as the client can tell it (next release, the ones after it, the close). No DOM.

import type { ChatState } from './chat_state';
import { handleKey } from './chat_state';

/** Minimal storage (localStorage, or a Map-backed stand-in in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function seenKey(session: string, handle: string): string {
  return `hashchat:seen:${session}:${handleKey(handle)}`;
}

/**
 * The last seq the participant has seen per question (round), remembered across visits. Counts
 * only go up: marking an older seq does nothing.
 */
export class SeenStore {
  private seen: Record<string, number> = {};

  constructor(
    private storage: KeyValueStore | null | undefined,
    private key: string,
  ) {
    try {
      const raw = storage?.getItem(key);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
          if (/^\d+$/.test(k) && typeof v === 'number' && Number.isFinite(v) && v >= 0) this.seen[k] = v;
        }
      }
    } catch {
      this.seen = {};
    }
  }

  lastSeen(round: number): number {
    return this.seen[String(round)] ?? 0;
  }

  /** Remembers that everything up to `seq` in this question was seen; true if that changed anything. */
  markSeen(round: number, seq: number): boolean {
    if (!(seq > this.lastSeen(round))) return false;
    this.seen[String(round)] = seq;
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.seen));
    } catch {
      // Storage full or unavailable: the counts then only last for this page.
    }
    return true;
  }
}

/** Whether a post counts as an answer someone else wrote that this viewer can see. */
function countable(chat: ChatState, seq: number): { round: number } | null {
  const p = chat.post(seq);
  if (!p || p.round === null || p.deleted || !chat.visible(p) || chat.isMine(p)) return null;
  return { round: p.round };
}

/**
 * New answers per question: visible, not deleted posts by others (replies included, they belong
 * to the question of their parent) whose seq is greater than the last seq seen for that question.
 */
export function newAnswerCounts(chat: ChatState, lastSeen: (round: number) => number): Map<number, number> {
  const out = new Map<number, number>();
  for (const seq of chat.order) {
    const c = countable(chat, seq);
    if (!c || seq <= lastSeen(c.round)) continue;
    out.set(c.round, (out.get(c.round) ?? 0) + 1);
  }
  return out;
}

/** The newest seq of any post in a question (0 if none): what "seen up to" becomes on viewing it. */
export function newestSeqIn(chat: ChatState, round: number): number {
  let max = 0;
  for (const seq of chat.order) {
    const p = chat.post(seq);
    if (p && p.round === round && seq > max) max = seq;
  }
  return max;
}

export interface UpcomingRelease {
  round: number;
  question: string | null;
  /** The instant it is due (UTC ISO). */
  at: string;
}

export interface SlowSchedule {
  released: number;
  total: number;
  /** The next release, null when all are out, the chat is closed, or the release clock is paused. */
  next: UpcomingRelease | null;
  /** Every release still to come, in order (the next one first). */
  upcoming: UpcomingRelease[];
  /** When the chat closes (null once closed, or when not known). */
  closesAt: string | null;
  paused: boolean;
  closed: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The schedule from the session object (its precomputed `releases`) and the current phase (its
 * `ends_at` is the next release, moved by a postpone, or the close once all are out). A release
 * is never before the one before it: when a postponed release passes the next one's instant, the
 * next follows at once.
 */
export function slowSchedule(chat: ChatState): SlowSchedule {
  const s = chat.session;
  const p = chat.phase;
  const total = s?.questions.length ?? 0;
  const released = Math.max(0, chat.maxRoundAsked);
  const closed = p?.phase === 'closed';
  const paused = p?.phase === 'paused';
  const out: SlowSchedule = { released, total, next: null, upcoming: [], closesAt: null, paused, closed };
  if (!s || !p || closed) return out;
  const plan = s.releases ?? [];
  const closeMs = (s.close_after_hours ?? 24) * 3600_000;
  let prev = -Infinity;
  const latestRelease = chat.releases.get(released);
  if (latestRelease) prev = Date.parse(latestRelease.released_at);
  for (let r = released + 1; r <= total; r++) {
    let at = Date.parse(plan[r - 1] ?? '');
    if (r === released + 1 && !paused && p.ends_at) {
      const moved = Date.parse(p.ends_at);
      if (!Number.isNaN(moved)) at = moved;
    }
    if (Number.isNaN(at)) continue;
    at = Math.max(at, prev);
    prev = at;
    const q = s.questions.find((x) => x.round === r);
    out.upcoming.push({ round: r, question: q ? q.text : null, at: iso(at) });
  }
  if (!paused && out.upcoming.length > 0 && out.upcoming[0].round === released + 1) out.next = out.upcoming[0];
  if (released >= total && total > 0) {
    // All released: the phase runs until the close.
    out.closesAt = !paused && p.ends_at ? p.ends_at : null;
  } else if (out.upcoming.length > 0 && out.upcoming[out.upcoming.length - 1].round === total) {
    out.closesAt = iso(Date.parse(out.upcoming[out.upcoming.length - 1].at) + closeMs);
  }
  return out;
}
