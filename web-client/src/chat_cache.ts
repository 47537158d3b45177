// The last state of each chat on this device, so a reload with no signal (or with the server
// unreachable) shows the chat as it was, and the next connection resumes with `since` from it.
// One IndexedDB record per chat (per session and handle): its welcome and the events up to a seq,
// written in one transaction, so a chat is cached whole or not at all; the events are replayed
// through ChatState, so edits, deletions and hides show exactly as in the live view. Whole chats
// are evicted, least recently used first, past a bound (evictionPlan, a pure function).

import type { ChatEvent, WelcomeMsg } from './protocol';

export interface CachedChat {
  chat: string;
  welcome: WelcomeMsg;
  /** Events 1..seq in order (the log as this client saw it). */
  events: ChatEvent[];
  seq: number;
}

/** What eviction needs to know of a cached chat. */
export interface CacheEntry {
  chat: string;
  bytes: number;
  usedAt: number;
}

export interface CacheLimits {
  maxChats: number;
  maxBytes: number;
}

export const CACHE_LIMITS: CacheLimits = { maxChats: 20, maxBytes: 20 * 1024 * 1024 };

/**
 * The chats to delete so that at most maxChats remain and their sizes add up to at most maxBytes:
 * the least recently used first. `keep` (the chat just written) goes last, only when it alone is
 * over the byte bound (then it is not cached at all: a partial log would be wrong).
 */
export function evictionPlan(entries: readonly CacheEntry[], limits: CacheLimits, keep: string): string[] {
  const others = entries.filter((e) => e.chat !== keep).sort((a, b) => a.usedAt - b.usedAt || (a.chat < b.chat ? -1 : 1));
  const kept = entries.find((e) => e.chat === keep);
  let count = entries.length;
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const out: string[] = [];
  for (const e of others) {
    if (count <= limits.maxChats && bytes <= limits.maxBytes) break;
    out.push(e.chat);
    count -= 1;
    bytes -= e.bytes;
  }
  if (kept && (bytes > limits.maxBytes || count > limits.maxChats)) out.push(kept.chat);
  return out;
}

/** The key of a chat's record: the session and the handle (likes and "mine" depend on who). */
export function chatKey(session: string, handle: string): string {
  return `${session}:${handle.toLowerCase()}`;
}

const DB_NAME = 'hashchat';
const CHATS = 'chats';
const INDEX = 'chat_index';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

let dbPromise: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  dbPromise ??= new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('no IndexedDB'));
      return;
    }
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(CHATS, { keyPath: 'chat' });
      req.result.createObjectStore(INDEX, { keyPath: 'chat' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB blocked'));
  }).catch((e: unknown) => {
    dbPromise = null;
    throw e;
  });
  return dbPromise;
}

/** The cached chat, or null (none, or no IndexedDB: private mode, an old browser). */
export async function loadChat(chat: string): Promise<CachedChat | null> {
  try {
    const db = await openDb();
    const tx = db.transaction([CHATS, INDEX], 'readwrite');
    const rec = (await request(tx.objectStore(CHATS).get(chat))) as CachedChat | undefined;
    const entry = (await request(tx.objectStore(INDEX).get(chat))) as CacheEntry | undefined;
    if (rec && entry) tx.objectStore(INDEX).put({ ...entry, usedAt: Date.now() });
    await done(tx);
    return rec && entry ? rec : null;
  } catch {
    return null;
  }
}

/** Replaces a chat's record and evicts whole chats past the bound, all in one transaction. */
export async function saveChat(rec: CachedChat, limits: CacheLimits = CACHE_LIMITS): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([CHATS, INDEX], 'readwrite');
  const chats = tx.objectStore(CHATS);
  const index = tx.objectStore(INDEX);
  // UTF-16 length: what the record roughly costs; close enough for a bound in megabytes.
  const bytes = JSON.stringify(rec).length * 2;
  chats.put(rec);
  index.put({ chat: rec.chat, bytes, usedAt: Date.now() });
  const entries = (await request(index.getAll())) as CacheEntry[];
  for (const chat of evictionPlan(entries, limits, rec.chat)) {
    chats.delete(chat);
    index.delete(chat);
  }
  await done(tx);
}

/**
 * Keeps one chat's record up to date as events arrive: writes are coalesced (one in flight, the
 * next one with everything that came meanwhile), so a backlog of hundreds of events costs a few
 * writes, not hundreds.
 */
export class ChatCacheWriter {
  private welcome: WelcomeMsg | null;
  private events: ChatEvent[];
  private writing = false;
  private dirty = false;
  private stopped = false;

  constructor(
    private readonly chat: string,
    from: CachedChat | null,
    private readonly save: (rec: CachedChat) => Promise<void> = saveChat,
  ) {
    this.welcome = from?.welcome ?? null;
    this.events = from ? [...from.events] : [];
  }

  get seq(): number {
    return this.events.length ? this.events[this.events.length - 1].seq : 0;
  }

  setWelcome(w: WelcomeMsg): void {
    this.welcome = w;
    this.schedule();
  }

  /** Events come in order and without gaps (ws_client checks); anything else is not cached. */
  append(ev: ChatEvent): void {
    if (ev.seq !== this.seq + 1) return;
    this.events.push(ev);
    this.schedule();
  }

  /** The server's log is not the one cached (bad_since): start over from 0. */
  reset(): void {
    this.events = [];
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
  }

  private schedule(): void {
    this.dirty = true;
    if (this.writing || this.stopped) return;
    this.writing = true;
    // A microtask later, so that the events of one socket message batch go in one write.
    queueMicrotask(() => void this.flush());
  }

  private async flush(): Promise<void> {
    while (this.dirty && !this.stopped && this.welcome) {
      this.dirty = false;
      try {
        await this.save({ chat: this.chat, welcome: this.welcome, events: [...this.events], seq: this.seq });
      } catch {
        // No IndexedDB or quota exceeded: the chat works without its offline copy.
        break;
      }
    }
    this.writing = false;
  }
}
