// Shapes of the archive's HTTP answers: GET /api/archive, /api/search and
// /api/sessions/{id}/transcript.json (src/server/archive_api.cpp, src/archive/exports.cpp).

export type ChatState = 'scheduled' | 'live' | 'ended';

export interface ArchiveSession {
  id: string;
  hashtag: string;
  title: string;
  description: string;
  series: string | null;
  mode: 'live' | 'slow';
  timezone: string;
  state: ChatState;
  /** When it began, else when it is scheduled, else when it was made. */
  at: string;
  started_at: string | null;
  ended_at: string | null;
  questions: number;
  posts: number;
  participants: number;
  urls: { archive: string; join: string; html: string; md: string; json: string; csv: string };
}

export interface ArchiveList {
  sessions: ArchiveSession[];
  total: number;
  offset: number;
  limit: number;
  hashtags: { hashtag: string; sessions: number }[];
  series: { id: string; hashtag: string; title: string }[];
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

export interface SearchHit {
  session: { id: string; hashtag: string; title: string };
  seq: number;
  /** "/archive/{id}#p{seq}" */
  permalink: string;
  at: string;
  author: string;
  name: string;
  round: number | null;
  snippet: SnippetPart[];
}

export interface SearchAnswer {
  query: string;
  matched: number;
  more: boolean;
  offset: number;
  limit: number;
  results: SearchHit[];
}

export interface ArchivePost {
  seq: number;
  /** Absolute URL of /archive/{id}#p{seq}. */
  permalink: string;
  at: string;
  author: string;
  name: string;
  role: 'participant' | 'moderator';
  text: string;
  round: number | null;
  reply_to: number | null;
  reply_to_removed: boolean;
  likes: number;
  edited: boolean;
  pinned: boolean;
  links: string[];
  replies: ArchivePost[];
}

export interface TranscriptQuestion {
  number: number;
  text: string;
  asked_at: string;
  answer_count: number;
  reply_count: number;
  likes: number;
  links: { url: string; seq: number; author: string }[];
  answers: ArchivePost[];
}

export interface Transcript {
  format: 'hashchat-transcript';
  version: number;
  generated_at: string;
  session: {
    id: string;
    hashtag: string;
    title: string;
    description: string;
    mode: 'live' | 'slow';
    timezone: string;
    series: string | null;
    state: ChatState;
    started_at: string | null;
    ended_at: string | null;
    url: string;
    downloads: { html: string; md: string; json: string; csv: string };
  };
  roll_call: ArchivePost[];
  questions: TranscriptQuestion[];
  other_posts: ArchivePost[];
  announcements: { seq: number; at: string; name: string; text: string }[];
  stats: {
    participants: number;
    posts: number;
    answers: number;
    replies: number;
    introductions: number;
    likes: number;
    top_contributors: { handle: string; name: string; posts: number; likes: number }[];
    most_liked: { seq: number; permalink: string; likes: number; author: string; name: string; text: string }[];
    first_timers: string[] | null;
    activity: { start: string; bucket_seconds: number; posts: number[]; chart: string } | null;
  };
}
