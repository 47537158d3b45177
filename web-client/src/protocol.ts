// Types of the hashchat wire protocol, version 1 (docs/protocol.md is the source of truth).

export type PhaseName = 'scheduled' | 'intro' | 'talk' | 'round' | 'wrapup' | 'closed' | 'paused';
export type Role = 'participant' | 'moderator';

export interface Phase {
  phase: PhaseName;
  round: number | null;
  question: string | null;
  started_at: string | null;
  ends_at: string | null;
  segment: number;
  remaining_ms?: number;
  resume_phase?: PhaseName;
}

export interface Question {
  round: number;
  text: string;
  talk_minutes?: number;
  round_minutes?: number;
}

export interface SessionInfo {
  id: string;
  hashtag: string;
  title: string;
  description: string;
  mode: 'live' | 'slow';
  timezone: string;
  start: string | null;
  intro_minutes: number;
  round_minutes: number;
  talk_minutes: number;
  wrapup_minutes: number;
  questions: Question[];
  options?: SessionOptions;
  phase: Phase;
  /** Slow chats: the scheduled instant (UTC) of each question's release, in order. */
  releases?: string[];
  /** Slow chats: the daily local release time ("07:00"), or null when releasing every N hours. */
  release_time?: string | null;
  release_every_hours?: number | null;
  close_after_hours?: number;
  created_at: string;
  head: number;
  online: number;
  /** The id of the series this session belongs to, if any (it may then have no questions yet). */
  series?: string;
}

interface EventBase {
  type: 'event';
  seq: number;
  at: string;
}

export interface PostEvent extends EventBase {
  kind: 'post';
  author: string;
  name: string;
  role: Role;
  text: string;
  round: number | null;
  reply_to: number | null;
  mentions?: string[];
}
export interface EditEvent extends EventBase {
  kind: 'edit';
  target: number;
  author: string;
  text: string;
  mentions?: string[];
}
export interface DeleteEvent extends EventBase {
  kind: 'delete';
  target: number;
  author: string;
}
export interface LikeEvent extends EventBase {
  kind: 'like' | 'unlike';
  target: number;
  author: string;
  count: number;
}
export interface AnnounceEvent extends EventBase {
  kind: 'announce';
  author: string;
  name: string;
  text: string;
}
export interface PhaseEvent extends EventBase, Phase {
  kind: 'phase';
}
export interface TargetEvent extends EventBase {
  kind: 'hide' | 'unhide' | 'pin' | 'unpin';
  target: number;
}
export interface HandleEvent extends EventBase {
  kind: 'mute' | 'unmute' | 'ban' | 'unban';
  handle: string;
}
/** Slow chats: a question released; the phase fields plus the instant it was scheduled for. */
export interface ReleaseEvent extends EventBase, Phase {
  kind: 'release';
  scheduled_at: string;
}
/** Kinds this client does not know yet still occupy a seq. */
export interface OtherEvent extends EventBase {
  kind: 'other';
  target?: number;
  handle?: string;
}

export type ChatEvent =
  | PostEvent
  | EditEvent
  | DeleteEvent
  | LikeEvent
  | AnnounceEvent
  | PhaseEvent
  | ReleaseEvent
  | TargetEvent
  | HandleEvent
  | OtherEvent;

/** Who joined. A viewer (the pub screen, `hello` with `view: true`) has no handle, name or token. */
export interface You {
  handle?: string;
  name?: string;
  role: Role | 'viewer';
  token?: string;
}

export interface WelcomeMsg {
  type: 'welcome';
  protocol: number;
  rid?: string;
  now: string;
  head: number;
  you: You;
  session: SessionInfo;
}

export interface ErrorMsg {
  type: 'error';
  code: string;
  message: string;
  rid?: string;
  cid?: string;
  retry_after_ms?: number;
}

export interface AckMsg {
  type: 'ack';
  cid: string;
  seq?: number;
  pending?: number;
  rid?: string;
}

export type ServerMessage =
  | WelcomeMsg
  | ErrorMsg
  | AckMsg
  | { type: 'event' } & ChatEvent
  | { type: 'events'; events: ChatEvent[] }
  | { type: 'ok'; rid?: string; seq?: number }
  | { type: 'pong'; rid?: string }
  | { type: 'presence'; online: number }
  | ModMsg;

/** The post carried by a `mod` entry (pending, approve, reject). */
export interface ModPost {
  author: string;
  name: string;
  role: Role;
  text: string;
  round: number | null;
  reply_to: number | null;
  mentions?: string[];
}

export type ModKind =
  | 'pending'
  | 'approve'
  | 'reject'
  | 'hide'
  | 'unhide'
  | 'pin'
  | 'unpin'
  | 'mute'
  | 'unmute'
  | 'ban'
  | 'unban'
  | 'delete'
  | 'control';

/** One entry of the moderators' log (sent only to moderators). */
export interface ModMsg {
  type: 'mod';
  n: number;
  at: string;
  kind: ModKind | string;
  by: string;
  target?: number;
  handle?: string;
  pending?: number;
  seq?: number;
  detail?: string;
  ban_address?: boolean;
  post?: ModPost;
}

export type ModerateAction =
  | 'hide'
  | 'unhide'
  | 'pin'
  | 'unpin'
  | 'mute'
  | 'unmute'
  | 'ban'
  | 'unban'
  | 'approve'
  | 'reject';

export type ControlAction = 'start' | 'next' | 'extend' | 'pause' | 'resume' | 'end' | 'release' | 'postpone';

export type ClientRequest =
  | { type: 'like' | 'unlike' | 'delete'; seq: number }
  | { type: 'edit'; seq: number; text: string }
  | { type: 'control'; action: ControlAction; minutes?: number }
  | { type: 'announce'; text: string }
  | { type: 'moderate'; action: ModerateAction; seq?: number; handle?: string; pending?: number; ban_address?: boolean }
  | { type: 'ping' };

export interface CreateSessionResponse {
  id: string;
  moderator_key: string;
  urls: { join: string; moderate: string; screen?: string };
  /** Absolute links as participants reach them, and the QR code's path. */
  links?: { join: string; screen: string; archive: string; qr: string };
}

/** GET /api/series/{id}: the series and its sessions, oldest first. */
export interface SeriesInfo {
  id: string;
  hashtag: string;
  title: string;
  description: string;
  timezone: string;
  /** "thursday" */
  weekday: string;
  /** "20:00", local in `timezone`. */
  time: string;
  every_weeks: number;
  sessions: SessionInfo[];
}

/** POST /api/series answer; the series key is the owner key of every session of the series. */
export interface CreateSeriesResponse {
  id: string;
  moderator_key: string;
  sessions: { id: string; start: string; urls?: { join?: string; moderate?: string; screen?: string } }[];
  urls?: { series?: string };
}

export interface SessionOptions {
  premoderation: boolean;
  slowdown_seconds: number;
}

/** A moderator key as listed by GET /api/sessions/{id}/keys (never the key itself). */
export interface KeyInfo {
  key_id: string;
  label: string;
  owner: boolean;
  revoked: boolean;
  created_at: string;
}

export interface CreatedKey {
  key_id: string;
  key: string;
  label: string;
  urls: { moderate: string };
}

/** Error object thrown by requests and HTTP calls. */
export interface ClientError {
  code: string;
  message: string;
}
