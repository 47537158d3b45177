// HTTP calls to the hashchat server.

import type { ClientError, CreateSessionResponse, SessionInfo } from './protocol';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
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
  mode: 'live';
  timezone: string;
  start?: string;
  questions: string[];
  intro_minutes: number;
  round_minutes: number;
  talk_minutes: number;
  wrapup_minutes: number;
}

export function createSession(body: CreateSessionBody): Promise<CreateSessionResponse> {
  return call('POST', '/api/sessions', body);
}

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as ClientError).message);
  return String(e);
}
