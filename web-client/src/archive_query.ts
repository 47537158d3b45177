// The archive page's filters and search words <-> its address's query string (so a filtered list
// or a search can be shared as a link), and the API queries built from them. No DOM.

import type { ChatState } from './archive_types';

export interface ArchiveFilter {
  /** Lower case, without '#' ("ukedchat"); '' for every hashtag. */
  hashtag: string;
  /** A series id; '' for any. */
  series: string;
  state: ChatState | '';
  /** YYYY-MM-DD (UTC days, as the server reads them); '' for open-ended. */
  from: string;
  to: string;
  /** Search words; '' when not searching. */
  q: string;
}

export const EMPTY_FILTER: ArchiveFilter = { hashtag: '', series: '', state: '', from: '', to: '', q: '' };

const STATES: readonly string[] = ['ended', 'live', 'scheduled'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** "#UKEdChat " -> "ukedchat". */
export function bareTag(tag: string): string {
  return tag.trim().replace(/^#/, '').toLowerCase();
}

function validDay(s: string): string {
  if (!DAY.test(s)) return '';
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) ? s : '';
}

/** Reads the filter from `location.search`; values that make no sense are dropped. */
export function filterFromQuery(search: string): ArchiveFilter {
  const p = new URLSearchParams(search);
  const state = (p.get('state') ?? '').trim();
  return {
    hashtag: bareTag(p.get('hashtag') ?? ''),
    series: (p.get('series') ?? '').trim(),
    state: STATES.includes(state) ? (state as ChatState) : '',
    from: validDay((p.get('from') ?? '').trim()),
    to: validDay((p.get('to') ?? '').trim()),
    q: (p.get('q') ?? '').trim(),
  };
}

/** The page's own query string (without '?'): only the fields that are set, in a fixed order. */
export function filterToQuery(f: ArchiveFilter): string {
  const p = new URLSearchParams();
  if (f.hashtag) p.set('hashtag', bareTag(f.hashtag));
  if (f.series) p.set('series', f.series);
  if (f.state) p.set('state', f.state);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.q.trim()) p.set('q', f.q.trim());
  return p.toString();
}

/** GET /api/archive's query for one page of the list. */
export function listQuery(f: ArchiveFilter, offset: number, limit: number): string {
  const p = new URLSearchParams();
  if (f.hashtag) p.set('hashtag', bareTag(f.hashtag));
  if (f.series) p.set('series', f.series);
  if (f.state) p.set('state', f.state);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (offset > 0) p.set('offset', String(offset));
  p.set('limit', String(limit));
  return p.toString();
}

/** GET /api/search's query: the words, limited to the selected hashtag and series. */
export function searchQuery(f: ArchiveFilter, offset: number, limit: number): string {
  const p = new URLSearchParams();
  p.set('q', f.q.trim());
  if (f.hashtag) p.set('hashtag', bareTag(f.hashtag));
  if (f.series) p.set('series', f.series);
  if (offset > 0) p.set('offset', String(offset));
  p.set('limit', String(limit));
  return p.toString();
}

/** The Atom feed of ended chats, for one hashtag or all. */
export function feedPath(hashtag: string): string {
  const tag = bareTag(hashtag);
  return tag ? `/feed.atom?hashtag=${encodeURIComponent(tag)}` : '/feed.atom';
}

export function archivePath(id?: string): string {
  return id ? `/archive/${encodeURIComponent(id)}` : '/archive';
}

/** "#p12" -> 12; anything else -> null. */
export function postSeqFromHash(hash: string): number | null {
  const m = /^#p(\d{1,15})$/.exec(hash);
  return m ? Number(m[1]) : null;
}
