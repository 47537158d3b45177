// One session's transcript (GET /api/sessions/{id}/transcript.json) as page sections: the header,
// downloads, roll call, questions with their answers and nested replies, other posts,
// announcements and statistics. Every post is an <li id="p{seq}"> with a link to #p{seq}.

import { activityChartPath, transcriptPath } from './api';
import { archivePath } from './archive_query';
import { linkified } from './archive_text';
import type { ArchivePost, Transcript, TranscriptQuestion } from './archive_types';
import { h } from './dom';
import { sessionPath } from './form_bits';
import { formatClock, formatDayTime, formatLocal } from './time';

type TimeText = (iso: string) => string;

export function stateText(state: string): string {
  return state === 'ended' ? 'Ended' : state === 'live' ? 'On now' : 'Not begun';
}

/** "Thu 26 Nov, 14:00 EST – 15:10 EST" in the viewer's zone. */
export function whenText(t: Transcript): string {
  const s = t.session;
  if (!s.started_at) return 'Not begun yet';
  const start = formatLocal(s.started_at);
  if (!s.ended_at) return `Began ${start}`;
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
      p.role === 'moderator' ? h('span', { class: 'role' }, 'moderator') : null,
      h('a', { href: anchor, class: 'permalink', 'data-testid': 'permalink', title: 'Link to this post' }, h('time', { datetime: p.at, title: formatLocal(p.at) }, time(p.at))),
      p.pinned ? h('span', { class: 'badge pin-badge' }, 'pinned') : null,
      p.edited ? h('span', { class: 'mark-edited', 'data-testid': 'edited' }, 'edited') : null,
      p.likes > 0 ? h('span', { class: 'likes', 'data-testid': 'likes', title: `${p.likes} ${p.likes === 1 ? 'like' : 'likes'}` }, `♥ ${p.likes}`) : null,
    ),
    p.reply_to_removed ? h('p', { class: 'muted small', 'data-testid': 'reply-removed' }, 'In reply to a removed post') : null,
    h('p', { class: 'post-text', dir: 'auto', 'data-testid': 'post-text' }, ...linkified(p.text)),
  );
  if (p.replies.length > 0) li.append(postList(p.replies, time, 'replies'));
  return li;
}

export function postList(posts: ArchivePost[], time: TimeText, cls = 'archive-posts'): HTMLOListElement {
  return h('ol', { class: cls, 'data-testid': cls === 'replies' ? 'replies' : 'posts' }, ...posts.map((p) => postItem(p, time)));
}

function questionSection(q: TranscriptQuestion, time: TimeText): HTMLElement {
  const counts = `${q.answer_count} ${q.answer_count === 1 ? 'answer' : 'answers'}, ${q.reply_count} ${q.reply_count === 1 ? 'reply' : 'replies'}`;
  return h(
    'section',
    { class: 'archive-question', 'data-testid': 'archive-question', 'data-number': q.number },
    h('h2', { id: `q${q.number}`, 'data-testid': 'question-heading', dir: 'auto' }, `Q${q.number}: ${q.text}`),
    h('p', { class: 'muted small' }, `Asked ${formatLocal(q.asked_at)} · ${counts}`),
    q.answers.length > 0 ? postList(q.answers, time) : h('p', { class: 'muted' }, 'No answers.'),
  );
}

function postsSection(title: string, testid: string, posts: ArchivePost[], time: TimeText): HTMLElement | null {
  if (posts.length === 0) return null;
  return h('section', { class: 'archive-section', 'data-testid': testid }, h('h2', {}, title), postList(posts, time));
}

export function transcriptHeader(t: Transcript): HTMLElement {
  const s = t.session;
  return h(
    'header',
    { class: 'top archive-top' },
    h('p', { class: 'small' }, h('a', { href: archivePath(), 'data-testid': 'back-to-archive' }, '← Back to archive')),
    h('h1', { class: 'hashtag', 'data-testid': 'archive-hashtag' }, s.hashtag),
    h('p', { class: 'title', dir: 'auto', 'data-testid': 'archive-title' }, s.title),
    h(
      'p',
      { class: 'muted small' },
      h('span', { 'data-testid': 'archive-when' }, whenText(t)),
      ' · ',
      h('span', { class: 'badge', 'data-testid': 'archive-state', 'data-state': s.state }, stateText(s.state)),
      s.timezone ? ` · chat ran in ${s.timezone}` : null,
    ),
  );
}

/** Everything under the header. */
export function transcriptBody(t: Transcript): HTMLElement[] {
  const s = t.session;
  const time: TimeText = s.mode === 'slow' ? formatDayTime : formatClock;
  const out: (HTMLElement | null)[] = [];
  if (s.state === 'live') {
    out.push(h('p', { class: 'warning', 'data-testid': 'still-live' }, 'This chat is still going. ', h('a', { href: sessionPath(s.id) }, 'Join it live')));
  }
  if (s.description) out.push(h('p', { class: 'description', dir: 'auto' }, s.description));
  out.push(
    h(
      'p',
      { class: 'downloads small', 'data-testid': 'downloads' },
      'Download: ',
      ...(['html', 'md', 'csv', 'json'] as const).flatMap((f, i) => [i > 0 ? ' · ' : '', h('a', { href: transcriptPath(s.id, f), 'data-testid': `download-${f}` }, f === 'md' ? 'Markdown' : f.toUpperCase())]),
    ),
    postsSection('Roll call', 'roll-call', t.roll_call, time),
    ...t.questions.map((q) => questionSection(q, time)),
    postsSection('Other posts', 'other-posts', t.other_posts, time),
  );
  if (t.questions.length === 0 && t.roll_call.length === 0 && t.other_posts.length === 0) {
    out.push(h('p', { class: 'muted', 'data-testid': 'no-posts' }, 'Nothing was posted in this chat.'));
  }
  if (t.announcements.length > 0) {
    out.push(
      h(
        'section',
        { class: 'archive-section', 'data-testid': 'announcements' },
        h('h2', {}, 'Announcements'),
        h('ul', { class: 'archive-announcements' }, ...t.announcements.map((a) => h('li', { class: 'announce' }, h('span', { class: 'muted small' }, `${time(a.at)} ${a.name}: `), h('span', { dir: 'auto', class: 'post-text' }, ...linkified(a.text))))),
      ),
    );
  }
  out.push(statsSection(t));
  return out.filter((e): e is HTMLElement => e !== null);
}

function figure(label: string, value: number, testid: string): HTMLElement {
  return h('div', {}, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));
}

export function statsSection(t: Transcript): HTMLElement {
  const st = t.stats;
  const sec = h(
    'section',
    { class: 'archive-section archive-stats', 'data-testid': 'stats' },
    h('h2', {}, 'Statistics'),
    h(
      'dl',
      { class: 'figures' },
      figure('Participants', st.participants, 'stat-participants'),
      figure('Posts', st.posts, 'stat-posts'),
      figure('Answers', st.answers, 'stat-answers'),
      figure('Replies', st.replies, 'stat-replies'),
      figure('Likes', st.likes, 'stat-likes'),
      st.first_timers ? figure('First-timers', st.first_timers.length, 'stat-first-timers') : null,
    ),
  );
  if (st.first_timers && st.first_timers.length > 0) {
    sec.append(h('p', { class: 'small', 'data-testid': 'first-timers' }, 'First time in this series: ', st.first_timers.map((x) => `@${x}`).join(', ')));
  }
  if (st.activity) {
    const busiest = Math.max(0, ...st.activity.posts);
    const alt = `Posts over time: ${st.posts} posts in ${st.activity.posts.length} intervals of ${Math.round(st.activity.bucket_seconds / 60)} minutes, at most ${busiest} in one.`;
    sec.append(h('img', { class: 'activity-chart', src: activityChartPath(t.session.id), alt, width: 720, height: 240, loading: 'lazy', 'data-testid': 'activity-chart' }));
  }
  if (t.questions.length > 0) {
    sec.append(
      h('h3', {}, 'Answers per question'),
      h(
        'table',
        { class: 'per-question', 'data-testid': 'per-question' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Question'), h('th', { scope: 'col' }, 'Answers'), h('th', { scope: 'col' }, 'Replies'), h('th', { scope: 'col' }, 'Likes'))),
        h('tbody', {}, ...t.questions.map((q) => h('tr', {}, h('th', { scope: 'row' }, h('a', { href: `#q${q.number}` }, `Q${q.number}`)), h('td', {}, q.answer_count), h('td', {}, q.reply_count), h('td', {}, q.likes)))),
      ),
    );
  }
  if (st.top_contributors.length > 0) {
    sec.append(
      h('h3', {}, 'Top contributors'),
      h('ol', { 'data-testid': 'top-contributors' }, ...st.top_contributors.map((c) => h('li', {}, h('span', { dir: 'auto' }, c.name || c.handle), ` @${c.handle}: ${c.posts} ${c.posts === 1 ? 'post' : 'posts'}, ${c.likes} ${c.likes === 1 ? 'like' : 'likes'}`))),
    );
  }
  if (st.most_liked.length > 0) {
    sec.append(
      h('h3', {}, 'Most liked'),
      h('ol', { 'data-testid': 'most-liked' }, ...st.most_liked.map((m) => h('li', {}, h('a', { href: `#p${m.seq}` }, `♥ ${m.likes}`), ' ', h('span', { dir: 'auto' }, `${m.name || m.author}: ${m.text}`)))),
    );
  }
  const withLinks = t.questions.filter((q) => q.links.length > 0);
  if (withLinks.length > 0) {
    sec.append(h('h3', {}, 'Links shared'));
    for (const q of withLinks) {
      sec.append(
        h('h4', {}, `Q${q.number}`),
        h(
          'ul',
          { class: 'shared-links', 'data-testid': 'shared-links' },
          ...q.links.map((l) => h('li', {}, ...linkified(l.url), ` shared by @${l.author} `, h('a', { href: `#p${l.seq}` }, '(post)'))),
        ),
      );
    }
  }
  return sec;
}
