// Chat series without the DOM: the rule in words, the creation body from the form's values, the
// questions from a textarea, and which sessions are past. Words come from the 'series' catalogue.

import type { CreateSeriesBody, QuestionInput } from './api';
import { lang, t, type Key } from './i18n';
import type { Question, SessionInfo } from './protocol';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

type Weekday = (typeof WEEKDAYS)[number];

function asWeekday(weekday: string): Weekday | null {
  const w = weekday.trim().toLowerCase();
  return (WEEKDAYS as readonly string[]).includes(w) ? (w as Weekday) : null;
}

/** "thursday" -> "Thursday" ("jeudi" in French), from Intl; anything else: as given, trimmed. */
export function weekdayName(weekday: string): string {
  const w = asWeekday(weekday);
  if (!w) return weekday.trim();
  // 2024-01-01 was a Monday.
  const day = new Date(Date.UTC(2024, 0, 1 + WEEKDAYS.indexOf(w)));
  return new Intl.DateTimeFormat(lang(), { weekday: 'long', timeZone: 'UTC' }).format(day);
}

/** "every week", "every 2 weeks". */
export function everyWeeksText(n: number): string {
  return t('series.every_weeks', { n: !Number.isFinite(n) || n <= 1 ? 1 : Math.round(n) });
}

/** "Thursdays 20:00 Europe/London time, every week". */
export function seriesRuleText(s: { weekday: string; time: string; timezone: string; every_weeks?: number | null }): string {
  const w = asWeekday(s.weekday);
  const days = w ? t(`series.on_${w}`) : '';
  const every = everyWeeksText(s.every_weeks ?? 1);
  const zone = s.timezone.trim();
  const time = s.time.trim();
  if (!days) return [time, every].filter(Boolean).join(', ');
  return zone ? t('series.rule', { days, time, zone, every }) : t('series.rule_no_zone', { days, time, every });
}

export interface SeriesFormValues {
  hashtag: string;
  title: string;
  description: string;
  timezone: string;
  weekday: string;
  time: string;
  everyWeeks: string;
  firstDate: string;
  count: string;
  intro: string;
  round: string;
  talk: string;
  wrapup: string;
}

function wholeIn(v: string, min: number, max: number): number | null {
  const n = Number(v.trim());
  return v.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

/** The POST /api/series body from the form's values, or what is wrong with them. */
export function seriesBody(v: SeriesFormValues): CreateSeriesBody | string {
  let tag = v.hashtag.trim();
  if (tag && !tag.startsWith('#')) tag = `#${tag}`;
  if (tag.length < 2) return t('series.error_hashtag');
  const title = v.title.trim();
  if (!title) return t('series.error_title');
  const timezone = v.timezone.trim();
  if (!timezone) return t('series.error_timezone');
  const weekday = v.weekday.trim().toLowerCase();
  if (!(WEEKDAYS as readonly string[]).includes(weekday)) return t('series.error_weekday');
  const time = v.time.trim().slice(0, 5);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return t('series.error_time');
  const every = wholeIn(v.everyWeeks || '1', 1, 4);
  if (every === null) return t('series.error_every');
  const count = wholeIn(v.count || '4', 1, 12);
  if (count === null) return t('series.error_count');
  const firstDate = v.firstDate.trim();
  if (firstDate && !/^\d{4}-\d{2}-\d{2}$/.test(firstDate)) return t('series.error_first_date');
  const minutes: [string, string, number, number, Key][] = [
    ['intro_minutes', v.intro, 0, 60, 'series.error_intro'],
    ['round_minutes', v.round, 1, 240, 'series.error_round'],
    ['talk_minutes', v.talk, 0, 240, 'series.error_talk'],
    ['wrapup_minutes', v.wrapup, 0, 120, 'series.error_wrapup'],
  ];
  const body: CreateSeriesBody = {
    hashtag: tag,
    title,
    description: v.description.trim(),
    timezone,
    weekday,
    time,
    every_weeks: every,
    count,
  };
  if (firstDate) body.first_date = firstDate;
  for (const [name, value, min, max, problem] of minutes) {
    const n = wholeIn(value, min, max);
    if (n === null) return t(problem);
    (body as unknown as Record<string, number>)[name] = n;
  }
  return body;
}

/**
 * The questions of a textarea, one per line; a line that is exactly an existing question keeps
 * that question's own minutes.
 */
export function questionsFromText(text: string, existing: Question[] = []): QuestionInput[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const q = existing.find((e) => e.text === line);
      if (!q || (q.talk_minutes === undefined && q.round_minutes === undefined)) return line;
      const out: Exclude<QuestionInput, string> = { text: line };
      if (q.talk_minutes !== undefined) out.talk_minutes = q.talk_minutes;
      if (q.round_minutes !== undefined) out.round_minutes = q.round_minutes;
      return out;
    });
}

/** A session is past once closed; scheduled and running ones are upcoming. */
export function isPast(s: Pick<SessionInfo, 'phase'>): boolean {
  return s.phase?.phase === 'closed';
}

/** Splits a series' sessions (oldest first) into upcoming (soonest first) and past (newest first). */
export function splitSessions<T extends Pick<SessionInfo, 'phase'>>(sessions: T[]): { upcoming: T[]; past: T[] } {
  const upcoming = sessions.filter((s) => !isPast(s));
  const past = sessions.filter((s) => isPast(s)).reverse();
  return { upcoming, past };
}
