import { describe, expect, it } from 'vitest';
import { isUpdate } from './app_update';
import { ChatCacheWriter, chatKey, evictionPlan, type CacheEntry, type CachedChat } from './chat_cache';
import { ChatState } from './chat_state';
import type { ChatEvent, WelcomeMsg } from './protocol';

const MB = 1024 * 1024;
const limits = { maxChats: 3, maxBytes: 10 * MB };

function entry(chat: string, bytes: number, usedAt: number): CacheEntry {
  return { chat, bytes, usedAt };
}

describe('evictionPlan', () => {
  it('evicts nothing within both bounds', () => {
    expect(evictionPlan([entry('a', MB, 1), entry('b', MB, 2), entry('c', MB, 3)], limits, 'c')).toEqual([]);
  });

  it('past the chat bound, evicts the least recently used whole chats, never the one just written', () => {
    const entries = [entry('new', MB, 1), entry('old', MB, 5), entry('older', MB, 2), entry('mid', MB, 9), entry('newest', MB, 10)];
    // 'new' was just written with an old usedAt in the list (the write and the list raced): kept.
    expect(evictionPlan(entries, limits, 'new')).toEqual(['older', 'old']);
  });

  it('past the byte bound, evicts until the rest fits, oldest first', () => {
    const entries = [entry('a', 4 * MB, 1), entry('b', 4 * MB, 2), entry('c', 3 * MB, 3)];
    expect(evictionPlan(entries, limits, 'c')).toEqual(['a']);
    expect(evictionPlan([...entries, entry('d', 9 * MB, 4)], limits, 'd')).toEqual(['a', 'b', 'c']);
  });

  it('a chat bigger than the whole bound is not kept at all (never a partial log)', () => {
    expect(evictionPlan([entry('a', MB, 1), entry('huge', 11 * MB, 2)], limits, 'huge')).toEqual(['a', 'huge']);
  });

  it('the default bound is 20 chats: the 21st evicts the least recently used', () => {
    const entries = Array.from({ length: 21 }, (_, i) => entry(`s${i}`, 1000, i));
    expect(evictionPlan(entries, { maxChats: 20, maxBytes: 20 * MB }, 's20')).toEqual(['s0']);
  });

  it('keys a chat by session and handle, ignoring the handle’s case', () => {
    expect(chatKey('pubpd-1', 'Ms_Lee')).toBe(chatKey('pubpd-1', 'ms_lee'));
    expect(chatKey('pubpd-1', 'ms_lee')).not.toBe(chatKey('pubpd-2', 'ms_lee'));
  });
});

describe('isUpdate', () => {
  it('tells of a new version only when another one ran on this device before', () => {
    expect(isUpdate(null, 'v2')).toBe(false); // first visit
    expect(isUpdate('v2', 'v2')).toBe(false); // same version reloaded
    expect(isUpdate('v1', 'v2')).toBe(true);
    expect(isUpdate('v1', '')).toBe(false); // a dev build without a version
  });
});

const at = '2026-11-26T19:00:00.000Z';
const welcomeMsg = {
  type: 'welcome',
  protocol: 1,
  now: at,
  head: 0,
  you: { handle: 'carol', name: 'Carol C', role: 'participant' },
  session: {
    id: 's',
    hashtag: '#PubPD',
    title: 't',
    description: '',
    mode: 'live',
    timezone: 'America/Toronto',
    start: null,
    intro_minutes: 5,
    round_minutes: 8,
    talk_minutes: 0,
    wrapup_minutes: 5,
    questions: [{ round: 1, text: 'How do you start a lesson?' }],
    phase: { phase: 'round', round: 1, question: 'How do you start a lesson?', started_at: at, ends_at: at, segment: 1 },
    created_at: at,
    head: 0,
    online: 1,
  },
} as WelcomeMsg;

function post(seq: number, text: string): ChatEvent {
  return { type: 'event', seq, at, kind: 'post', author: 'dave', name: 'Dave D', role: 'participant', text, round: 1, reply_to: null, mentions: [] };
}

const LOG: ChatEvent[] = [
  post(1, 'kept'),
  post(2, 'first draft'),
  post(3, 'by mistake'),
  post(4, 'spam'),
  { type: 'event', seq: 5, at, kind: 'edit', target: 2, author: 'dave', text: 'edited', mentions: [] },
  { type: 'event', seq: 6, at, kind: 'delete', target: 3, author: 'dave' },
  { type: 'event', seq: 7, at, kind: 'hide', target: 4 },
  { type: 'event', seq: 8, at, kind: 'like', target: 1, author: 'carol', count: 1 },
];

describe('ChatCacheWriter', () => {
  it('writes whole records, coalesced, and a replay of one shows what the live view showed', async () => {
    const saved: CachedChat[] = [];
    let release: () => void = () => undefined;
    const save = (rec: CachedChat) => {
      saved.push(rec);
      return new Promise<void>((resolve) => (release = resolve));
    };
    const w = new ChatCacheWriter('s:carol', null, save);
    const live = new ChatState();
    live.welcome(welcomeMsg);
    w.setWelcome(welcomeMsg);
    for (const ev of LOG.slice(0, 3)) {
      w.append(ev);
      live.apply(ev);
    }
    await Promise.resolve();
    expect(saved.map((r) => r.seq)).toEqual([3]); // one write for the batch
    for (const ev of LOG.slice(3)) {
      w.append(ev);
      live.apply(ev);
    }
    w.append(post(12, 'after a gap')); // never cached: the record stays a prefix of the log
    expect(saved).toHaveLength(1); // one write in flight at a time
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(saved.map((r) => r.seq)).toEqual([3, 8]);
    const rec = saved[1];
    expect(rec.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const replayed = new ChatState();
    replayed.welcome(rec.welcome);
    for (const ev of rec.events) replayed.apply(ev);
    expect([...replayed.items.values()]).toEqual([...live.items.values()]);
    const byText = (c: ChatState) => [...c.items.values()].map((i) => (i.kind === 'post' ? [i.text, i.edited, i.deleted, i.hidden, i.likedByMe] : []));
    expect(byText(replayed)).toEqual([
      ['kept', false, false, false, true],
      ['edited', true, false, false, false],
      [expect.anything(), false, true, false, false],
      ['spam', false, false, true, false],
    ]);
  });

  it('resumes from a cached record and starts over after a reset', async () => {
    const saved: CachedChat[] = [];
    const from: CachedChat = { chat: 's:carol', welcome: welcomeMsg, events: LOG.slice(0, 2), seq: 2 };
    const w = new ChatCacheWriter('s:carol', from, async (rec) => void saved.push(rec));
    expect(w.seq).toBe(2); // the client's since
    w.append(LOG[2]);
    await new Promise((r) => setTimeout(r, 0));
    expect(saved.at(-1)?.seq).toBe(3);
    w.reset();
    w.append(post(1, 'a different log'));
    await new Promise((r) => setTimeout(r, 0));
    expect(saved.at(-1)?.events.map((e) => e.seq)).toEqual([1]);
  });
});
