// `/archive/{id}`: one session's archive, from its transcript.json. A post's permalink is
// /archive/{id}#p{seq}: after rendering (and on every hash change) that post is scrolled into
// view and highlighted.

import { errorCode, errorText, getTranscript } from './api';
import { postSeqFromHash } from './archive_query';
import { transcriptBody, transcriptHeader } from './archive_transcript';
import { clear, h } from './dom';
import { t } from './i18n';
import { prefsBar } from './prefs';

export function renderArchiveSession(root: HTMLElement, id: string): void {
  document.title = t('archive.session_doc_title', { chat: id });
  const header = h('header', { class: 'top archive-top' }, h('div', { class: 'top-row' }, prefsBar()), h('h1', { class: 'hashtag' }, id));
  const body = h('main', { class: 'page archive-page', 'data-testid': 'archive-session' }, h('p', { class: 'muted' }, t('archive.loading')));
  root.append(header, body);
  getTranscript(id).then(
    (tr) => {
      document.title = t('archive.session_doc_title', { chat: `${tr.session.hashtag} ${tr.session.title}` });
      header.replaceWith(transcriptHeader(tr, prefsBar()));
      clear(body);
      body.append(...transcriptBody(tr));
      body.setAttribute('data-ready', '');
      highlightTarget();
      window.addEventListener('hashchange', () => highlightTarget());
    },
    (e) => {
      clear(body);
      const missing = errorCode(e) === 'not_found';
      body.append(
        h('p', { class: 'error', 'data-testid': 'archive-error' }, missing ? t('archive.no_such_session') : t('archive.list_error', { reason: errorText(e) })),
        h('p', {}, h('a', { href: '/archive', 'data-testid': 'back-to-archive' }, t('archive.back'))),
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
