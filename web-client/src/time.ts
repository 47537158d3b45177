// Times are shown in the viewer's own time zone; the session's zone is mentioned beside them.
// Formats follow the page's language (i18n.ts's dateTimeFormat), the words come from 'common'.

import { dateTimeFormat, t } from './i18n';

export function viewerZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "Thu 26 Nov, 14:00 EST" in the viewer's zone. */
export function formatLocal(iso: string | null | undefined, opts: { date?: boolean } = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const fmt: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  if (opts.date !== false) Object.assign(fmt, { weekday: 'short', day: 'numeric', month: 'short' });
  return dateTimeFormat(fmt).format(d);
}

/** Just the clock time, for feed items: "14:02". */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return dateTimeFormat({ hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The same instant in the session's zone, when that differs from the viewer's. */
export function inSessionZone(iso: string | null | undefined, zone: string): string {
  if (!iso || !zone || zone === viewerZone()) return '';
  try {
    const d = new Date(iso);
    const s = dateTimeFormat({
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      timeZone: zone,
    }).format(d);
    return t('common.time.in_zone', { time: s, zone });
  } catch {
    return '';
  }
}

/** "Starts Thu 26 Nov, 14:00 EST (your time; 19:00 Thu in Europe/London)". */
export function describeInstant(iso: string | null | undefined, zone: string): string {
  const local = formatLocal(iso);
  if (!local) return '';
  const other = inSessionZone(iso, zone);
  return other ? t('common.time.yours_other', { time: local, other }) : t('common.time.yours_same', { time: local, zone });
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Weekday, date and time in the viewer's zone, without the zone's name: "Fri 27 Nov, 07:00". */
export function formatDayTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return dateTimeFormat({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(d);
}

/** "Fri 27 Nov, 07:00 your time (chat runs in Europe/London)". */
export function yourTime(iso: string | null | undefined, zone: string): string {
  const when = formatDayTime(iso);
  if (!when) return '';
  return zone ? t('common.time.yours_zone', { time: when, zone }) : t('common.time.yours', { time: when });
}
