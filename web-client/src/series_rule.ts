// Chat series without the DOM: the rule in words, the creation body from the form's values, the
// questions from a textarea, and which sessions are past.

import type { CreateSeriesBody, QuestionInput } from './api';
import type { Question, SessionInfo } from './protocol';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** "thursday" -> "Thursday" (anything else: as given, first letter capitalised). */
export function weekdayName(weekday: string): string {
  const w = weekday.trim().toLowerCase();
  return w ? w[0].toUpperCase() + w.slice(1) : '';
}

/** "every week", "every 2 weeks". */
export function everyWeeksText(n: number): string {
  return !Number.isFinite(n) || n <= 1 ? 'every week' : `every ${Math.round(n)} weeks`;
}

/** "Thursdays 20:00 Europe/London time, every week". */
export function seriesRuleText(s: { weekday: string; time: string; timezone: string; every_weeks?: number | null }): string {
  const day = weekdayName(s.weekday);
  const when = [day ? `${day}s` : '', s.time.trim()].filter(Boolean).join(' ');
  const zone = s.timezone.trim() ? ` ${s.timezone.trim()} time` : '';
  return `${when}${zone}, ${everyWeeksText(s.every_weeks ?? 1)}`;
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
  if (tag.length < 2) return 'The series needs a hashtag.';
  const title = v.title.trim();
  if (!title) return 'The series needs a title.';
  const timezone = v.timezone.trim();
  if (!timezone) return 'Give the time zone of the chat (e.g. Europe/London).';
  const weekday = v.weekday.trim().toLowerCase();
  if (!(WEEKDAYS as readonly string[]).includes(weekday)) return 'Pick the day of the week.';
  const time = v.time.trim().slice(0, 5);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return 'The time is HH:MM (24-hour clock), e.g. 20:00.';
  const every = wholeIn(v.everyWeeks || '1', 1, 4);
  if (every === null) return 'Every 1 to 4 weeks.';
  const count = wholeIn(v.count || '4', 1, 12);
  if (count === null) return 'Make 1 to 12 sessions.';
  const firstDate = v.firstDate.trim();
  if (firstDate && !/^\d{4}-\d{2}-\d{2}$/.test(firstDate)) return 'The first date is YYYY-MM-DD.';
  const minutes: [string, string, number, number, string][] = [
    ['intro_minutes', v.intro, 0, 60, 'Intros: 0 to 60 minutes.'],
    ['round_minutes', v.round, 1, 240, 'Per question: 1 to 240 minutes.'],
    ['talk_minutes', v.talk, 0, 240, 'Table talk: 0 to 240 minutes.'],
    ['wrapup_minutes', v.wrapup, 0, 120, 'Wrap-up: 0 to 120 minutes.'],
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
    if (n === null) return problem;
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
