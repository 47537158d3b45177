import { beforeAll, describe, expect, it } from 'vitest';
import { addMessages } from './i18n';
import seriesEn from './i18n/en/series';
import { route } from './router';
import { everyWeeksText, questionsFromText, seriesBody, seriesRuleText, splitSessions, weekdayName, type SeriesFormValues } from './series_rule';
import type { Phase } from './protocol';

beforeAll(() => addMessages(seriesEn, 'en'));

describe('seriesRuleText', () => {
  it('says the rule in words', () => {
    expect(seriesRuleText({ weekday: 'thursday', time: '20:00', timezone: 'Europe/London', every_weeks: 1 })).toBe('Thursdays 20:00 Europe/London time, every week');
    expect(seriesRuleText({ weekday: 'monday', time: '19:30', timezone: 'America/Toronto', every_weeks: 2 })).toBe('Mondays 19:30 America/Toronto time, every 2 weeks');
    expect(seriesRuleText({ weekday: 'Sunday', time: '07:05', timezone: 'Asia/Tokyo', every_weeks: 4 })).toBe('Sundays 07:05 Asia/Tokyo time, every 4 weeks');
  });
  it('copes with missing pieces', () => {
    expect(seriesRuleText({ weekday: 'friday', time: '20:00', timezone: 'UTC' })).toBe('Fridays 20:00 UTC time, every week');
    expect(seriesRuleText({ weekday: 'friday', time: '20:00', timezone: 'UTC', every_weeks: null })).toBe('Fridays 20:00 UTC time, every week');
    expect(seriesRuleText({ weekday: '', time: '20:00', timezone: '', every_weeks: 1 })).toBe('20:00, every week');
  });
  it('names weekdays and week steps', () => {
    expect(weekdayName('wednesday')).toBe('Wednesday');
    expect(weekdayName(' SATURDAY ')).toBe('Saturday');
    expect(weekdayName('')).toBe('');
    expect(everyWeeksText(1)).toBe('every week');
    expect(everyWeeksText(0)).toBe('every week');
    expect(everyWeeksText(Number.NaN)).toBe('every week');
    expect(everyWeeksText(3)).toBe('every 3 weeks');
  });
});

const form: SeriesFormValues = {
  hashtag: 'ukedchat',
  title: ' UKEdChat ',
  description: '',
  timezone: 'Europe/London',
  weekday: 'thursday',
  time: '20:00',
  everyWeeks: '1',
  firstDate: '',
  count: '4',
  intro: '5',
  round: '8',
  talk: '0',
  wrapup: '5',
};

describe('seriesBody', () => {
  it('builds the POST /api/series body', () => {
    expect(seriesBody(form)).toEqual({
      hashtag: '#ukedchat',
      title: 'UKEdChat',
      description: '',
      timezone: 'Europe/London',
      weekday: 'thursday',
      time: '20:00',
      every_weeks: 1,
      count: 4,
      intro_minutes: 5,
      round_minutes: 8,
      talk_minutes: 0,
      wrapup_minutes: 5,
    });
    expect(seriesBody({ ...form, firstDate: '2026-11-26', time: '20:00:00' })).toMatchObject({ first_date: '2026-11-26', time: '20:00' });
  });
  it('says what is wrong', () => {
    expect(seriesBody({ ...form, hashtag: '#' })).toMatch(/hashtag/);
    expect(seriesBody({ ...form, weekday: 'someday' })).toMatch(/day of the week/);
    expect(seriesBody({ ...form, time: '24:00' })).toMatch(/HH:MM/);
    expect(seriesBody({ ...form, everyWeeks: '5' })).toMatch(/1 to 4 weeks/);
    expect(seriesBody({ ...form, count: '13' })).toMatch(/1 to 12/);
    expect(seriesBody({ ...form, count: '1.5' })).toMatch(/1 to 12/);
    expect(seriesBody({ ...form, firstDate: '26/11/2026' })).toMatch(/YYYY-MM-DD/);
    expect(seriesBody({ ...form, round: '0' })).toMatch(/Per question/);
  });
});

describe('questionsFromText', () => {
  it('one per line, keeping the minutes of unchanged questions', () => {
    expect(questionsFromText(' Q one \n\nQ two\n')).toEqual(['Q one', 'Q two']);
    expect(questionsFromText('Kept\nNew', [{ round: 1, text: 'Kept', talk_minutes: 10, round_minutes: 5 }])).toEqual([
      { text: 'Kept', talk_minutes: 10, round_minutes: 5 },
      'New',
    ]);
    expect(questionsFromText('\n  \n')).toEqual([]);
  });
});

describe('splitSessions', () => {
  const ph = (phase: Phase['phase']) => ({ phase: { phase, round: null, question: null, started_at: null, ends_at: null, segment: -1 } });
  it('upcoming soonest first, past newest first', () => {
    const a = { id: 'a', ...ph('closed') };
    const b = { id: 'b', ...ph('closed') };
    const c = { id: 'c', ...ph('round') };
    const d = { id: 'd', ...ph('scheduled') };
    const { upcoming, past } = splitSessions([a, b, c, d]);
    expect(upcoming.map((s) => s.id)).toEqual(['c', 'd']);
    expect(past.map((s) => s.id)).toEqual(['b', 'a']);
  });
});

describe('route /series', () => {
  it('maps the series page', () => {
    expect(route('/series/ukedchat')).toEqual({ page: 'series', id: 'ukedchat' });
    expect(route('/series/ukedchat/')).toEqual({ page: 'series', id: 'ukedchat' });
    expect(route('/series/')).toEqual({ page: 'not_found' });
    expect(route('/series/a/b')).toEqual({ page: 'not_found' });
    expect(route('/series/%E0%A4%A')).toEqual({ page: 'not_found' });
  });
});
