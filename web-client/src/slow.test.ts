import { describe, expect, it } from 'vitest';
import { ChatState } from './chat_state';
import { slowRule } from './landing_create';
import { addMessages } from './i18n';
import landingEn from './i18n/en/landing';
import { enabledSlowControls, postponeMinutes } from './moderator_controls';
import type { ChatEvent, WelcomeMsg } from './protocol';
import { newAnswerCounts, newestSeqIn, SeenStore, seenKey, slowSchedule, type KeyValueStore } from './slow';

// slowRule's problems are catalogue sentences.
addMessages(landingEn, 'en');

const created = '2026-11-26T19:00:00.000Z';
const R1 = '2026-11-27T07:00:00.000Z';
const R2 = '2026-11-28T07:00:00.000Z';
const R3 = '2026-11-29T07:00:00.000Z';

function welcome(handle = 'Ms_Lee'): WelcomeMsg {
  return {
    type: 'welcome',
    protocol: 1,
    now: created,
    head: 0,
    you: { handle, name: handle, role: 'participant' },
    session: {
      id: 'slow-2026-11-27',
      hashtag: '#slowchatED',
      title: 't',
      description: '',
      mode: 'slow',
      timezone: 'Europe/London',
      start: R1,
      intro_minutes: 5,
      round_minutes: 8,
      talk_minutes: 0,
      wrapup_minutes: 5,
      questions: [
        { round: 1, text: 'Q one?' },
        { round: 2, text: 'Q two?' },
        { round: 3, text: 'Q three?' },
      ],
      phase: { phase: 'scheduled', round: null, question: null, started_at: null, ends_at: R1, segment: -1 },
      releases: [R1, R2, R3],
      release_time: '07:00',
      release_every_hours: null,
      close_after_hours: 24,
      created_at: created,
      head: 0,
      online: 0,
    },
  };
}

function release(seq: number, round: number, at: string, scheduled: string, endsAt: string): ChatEvent {
  return {
    type: 'event',
    seq,
    at,
    kind: 'release',
    phase: 'round',
    round,
    question: `Q ${round}`,
    started_at: at,
    ends_at: endsAt,
    segment: round - 1,
    scheduled_at: scheduled,
  };
}

function post(seq: number, author: string, round: number | null, extra: Partial<Extract<ChatEvent, { kind: 'post' }>> = {}): ChatEvent {
  return { type: 'event', seq, at: R2, kind: 'post', author, name: author, role: 'participant', text: `t${seq}`, round, reply_to: null, mentions: [], ...extra };
}

class MapStore implements KeyValueStore {
  data = new Map<string, string>();
  getItem(k: string): string | null {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.data.set(k, v);
  }
}

describe('release events', () => {
  it('are applied like phase events and record each release with its scheduled and actual instants', () => {
    const c = new ChatState();
    c.welcome(welcome());
    expect(c.isSlow).toBe(true);
    expect(c.releasedRounds()).toEqual([]);
    const ch = c.apply(release(1, 1, R1, R1, R2));
    expect(ch.type).toBe('phase');
    expect(ch.type === 'phase' && ch.release).toEqual({ round: 1, question: 'Q 1', scheduled_at: R1, released_at: R1, seq: 1 });
    expect(c.phase?.phase).toBe('round');
    expect(c.phase?.ends_at).toBe(R2);
    expect(c.phase).not.toHaveProperty('scheduled_at');
    expect(c.currentRound).toBe(1);
    // Released early by the moderator: `at` before `scheduled_at`.
    const early = '2026-11-27T20:00:00.000Z';
    c.apply(release(2, 2, early, R2, R3));
    expect(c.currentRound).toBe(2);
    expect(c.askedRounds()).toEqual([0, 1, 2]);
    const rounds = c.releasedRounds();
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(rounds[0].question).toBe('Q one?');
    expect(rounds[1].release).toMatchObject({ scheduled_at: R2, released_at: early });
    c.reset();
    expect(c.releases.size).toBe(0);
  });
});

describe('new answers per question', () => {
  it('counts others’ visible posts with a seq past the last one seen for that question', () => {
    const c = new ChatState();
    c.welcome(welcome('Ms_Lee'));
    c.apply(release(1, 1, R1, R1, R2));
    c.apply(post(2, 'alice', 1));
    c.apply(post(3, 'ms_lee', 1)); // mine: never new to me
    c.apply(release(4, 2, R2, R2, R3));
    c.apply(post(5, 'bob', 2));
    c.apply(post(6, 'bob', 1)); // a late answer to Q1
    c.apply(post(7, 'carol', 1, { reply_to: 2 }));
    c.apply(post(8, 'dan', 2));
    c.apply({ type: 'event', seq: 9, at: R2, kind: 'delete', target: 8, author: 'dan' });
    c.apply(post(10, 'eve', 2));
    c.apply({ type: 'event', seq: 11, at: R2, kind: 'hide', target: 10 });

    const store = new MapStore();
    const key = seenKey('slow-2026-11-27', 'Ms_Lee');
    expect(key).toBe('hashchat:seen:slow-2026-11-27:ms_lee');
    const seen = new SeenStore(store, key);
    expect(Object.fromEntries(newAnswerCounts(c, (r) => seen.lastSeen(r)))).toEqual({ 1: 3, 2: 1 });

    // Looking at Q1 up to its newest post: nothing new there any more; Q2 unchanged.
    expect(newestSeqIn(c, 1)).toBe(7);
    expect(seen.markSeen(1, newestSeqIn(c, 1))).toBe(true);
    expect(seen.markSeen(1, 3)).toBe(false); // never goes back
    expect(Object.fromEntries(newAnswerCounts(c, (r) => seen.lastSeen(r)))).toEqual({ 2: 1 });

    // The next visit (a new store over the same storage) remembers it; a later answer is new.
    const again = new SeenStore(store, key);
    expect(again.lastSeen(1)).toBe(7);
    expect(again.lastSeen(2)).toBe(0);
    c.apply(post(12, 'frank', 1));
    expect(Object.fromEntries(newAnswerCounts(c, (r) => again.lastSeen(r)))).toEqual({ 1: 1, 2: 1 });
    // Another handle on the same device has its own record.
    expect(new SeenStore(store, seenKey('slow-2026-11-27', 'bob')).lastSeen(1)).toBe(0);
  });

  it('survives broken or missing storage', () => {
    const store = new MapStore();
    store.setItem('k', '{not json');
    expect(new SeenStore(store, 'k').lastSeen(1)).toBe(0);
    store.setItem('k', JSON.stringify({ 1: 'x', 2: 5, nope: 3 }));
    const s = new SeenStore(store, 'k');
    expect(s.lastSeen(1)).toBe(0);
    expect(s.lastSeen(2)).toBe(5);
    const none = new SeenStore(null, 'k');
    expect(none.markSeen(1, 4)).toBe(true);
    expect(none.lastSeen(1)).toBe(4);
  });
});

describe('slow schedule', () => {
  it('gives the next release, the ones after, and the close', () => {
    const c = new ChatState();
    c.welcome(welcome());
    let s = slowSchedule(c);
    expect(s.next).toMatchObject({ round: 1, at: R1 });
    expect(s.upcoming.map((u) => u.at)).toEqual([R1, R2, R3]);
    expect(s.closesAt).toBe('2026-11-30T07:00:00.000Z');
    c.apply(release(1, 1, R1, R1, R2));
    // Postponed by 90 minutes: the phase's ends_at moves; later releases keep their instants.
    c.apply({ type: 'event', seq: 2, at: R1, kind: 'phase', phase: 'round', round: 1, question: 'Q one?', started_at: R1, ends_at: '2026-11-28T08:30:00.000Z', segment: 0 });
    s = slowSchedule(c);
    expect(s.next).toMatchObject({ round: 2, at: '2026-11-28T08:30:00.000Z' });
    expect(s.upcoming.map((u) => u.at)).toEqual(['2026-11-28T08:30:00.000Z', R3]);
    c.apply(release(3, 2, '2026-11-28T08:30:00.000Z', R2, R3));
    c.apply(release(4, 3, R3, R3, '2026-11-30T07:00:00.000Z'));
    s = slowSchedule(c);
    expect(s.next).toBeNull();
    expect(s.upcoming).toEqual([]);
    expect(s.closesAt).toBe('2026-11-30T07:00:00.000Z');
    c.apply({ type: 'event', seq: 5, at: R3, kind: 'phase', phase: 'closed', round: null, question: null, started_at: null, ends_at: null, segment: 3 });
    s = slowSchedule(c);
    expect(s.closed).toBe(true);
    expect(s.closesAt).toBeNull();
  });
});

describe('slow controls and creation', () => {
  it('enables release and postpone when they make sense', () => {
    expect([...enabledSlowControls('scheduled', 0, 3)].sort()).toEqual(['end', 'release']);
    expect([...enabledSlowControls('round', 1, 3)].sort()).toEqual(['end', 'pause', 'postpone', 'release']);
    expect([...enabledSlowControls('round', 3, 3)].sort()).toEqual(['end', 'pause', 'postpone']);
    expect([...enabledSlowControls('paused', 1, 3)].sort()).toEqual(['end', 'resume']);
    expect(enabledSlowControls('closed', 3, 3).size).toBe(0);
  });

  it('turns hours and minutes into a postpone of 1 to 10,080 minutes', () => {
    expect(postponeMinutes('1', '30')).toBe(90);
    expect(postponeMinutes('', '5')).toBe(5);
    expect(postponeMinutes('0', '0')).toBeNull();
    expect(postponeMinutes('168', '0')).toBe(10080);
    expect(postponeMinutes('168', '1')).toBeNull();
    expect(postponeMinutes('1.5', '0')).toBeNull();
  });

  it('builds the slow fields of the creation body', () => {
    expect(slowRule({ start: '2026-11-27T07:00', daily: true, releaseTime: '07:00', everyHours: '', closeAfter: '48' })).toEqual({ release_time: '07:00', close_after_hours: 48 });
    expect(slowRule({ start: '2026-11-27T07:00', daily: true, releaseTime: '', everyHours: '', closeAfter: '' })).toEqual({ close_after_hours: 24 });
    expect(slowRule({ start: '2026-11-27T07:00', daily: false, releaseTime: '', everyHours: '12', closeAfter: '24' })).toEqual({ release_every_hours: 12, close_after_hours: 24 });
    expect(slowRule({ start: '', daily: true, releaseTime: '', everyHours: '', closeAfter: '24' })).toMatch(/first release/);
    expect(slowRule({ start: 'x', daily: false, releaseTime: '', everyHours: '0', closeAfter: '24' })).toMatch(/1 to 168/);
    expect(slowRule({ start: 'x', daily: true, releaseTime: '', everyHours: '', closeAfter: '721' })).toMatch(/720/);
  });
});
