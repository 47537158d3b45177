// HTTP calls to the hashchat server.

import type {
  ClientError,
  CreatedKey,
  CreateSeriesResponse,
  CreateSessionResponse,
  KeyInfo,
  Question,
  SeriesInfo,
  SessionInfo,
  SessionOptions,
} from './protocol';
import type { ArchiveList, SearchAnswer, Transcript } from './archive_types';
import { t, type Key } from './i18n';

async function call<T>(method: string, path: string, body?: unknown, bearer?: string): Promise<T> {
  let res: Response;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer !== undefined) headers.Authorization = `Bearer ${bearer}`;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw { code: 'offline', message: 'Cannot reach the server. Check your connection.' } as ClientError;
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 204) return null as T;
  if (!res.ok) {
    const d = (data ?? {}) as { error?: string; message?: string };
    throw { code: d.error ?? `http_${res.status}`, message: d.message ?? `The server answered ${res.status}.` } as ClientError;
  }
  return data as T;
}

export function listSessions(): Promise<{ sessions: SessionInfo[] }> {
  return call('GET', '/api/sessions');
}

export function getSession(id: string): Promise<SessionInfo> {
  return call('GET', `/api/sessions/${encodeURIComponent(id)}`);
}

export interface CreateSessionBody {
  hashtag: string;
  title: string;
  description: string;
  mode: 'live' | 'slow';
  timezone: string;
  start?: string;
  questions: string[];
  intro_minutes?: number;
  round_minutes?: number;
  talk_minutes?: number;
  wrapup_minutes?: number;
  /** Slow chats: one release a day at this local time ("07:00")... */
  release_time?: string;
  /** ...or one every N hours (1-168). */
  release_every_hours?: number;
  /** Slow chats: the chat closes this many hours (1-720) after the last release. */
  close_after_hours?: number;
  options?: SessionOptions;
}

export function createSession(body: CreateSessionBody): Promise<CreateSessionResponse> {
  return call('POST', '/api/sessions', body);
}

export interface CreateSeriesBody {
  hashtag: string;
  title: string;
  description: string;
  timezone: string;
  /** "monday" ... "sunday" */
  weekday: string;
  /** "20:00", local in the zone. */
  time: string;
  /** 1-4 */
  every_weeks: number;
  /** "2026-11-26"; absent: the next such weekday. */
  first_date?: string;
  /** 1-12 */
  count: number;
  intro_minutes?: number;
  round_minutes?: number;
  talk_minutes?: number;
  wrapup_minutes?: number;
  options?: SessionOptions;
}

export function createSeries(body: CreateSeriesBody): Promise<CreateSeriesResponse> {
  return call('POST', '/api/series', body);
}

export function getSeries(id: string): Promise<SeriesInfo> {
  return call('GET', `/api/series/${encodeURIComponent(id)}`);
}

export function seriesCalendarPath(id: string): string {
  return `/api/series/${encodeURIComponent(id)}/calendar.ics`;
}

export function sessionCalendarPath(id: string): string {
  return `/api/sessions/${encodeURIComponent(id)}/calendar.ics`;
}

/** A question as sent in a creation or PATCH body: its text, or the text with its own minutes. */
export type QuestionInput = string | Omit<Question, 'round'>;

/** Moderator (owner or co-moderator): changes a session; before the start, anything but hashtag and mode. */
export function patchSession(id: string, key: string, body: { questions?: QuestionInput[]; title?: string; description?: string }): Promise<SessionInfo> {
  return call('PATCH', `/api/sessions/${encodeURIComponent(id)}`, body, key);
}

function keysPath(id: string): string {
  return `/api/sessions/${encodeURIComponent(id)}/keys`;
}

/** Owner only: makes a co-moderator key (shown only in this answer). */
export function createKey(id: string, ownerKey: string, label: string): Promise<CreatedKey> {
  return call('POST', keysPath(id), label ? { label } : {}, ownerKey);
}

/** Owner only: the session's moderator keys (never the keys themselves). */
export function listKeys(id: string, ownerKey: string): Promise<{ keys: KeyInfo[] }> {
  return call('GET', keysPath(id), undefined, ownerKey);
}

/** Owner only: revokes a co-moderator key. */
export function revokeKey(id: string, ownerKey: string, keyId: string): Promise<null> {
  return call('DELETE', `${keysPath(id)}/${encodeURIComponent(keyId)}`, undefined, ownerKey);
}

/** GET /api/archive?{query}: the query is built by archive_query.ts. */
export function listArchive(query: string): Promise<ArchiveList> {
  return call('GET', `/api/archive${query ? `?${query}` : ''}`);
}

/** GET /api/search?{query}; a bad query is refused with a sentence to show. */
export function searchArchive(query: string): Promise<SearchAnswer> {
  return call('GET', `/api/search?${query}`);
}

export function transcriptPath(id: string, format: 'html' | 'md' | 'json' | 'csv'): string {
  return `/api/sessions/${encodeURIComponent(id)}/transcript.${format}`;
}

export function activityChartPath(id: string): string {
  return `/api/sessions/${encodeURIComponent(id)}/activity.svg`;
}

export function getTranscript(id: string): Promise<Transcript> {
  return call('GET', transcriptPath(id, 'json'));
}

/** Every error `code` the server sends (src/core/error.hpp, docs/protocol.md), and `offline`. */
const ERROR_CODES = new Set([
  'bad_request', 'unknown_type', 'not_joined', 'bad_handle', 'handle_taken', 'bad_token', 'bad_key', 'bad_since', 'too_long',
  'empty', 'not_allowed', 'not_found', 'muted', 'banned', 'closed', 'rate_limited', 'store_unavailable', 'unavailable',
  'offline',
]);

/** An error's `code`, or '' when it has none. */
export function errorCode(e: unknown): string {
  return e && typeof e === 'object' && 'code' in e ? String((e as ClientError).code) : '';
}

/**
 * The client's own sentence for an error, in the reader's language, chosen by its `code`: the
 * server's `message` is English and written for developers, so it is never shown. An unknown
 * code (an `http_NNN` from a proxy, a newer server) gets a generic sentence.
 */
export function errorText(e: unknown): string {
  const code = errorCode(e);
  return ERROR_CODES.has(code) ? t(`common.error.${code}` as Key) : t('common.error.other');
}
