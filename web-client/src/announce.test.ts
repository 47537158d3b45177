// What a screen reader hears (announce.ts and the phase bar in live.ts), with time from outside:
// the phase view reads the clock through the client's serverNow, which the test sets.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Announcer } from './announce';
import { ChatState } from './chat_state';
import { fake, installFakeDom } from './fake_dom';
import { addMessages } from './i18n';
import en from './i18n/en/common';
import enLive from './i18n/en/live';
import { PhaseView, type Live } from './live';
import type { Phase, WelcomeMsg } from './protocol';

beforeAll(() => {
  installFakeDom();
  addMessages(en, 'en');
  addMessages(enLive);
});

const T0 = Date.parse('2026-11-26T19:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const lines = (a: Announcer) => fake(a.el).children.map((p) => p.textContent);

function setUp(phase: Phase) {
  const chat = new ChatState();
  chat.welcome({
    type: 'welcome',
    protocol: 1,
    now: iso(T0),
    head: 0,
    you: { handle: 'me', name: 'Me', role: 'participant' },
    session: {
      id: 's', hashtag: '#PubPD', title: 't', description: '', mode: 'live', timezone: 'UTC', start: null,
      intro_minutes: 5, round_minutes: 8, talk_minutes: 0, wrapup_minutes: 5,
      questions: [{ round: 1, text: 'How do you start a lesson?' }],
      phase, created_at: iso(T0), head: 0, online: 1,
    },
  } as WelcomeMsg);
  const clock = { now: T0 };
  const live = { chat, client: { serverNow: () => clock.now }, close() {} } as unknown as Live;
  const announcer = new Announcer();
  const view = new PhaseView(live, announcer);
  views.push(view);
  view.update();
  return { chat, clock, announcer, view };
}
const views: PhaseView[] = [];
afterEach(() => views.splice(0).forEach((v) => v.destroy()));

const round = (ends: number): Phase => ({ phase: 'round', round: 1, question: 'How do you start a lesson?', started_at: iso(T0), ends_at: iso(ends), segment: 2 });

describe('the phase bar as heard', () => {
  it('reads a phase change with its question, not the phase the page opened in', () => {
    const { chat, announcer, view } = setUp({ phase: 'intro', round: 0, question: null, started_at: iso(T0), ends_at: iso(T0 + 300_000), segment: 0 });
    expect(lines(announcer)).toEqual([]);
    chat.phase = round(T0 + 480_000);
    view.update();
    view.update();
    expect(lines(announcer)).toEqual(['Q1: answer now with A1. How do you start a lesson?']);
  });

  it('warns once when a minute is left, only if it saw more than a minute', () => {
    const { clock, announcer, view } = setUp(round(T0 + 120_000));
    clock.now = T0 + 59_000;
    view.tick();
    expect(lines(announcer)).toEqual([]);
    clock.now = T0 + 60_500;
    view.tick();
    clock.now = T0 + 70_000;
    view.tick();
    expect(lines(announcer)).toEqual(['1 minute left']);

    const late = setUp(round(T0 + 30_000));
    late.view.tick();
    expect(lines(late.announcer)).toEqual([]);
  });
});

describe('new answers as heard', () => {
  it('reads live answers one by one and a backlog as one summary', () => {
    const a = new Announcer();
    a.post({ name: 'Bob', text: 'one', reply: false }, false);
    a.post({ name: 'Bob', text: 'two', reply: true }, false);
    expect(lines(a)).toEqual([]);
    a.caughtUp();
    a.post({ name: 'Kim', text: 'live', reply: false }, true);
    a.post({ name: 'Kim', text: 'back', reply: true }, true);
    a.caughtUp();
    expect(lines(a)).toEqual(['2 new answers', 'Kim: live', 'Kim replied: back']);
    for (let i = 0; i < 10; i++) a.say(`line ${i}`);
    expect(lines(a).length).toBe(6);
  });
});
