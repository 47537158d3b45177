// `/`: join a chat or create one at a glance (on a phone both fit above the fold: a field for the
// chat's address or id, and a "Create a chat" button), then the list of chats. The creation form
// and the series form are each a step of their own, opened by their button.

import { errorText, listSessions } from './api';
import { clear, h } from './dom';
import { t } from './i18n';
import { createForm } from './landing_create';
import { phaseLabel } from './phase_label';
import { prefsBar } from './prefs';
import type { SessionInfo } from './protocol';
import { describeInstant } from './time';
import { sessionPath } from './form_bits';
import { seriesForm, seriesPath } from './series';

export { sessionPath };

/**
 * The chat id in what someone typed or pasted: a join, moderator or screen link (`…/s/{id}…`),
 * or the id itself. Null when it cannot be one.
 */
export function chatIdFrom(input: string): string | null {
  const text = input.trim();
  if (!text) return null;
  const m = /\/s\/([^/?#\s]+)/.exec(text);
  if (m) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return null;
    }
  }
  if (/[/\s?#]/.test(text)) return null;
  return text;
}

export function renderLanding(root: HTMLElement): void {
  document.title = t('landing.title');
  const list = h('ul', { class: 'session-list', 'data-testid': 'sessions' }, h('li', { class: 'muted' }, t('landing.loading')));
  const create = createForm();
  const series = seriesForm();
  const steps = [create, series];
  for (const step of steps) step.hidden = true;
  const createButton = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', 'data-testid': 'landing-create' }, t('landing.create'));
  const seriesButton = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'data-testid': 'landing-series' }, t('landing.create_series'));
  // One step open at a time; opening one moves the focus to its first field.
  const open = (step: HTMLElement | null) => {
    for (const s of steps) s.hidden = s !== step;
    createButton.setAttribute('aria-expanded', String(step === create));
    seriesButton.setAttribute('aria-expanded', String(step === series));
    if (step) {
      step.scrollIntoView({ block: 'start' });
      step.querySelector<HTMLElement>('input:not([type=hidden]), textarea')?.focus({ preventScroll: true });
    }
  };
  createButton.addEventListener('click', () => open(create.hidden ? create : null));
  seriesButton.addEventListener('click', () => open(series.hidden ? series : null));
  root.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'top-row' }, h('h1', {}, t('landing.title')), prefsBar()),
      h('p', { class: 'muted small' }, t('landing.tagline')),
    ),
    h(
      'main',
      { class: 'page landing' },
      h('section', { class: 'panel landing-start', 'data-testid': 'landing-start' }, joinBox(), h('p', { class: 'landing-or muted' }, t('landing.or')), createButton, seriesButton),
      create,
      series,
      h('section', {}, h('h2', {}, t('landing.chats')), list),
      h('p', { class: 'small' }, h('a', { href: '/archive', 'data-testid': 'archive-nav' }, t('landing.archive'))),
    ),
  );
  listSessions()
    .then(({ sessions }) => {
      clear(list);
      if (sessions.length === 0) list.append(h('li', { class: 'muted' }, t('landing.no_chats')));
      for (const s of sessions) list.append(sessionRow(s));
    })
    .catch((e) => {
      clear(list);
      list.append(h('li', { class: 'error' }, t('landing.load_error', { reason: errorText(e) })));
    });
}

/** "Join a chat": a link or an id, and off to its join page. */
function joinBox(): HTMLElement {
  const input = h('input', {
    id: 'join-chat',
    name: 'chat',
    required: true,
    autocapitalize: 'off',
    autocomplete: 'off',
    spellcheck: false,
    placeholder: t('landing.join_placeholder'),
    'aria-describedby': 'join-chat-hint join-chat-error',
    'data-testid': 'join-chat',
  });
  const error = h('p', { class: 'error', id: 'join-chat-error', 'aria-live': 'polite', 'data-testid': 'join-chat-error' });
  const form = h(
    'form',
    { class: 'join-chat', 'data-testid': 'join-chat-form' },
    h('label', { class: 'label', for: 'join-chat' }, t('landing.join_label')),
    h('div', { class: 'join-chat-row' }, input, h('button', { type: 'submit', class: 'primary', 'data-testid': 'join-chat-go' }, t('landing.join'))),
    h('span', { class: 'hint', id: 'join-chat-hint' }, t('landing.join_hint')),
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = chatIdFrom(input.value);
    if (id === null) {
      error.textContent = t(input.value.trim() ? 'landing.join_bad' : 'landing.join_empty');
      input.focus();
      return;
    }
    location.assign(sessionPath(id));
  });
  return form;
}

function sessionRow(s: SessionInfo): HTMLElement {
  const scheduled = s.phase?.phase === 'scheduled' && s.start;
  const when =
    s.mode === 'slow'
      ? scheduled
        ? t('landing.slow_first', { when: describeInstant(s.start, s.timezone) })
        : t(s.phase?.phase === 'closed' ? 'landing.slow_closed' : 'landing.slow_open')
      : scheduled
        ? t('landing.starts', { when: describeInstant(s.start, s.timezone) })
        : phaseLabel(s.phase ?? null);
  return h(
    'li',
    { class: 'session-row' },
    h('a', { href: sessionPath(s.id), class: 'session-link' }, h('strong', {}, s.hashtag), ' ', s.title),
    h('div', { class: 'muted small' }, when),
    h(
      'div',
      { class: 'row-links' },
      h('a', { href: sessionPath(s.id), class: 'button primary', 'aria-label': t('landing.join_chat_label', { hashtag: s.hashtag }) }, t('landing.join_chat')),
      h('a', { href: sessionPath(s.id, 'screen'), class: 'button', 'aria-label': t('landing.screen_label', { hashtag: s.hashtag }) }, t('landing.screen')),
      s.series ? h('a', { href: seriesPath(s.series), class: 'button', 'data-testid': 'series-of', 'aria-label': t('landing.series_label', { hashtag: s.hashtag }) }, t('landing.series')) : null,
    ),
  );
}
