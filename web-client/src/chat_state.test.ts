import { describe, expect, it } from 'vitest';
import { ChatState } from './chat_state';
import type { ChatEvent, WelcomeMsg } from './protocol';

const at = '2026-11-26T19:00:00.000Z';

function welcome(): WelcomeMsg {
  return {
    type: 'welcome',
    protocol: 1,
    now: at,
    head: 0,
    you: { handle: 'Ms_Lee', name: 'Ms Lee', role: 'participant' },
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
});
