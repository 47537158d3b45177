import { describe, expect, it } from 'vitest';
import { ChatState, describeMod, ModState } from './chat_state';
import type { ChatEvent, ModMsg, Role, WelcomeMsg } from './protocol';

const at = '2026-11-26T19:00:00.000Z';

function welcome(role: Role = 'participant'): WelcomeMsg {
  return {
    type: 'welcome',
    protocol: 1,
    now: at,
    head: 0,
    you: { handle: 'Ms_Lee', name: 'Ms Lee', role },
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
      questions: [
        { round: 1, text: 'How do you start a lesson?' },
        { round: 2, text: 'Homework?' },
      ],
      phase: { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: null, segment: -1 },
      created_at: at,
      head: 0,
      online: 0,
    },
  };
}

function post(seq: number, author: string, extra: Partial<Extract<ChatEvent, { kind: 'post' }>> = {}): ChatEvent {
  return { type: 'event', seq, at, kind: 'post', author, name: author, role: 'participant', text: `t${seq}`, round: 1, reply_to: null, mentions: [], ...extra };
}

describe('ChatState', () => {
  it('tracks phases and the rounds asked so far', () => {
    const c = new ChatState();
    c.welcome(welcome());
    expect(c.currentRound).toBeNull();
    expect(c.askedRounds()).toEqual([]);
    c.apply({ type: 'event', seq: 1, at, kind: 'phase', phase: 'intro', round: 0, question: null, started_at: at, ends_at: at, segment: 0 });
    expect(c.currentRound).toBe(0);
    c.apply({ type: 'event', seq: 2, at, kind: 'phase', phase: 'round', round: 1, question: 'How do you start a lesson?', started_at: at, ends_at: at, segment: 1 });
    expect(c.currentRound).toBe(1);
    expect(c.askedRounds()).toEqual([0, 1]);
    expect(c.questionText(1)).toBe('How do you start a lesson?');
    c.apply({ type: 'event', seq: 3, at, kind: 'phase', phase: 'wrapup', round: null, question: null, started_at: at, ends_at: at, segment: 3 });
    expect(c.currentRound).toBeNull();
    expect(c.askedRounds()).toEqual([0, 1]);
  });

  it('applies posts, replies, likes (mine), edits and deletes', () => {
    const c = new ChatState();
    c.welcome(welcome());
    c.apply(post(1, 'mr_k'));
    c.apply(post(2, 'ms_lee', { reply_to: 1 }));
    expect(c.post(1)?.replies).toEqual([2]);
    expect(c.isMine(c.post(2)!)).toBe(true);
    c.apply({ type: 'event', seq: 3, at, kind: 'like', target: 1, author: 'MS_LEE', count: 1 });
    c.apply({ type: 'event', seq: 4, at, kind: 'like', target: 1, author: 'bob', count: 2 });
    expect(c.post(1)).toMatchObject({ likes: 2, likedByMe: true });
    c.apply({ type: 'event', seq: 5, at, kind: 'unlike', target: 1, author: 'ms_lee', count: 1 });
    expect(c.post(1)).toMatchObject({ likes: 1, likedByMe: false });
    c.apply({ type: 'event', seq: 6, at, kind: 'edit', target: 2, author: 'ms_lee', text: 'better', mentions: [] });
    expect(c.post(2)).toMatchObject({ text: 'better', edited: true });
    const change = c.apply({ type: 'event', seq: 7, at, kind: 'delete', target: 2, author: 'ms_lee' });
    expect(change).toMatchObject({ type: 'item', isNew: false });
    expect(c.post(2)).toMatchObject({ deleted: true, text: '' });
    c.apply({ type: 'event', seq: 8, at, kind: 'announce', author: 'host', name: 'Host', text: 'Hi' });
    expect(c.order).toEqual([1, 2, 8]);
    expect(c.apply({ type: 'event', seq: 9, at, kind: 'like', target: 99, author: 'x', count: 1 })).toEqual({ type: 'none' });
  });

  it('reset clears every item', () => {
    const c = new ChatState();
    c.welcome(welcome());
    c.apply(post(1, 'a'));
    c.reset();
    expect(c.order).toEqual([]);
    expect(c.items.size).toBe(0);
  });

  it('hides and unhides posts: gone for participants, kept (greyed) for moderators; text stays', () => {
    const c = new ChatState();
    c.welcome(welcome());
    c.apply(post(1, 'troll'));
    const ch = c.apply({ type: 'event', seq: 2, at, kind: 'hide', target: 1 });
    expect(ch).toMatchObject({ type: 'item', isNew: false });
    expect(c.post(1)).toMatchObject({ hidden: true, deleted: false, text: 't1' });
    expect(c.visible(c.post(1)!)).toBe(false);
    const m = new ChatState();
    m.welcome(welcome('moderator'));
    m.apply(post(1, 'troll'));
    m.apply({ type: 'event', seq: 2, at, kind: 'hide', target: 1 });
    expect(m.isModerator).toBe(true);
    expect(m.visible(m.post(1)!)).toBe(true);
    c.apply({ type: 'event', seq: 3, at, kind: 'unhide', target: 1 });
    expect(c.post(1)?.hidden).toBe(false);
    expect(c.visible(c.post(1)!)).toBe(true);
    expect(c.apply({ type: 'event', seq: 4, at, kind: 'hide', target: 77 })).toEqual({ type: 'none' });
  });

  it('pins and unpins posts', () => {
    const c = new ChatState();
    c.welcome(welcome());
    c.apply(post(1, 'a'));
    c.apply({ type: 'event', seq: 2, at, kind: 'pin', target: 1 });
    expect(c.post(1)?.pinned).toBe(true);
    c.apply({ type: 'event', seq: 3, at, kind: 'unpin', target: 1 });
    expect(c.post(1)?.pinned).toBe(false);
  });

  it('knows muted and banned handles (ignoring case), and whether that is me', () => {
    const c = new ChatState();
    c.welcome(welcome());
    expect(c.apply({ type: 'event', seq: 1, at, kind: 'mute', handle: 'ms_lee' })).toEqual({ type: 'member', handle: 'ms_lee', me: true });
    expect(c.amMuted).toBe(true);
    expect(c.apply({ type: 'event', seq: 2, at, kind: 'ban', handle: 'Troll_42' })).toEqual({ type: 'member', handle: 'Troll_42', me: false });
    expect(c.isBanned('troll_42')).toBe(true);
    expect(c.amBanned).toBe(false);
    c.apply({ type: 'event', seq: 3, at, kind: 'unmute', handle: 'MS_LEE' });
    expect(c.amMuted).toBe(false);
    c.apply({ type: 'event', seq: 4, at, kind: 'unban', handle: 'troll_42' });
    expect(c.isBanned('Troll_42')).toBe(false);
    c.apply({ type: 'event', seq: 5, at, kind: 'mute', handle: 'x' });
    c.reset();
    expect(c.isMuted('x')).toBe(false);
  });
});

describe('ModState', () => {
  const p = { author: 'alice', name: 'Alice', role: 'participant' as const, text: 'A1: hi', round: 1, reply_to: null, mentions: [] };
  const m = (n: number, extra: Partial<ModMsg>): ModMsg => ({ type: 'mod', n, at, kind: 'hide', by: 'host', ...extra });

  it('keeps the queue of waiting posts and the log, ignoring entries sent again after a reconnect', () => {
    const s = new ModState();
    expect(s.apply(m(1, { kind: 'pending', by: 'alice', pending: 1, post: p }))).toBe(true);
    s.apply(m(2, { kind: 'pending', by: 'bob', pending: 2, post: { ...p, author: 'bob' } }));
    s.apply(m(3, { kind: 'hide', target: 5, seq: 6 }));
    expect(s.queue().map((e) => e.pending)).toEqual([1, 2]);
    s.apply(m(4, { kind: 'approve', pending: 1, seq: 7, post: p }));
    expect(s.queue().map((e) => e.pending)).toEqual([2]);
    // The whole log again after a welcome: nothing changes.
    for (const e of [m(1, { kind: 'pending', by: 'alice', pending: 1, post: p }), m(2, { kind: 'pending', pending: 2, post: p })]) {
      expect(s.apply(e)).toBe(false);
    }
    expect(s.queue().map((e) => e.pending)).toEqual([2]);
    s.apply(m(5, { kind: 'reject', pending: 2, post: p }));
    expect(s.queue()).toEqual([]);
    expect(s.entries.map((e) => e.n)).toEqual([1, 2, 3, 4, 5]);
    s.reset();
    expect(s.entries).toEqual([]);
  });

  it('describes entries for the log', () => {
    expect(describeMod(m(1, { kind: 'hide', target: 17 }))).toBe('hid post 17');
    expect(describeMod(m(1, { kind: 'ban', handle: 'troll_42', ban_address: true }))).toBe('banned @troll_42 and their network address');
    expect(describeMod(m(1, { kind: 'control', detail: 'next' }))).toBe('control: next');
    expect(describeMod(m(1, { kind: 'approve', pending: 3, seq: 41, post: p }))).toBe('approved waiting post 3 by @alice (now post 41)');
  });
});
