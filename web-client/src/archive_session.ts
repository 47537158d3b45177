// `/archive/{id}`: one session's archive, from its transcript.json. A post's permalink is
// /archive/{id}#p{seq}: after rendering (and on every hash change) that post is scrolled into
// view and highlighted.

import { errorText, getTranscript } from './api';
import { postSeqFromHash } from './archive_query';
import { transcriptBody, transcriptHeader } from './archive_transcript';
import { clear, h } from './dom';

export function renderArchiveSession(root: HTMLElement, id: string): void {
  document.title = `${id} · archive · hashchat`;
  const header = h('header', { class: 'top archive-top' }, h('h1', { class: 'hashtag' }, id));
  const body = h('main', { class: 'page archive-page', 'data-testid': 'archive-session' }, h('p', { class: 'muted' }, 'Loading…'));
  root.append(header, body);
  getTranscript(id).then(
    (t) => {
      document.title = `${t.session.hashtag} ${t.session.title} · archive · hashchat`;
      header.replaceWith(transcriptHeader(t));
      clear(body);
      body.append(...transcriptBody(t));
      body.setAttribute('data-ready', '');
      highlightTarget();
      window.addEventListener('hashchange', () => highlightTarget());
    },
    (e) => {
      clear(body);
      const missing = e && typeof e === 'object' && (e as { code?: string }).code === 'not_found';
      body.append(
        h('p', { class: 'error', 'data-testid': 'archive-error' }, missing ? 'There is no such session in the archive.' : `Could not load the archive: ${errorText(e)}`),
        h('p', {}, h('a', { href: '/archive', 'data-testid': 'back-to-archive' }, '← Back to archive')),
      );
    },
  );
}

/** Marks the post named by location.hash (#p{seq}) and brings it into view. */
function highlightTarget(): void {
  for (const el of Array.from(document.querySelectorAll('.archive-post.target'))) el.classList.remove('target');
  const seq = postSeqFromHash(location.hash);
  if (seq === null) return;
  const el = document.getElementById(`p${seq}`);
  if (!el) return;
  el.classList.add('target');
  el.scrollIntoView({ block: 'center' });
}
