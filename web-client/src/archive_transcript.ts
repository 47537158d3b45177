// One session's transcript (GET /api/sessions/{id}/transcript.json) as page sections: the header,
// downloads, roll call, questions with their answers and nested replies, other posts,
// announcements and statistics. Every post is an <li id="p{seq}"> with a link to #p{seq}.

import { activityChartPath, transcriptPath } from './api';
import { archivePath } from './archive_query';
import { linkified } from './archive_text';
import type { ArchivePost, Transcript, TranscriptQuestion } from './archive_types';
import { h } from './dom';
import { lang, t, type Key } from './i18n';
import { sessionPath } from './form_bits';
import { formatClock, formatDayTime, formatLocal } from './time';

type TimeText = (iso: string) => string;

/** A count in the reader's language ("1,234", "1 234"). */
function number(n: number): string {
  return new Intl.NumberFormat(lang()).format(n);
}

export function stateText(state: string): string {
  return t(state === 'ended' ? 'archive.state_ended' : state === 'live' ? 'archive.state_live' : 'archive.state_scheduled');
}

/** "Thu 26 Nov, 14:00 EST – 15:10 EST" in the viewer's zone. */
export function whenText(tr: Transcript): string {
  const s = tr.session;
  if (!s.started_at) return t('archive.not_begun_yet');
  const start = formatLocal(s.started_at);
  if (!s.ended_at) return t('archive.began', { time: start });
  const sameDay = new Date(s.started_at).toDateString() === new Date(s.ended_at).toDateString();
  return `${start} – ${formatLocal(s.ended_at, { date: !sameDay })}`;
}

export function postItem(p: ArchivePost, time: TimeText): HTMLLIElement {
  const anchor = `#p${p.seq}`;
  const li = h(
    'li',
    { class: `post archive-post${p.pinned ? ' pinned' : ''}${p.role === 'moderator' ? ' by-moderator' : ''}`, id: `p${p.seq}`, 'data-testid': 'archive-post', 'data-seq': p.seq },
    h(
      'div',
      { class: 'post-meta' },
      h('span', { class: 'name', dir: 'auto' }, p.name || p.author),
      h('span', { class: 'handle' }, `@${p.author}`),
      p.role === 'moderator' ? h('span', { class: 'role' }, t('archive.moderator')) : null,
      h('a', { href: anchor, class: 'permalink', 'data-testid': 'permalink', title: t('archive.permalink') }, h('time', { datetime: p.at, title: formatLocal(p.at) }, time(p.at))),
      p.pinned ? h('span', { class: 'badge pin-badge' }, t('archive.pinned')) : null,
      p.edited ? h('span', { class: 'mark-edited', 'data-testid': 'edited' }, t('archive.edited')) : null,
      p.likes > 0 ? h('span', { class: 'likes', 'data-testid': 'likes', title: t('archive.likes_n', { n: p.likes }) }, `♥ ${number(p.likes)}`) : null,
    ),
    p.reply_to_removed ? h('p', { class: 'muted small', 'data-testid': 'reply-removed' }, t('archive.reply_removed')) : null,
    h('p', { class: 'post-text', dir: 'auto', 'data-testid': 'post-text' }, ...linkified(p.text)),
  );
  if (p.replies.length > 0) li.append(postList(p.replies, time, 'replies'));
  return li;
}

export function postList(posts: ArchivePost[], time: TimeText, cls = 'archive-posts'): HTMLOListElement {
  return h('ol', { class: cls, 'data-testid': cls === 'replies' ? 'replies' : 'posts' }, ...posts.map((p) => postItem(p, time)));
}

function questionSection(q: TranscriptQuestion, time: TimeText): HTMLElement {
  return h(
    'section',
    { class: 'archive-question', 'data-testid': 'archive-question', 'data-number': q.number },
    h('h2', { id: `q${q.number}`, 'data-testid': 'question-heading', dir: 'auto' }, t('archive.question', { n: q.number, text: q.text })),
    h('p', { class: 'muted small' }, t('archive.asked', { time: formatLocal(q.asked_at), answers: t('archive.answers_n', { n: q.answer_count }), replies: t('archive.replies_n', { n: q.reply_count }) })),
    q.answers.length > 0 ? postList(q.answers, time) : h('p', { class: 'muted' }, t('archive.no_answers')),
  );
}

function postsSection(title: Key, testid: string, posts: ArchivePost[], time: TimeText): HTMLElement | null {
  if (posts.length === 0) return null;
  return h('section', { class: 'archive-section', 'data-testid': testid }, h('h2', {}, t(title)), postList(posts, time));
}

/** The page's header; `prefs` (the language and theme switches) goes beside the way back. */
export function transcriptHeader(tr: Transcript, prefs: HTMLElement | null = null): HTMLElement {
  const s = tr.session;
  return h(
    'header',
    { class: 'top archive-top' },
    h('div', { class: 'top-row' }, h('p', { class: 'small' }, h('a', { href: archivePath(), 'data-testid': 'back-to-archive' }, t('archive.back'))), prefs),
    h('h1', { class: 'hashtag', 'data-testid': 'archive-hashtag' }, s.hashtag),
    h('p', { class: 'title', dir: 'auto', 'data-testid': 'archive-title' }, s.title),
    h(
      'p',
      { class: 'muted small' },
      h('span', { 'data-testid': 'archive-when' }, whenText(tr)),
      ' · ',
      h('span', { class: 'badge', 'data-testid': 'archive-state', 'data-state': s.state }, stateText(s.state)),
      s.timezone ? ` · ${t('archive.ran_in', { zone: s.timezone })}` : null,
    ),
  );
}

/** Everything under the header. */
export function transcriptBody(tr: Transcript): HTMLElement[] {
  const s = tr.session;
  const time: TimeText = s.mode === 'slow' ? formatDayTime : formatClock;
  const out: (HTMLElement | null)[] = [];
  if (s.state === 'live') {
    out.push(h('p', { class: 'warning', 'data-testid': 'still-live' }, t('archive.still_live'), ' ', h('a', { href: sessionPath(s.id) }, t('archive.join_live'))));
  }
  if (s.description) out.push(h('p', { class: 'description', dir: 'auto' }, s.description));
  out.push(
    h(
      'p',
      { class: 'downloads small', 'data-testid': 'downloads' },
      t('archive.downloads'),
      ' ',
      ...(['html', 'md', 'csv', 'json'] as const).flatMap((f, i) => [i > 0 ? ' · ' : '', h('a', { href: transcriptPath(s.id, f), hreflang: 'en', 'data-testid': `download-${f}` }, t(`archive.format_${f}`))]),
    ),
    postsSection('archive.roll_call', 'roll-call', tr.roll_call, time),
    ...tr.questions.map((q) => questionSection(q, time)),
    postsSection('archive.other_posts', 'other-posts', tr.other_posts, time),
  );
  if (tr.questions.length === 0 && tr.roll_call.length === 0 && tr.other_posts.length === 0) {
    out.push(h('p', { class: 'muted', 'data-testid': 'no-posts' }, t('archive.nothing_posted')));
  }
  if (tr.announcements.length > 0) {
    out.push(
      h(
        'section',
        { class: 'archive-section', 'data-testid': 'announcements' },
        h('h2', {}, t('archive.announcements')),
        h('ul', { class: 'archive-announcements' }, ...tr.announcements.map((a) => h('li', { class: 'announce' }, h('span', { class: 'muted small' }, `${time(a.at)} ${a.name}: `), h('span', { dir: 'auto', class: 'post-text' }, ...linkified(a.text))))),
      ),
    );
  }
  out.push(statsSection(tr));
  return out.filter((e): e is HTMLElement => e !== null);
}

function figure(label: Key, value: number, testid: string): HTMLElement {
  return h('div', {}, h('dt', {}, t(label)), h('dd', { 'data-testid': testid }, number(value)));
}

export function statsSection(tr: Transcript): HTMLElement {
  const st = tr.stats;
  const sec = h(
    'section',
    { class: 'archive-section archive-stats', 'data-testid': 'stats' },
    h('h2', {}, t('archive.stats')),
    h(
      'dl',
      { class: 'figures' },
      figure('archive.stat_participants', st.participants, 'stat-participants'),
      figure('archive.stat_posts', st.posts, 'stat-posts'),
      figure('archive.stat_answers', st.answers, 'stat-answers'),
      figure('archive.stat_replies', st.replies, 'stat-replies'),
      figure('archive.stat_likes', st.likes, 'stat-likes'),
      st.first_timers ? figure('archive.stat_first_timers', st.first_timers.length, 'stat-first-timers') : null,
    ),
  );
  if (st.first_timers && st.first_timers.length > 0) {
    sec.append(h('p', { class: 'small', 'data-testid': 'first-timers' }, t('archive.first_timers', { handles: st.first_timers.map((x) => `@${x}`).join(', ') })));
  }
  if (st.activity) {
    const busiest = Math.max(0, ...st.activity.posts);
    const alt = t('archive.chart_alt', { minutes: Math.round(st.activity.bucket_seconds / 60), posts: st.posts, busiest });
    sec.append(h('img', { class: 'activity-chart', src: activityChartPath(tr.session.id), alt, width: 720, height: 240, loading: 'lazy', 'data-testid': 'activity-chart' }));
  }
  if (tr.questions.length > 0) {
    sec.append(
      h('h3', {}, t('archive.per_question')),
      h(
        'table',
        { class: 'per-question', 'data-testid': 'per-question' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('archive.col_question')), h('th', { scope: 'col' }, t('archive.stat_answers')), h('th', { scope: 'col' }, t('archive.stat_replies')), h('th', { scope: 'col' }, t('archive.stat_likes')))),
        h('tbody', {}, ...tr.questions.map((q) => h('tr', {}, h('th', { scope: 'row' }, h('a', { href: `#q${q.number}` }, t('archive.question_short', { n: q.number }))), h('td', {}, number(q.answer_count)), h('td', {}, number(q.reply_count)), h('td', {}, number(q.likes))))),
      ),
    );
  }
  if (st.top_contributors.length > 0) {
    sec.append(
      h('h3', {}, t('archive.top_contributors')),
      h('ol', { 'data-testid': 'top-contributors' }, ...st.top_contributors.map((c) => h('li', {}, h('span', { dir: 'auto' }, c.name || c.handle), ' ', t('archive.contributor', { handle: c.handle, posts: t('archive.posts_n', { n: c.posts }), likes: t('archive.likes_n', { n: c.likes }) })))),
    );
  }
  if (st.most_liked.length > 0) {
    sec.append(
      h('h3', {}, t('archive.most_liked')),
      h('ol', { 'data-testid': 'most-liked' }, ...st.most_liked.map((m) => h('li', {}, h('a', { href: `#p${m.seq}`, 'aria-label': t('archive.likes_n', { n: m.likes }) }, `♥ ${number(m.likes)}`), ' ', h('span', { dir: 'auto' }, `${m.name || m.author}: ${m.text}`)))),
    );
  }
  const withLinks = tr.questions.filter((q) => q.links.length > 0);
  if (withLinks.length > 0) {
    sec.append(h('h3', {}, t('archive.links_shared')));
    for (const q of withLinks) {
      sec.append(
        h('h4', {}, t('archive.question_short', { n: q.number })),
        h(
          'ul',
          { class: 'shared-links', 'data-testid': 'shared-links' },
          ...q.links.map((l) => h('li', {}, ...linkified(l.url), ' ', t('archive.shared_by', { author: l.author }), ' ', h('a', { href: `#p${l.seq}` }, t('archive.to_post')))),
        ),
      );
    }
  }
  return sec;
}
