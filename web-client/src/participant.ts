// `/s/{id}`: the join form, small on purpose (a phone on a pub's signal loads only this before it
// can join); the chat itself (chat_page.ts) loads while the form is filled in, or at once for a
// returning participant.

import { errorText, getSession } from './api';
import { clear, h, safeStorage } from './dom';
import { t } from './i18n';
import { prefsBar } from './prefs';
import type { ErrorMsg, SessionInfo } from './protocol';

export interface Me {
  handle: string;
  name: string;
}

export const HANDLE_RE = /^[A-Za-z0-9_]{1,20}$/;

export function meKey(id: string): string {
  return `hashchat:me:${id}`;
}

export function loadMe(id: string): Me | null {
  try {
    const raw = safeStorage('local')?.getItem(meKey(id));
    const me = raw ? (JSON.parse(raw) as Me) : null;
    return me && typeof me.handle === 'string' && typeof me.name === 'string' ? me : null;
  } catch {
    return null;
  }
}

/** The client's own sentence for a refused hello. */
export function joinErrorText(e: ErrorMsg): string {
  switch (e.code) {
    case 'handle_taken':
      return t('common.join_error.handle_taken');
    case 'bad_token':
      return t('common.join_error.bad_token');
    case 'bad_handle':
      return t('common.join_error.bad_handle');
    case 'bad_key':
      return t('common.join_error.bad_key');
    case 'not_found':
      return t('common.join_error.not_found');
    default:
      return errorText(e);
  }
}

const chatPage = () => import('./chat_page');

export function renderParticipant(root: HTMLElement, id: string): void {
  const info: { session: SessionInfo | null } = { session: null };
  const me = loadMe(id);
  if (me) {
    void chatPage().then((m) => m.startChat(root, id, me));
    return;
  }
  showJoin(root, id, info, '');
  getSession(id).then(
    (s) => {
      info.session = s;
      // The chat's details arrive while someone may be typing: keep what they typed.
      const typed = (name: string) => (root.querySelector(`input[name=${name}]`) as HTMLInputElement | null)?.value ?? '';
      const focused = (document.activeElement as HTMLInputElement | null)?.name;
      showJoin(root, id, info, '', { handle: typed('handle'), name: typed('name') });
      if (focused) (root.querySelector(`input[name=${focused}]`) as HTMLInputElement | null)?.focus();
    },
    (e) => {
      if ((e as { code?: string }).code === 'not_found') {
        clear(root);
        root.append(h('main', { class: 'page' }, h('h1', {}, t('common.no_such_chat')), h('p', {}, h('a', { href: '/' }, t('common.all_chats')))));
      } else {
        showJoin(root, id, info, errorText(e));
      }
    },
  );
}

export function joinForm(opts: {
  title: string;
  submitLabel: string;
  handle?: string;
  name?: string;
  error: string;
  extra?: HTMLElement[];
  onJoin(handle: string, name: string): void;
}): HTMLElement {
  const handle = h('input', {
    name: 'handle',
    required: true,
    maxlength: 20,
    pattern: '[A-Za-z0-9_]{1,20}',
    autocapitalize: 'off',
    autocomplete: 'username',
    spellcheck: 'false',
    placeholder: t('common.handle_example'),
    value: opts.handle ?? '',
    'aria-describedby': 'handle-hint',
    'data-testid': 'handle',
  });
  const name = h('input', { name: 'name', required: true, maxlength: 50, autocomplete: 'name', placeholder: t('common.name_example'), value: opts.name ?? '', 'data-testid': 'name' });
  const err = h('p', { class: 'error', 'aria-live': 'polite', 'data-testid': 'join-error' }, opts.error);
  const form = h(
    'form',
    { class: 'join-form', 'data-testid': 'join-form' },
    h('h2', {}, opts.title),
    h('label', { class: 'field' }, h('span', { class: 'label' }, t('common.handle')), handle, h('span', { class: 'hint', id: 'handle-hint' }, t('common.handle_hint'))),
    h('label', { class: 'field' }, h('span', { class: 'label' }, t('common.display_name')), name),
    ...(opts.extra ?? []),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'join' }, opts.submitLabel),
    err,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const hv = handle.value.trim().replace(/^@/, '');
    const nv = name.value.trim();
    if (!HANDLE_RE.test(hv)) {
      err.textContent = t('common.handle_invalid');
      return;
    }
    if (!nv || [...nv].length > 50) {
      err.textContent = t('common.name_invalid');
      return;
    }
    opts.onJoin(hv, nv);
  });
  return form;
}

export function showJoin(root: HTMLElement, id: string, info: { session: SessionInfo | null }, error: string, prev?: Me): void {
  clear(root);
  const s = info.session;
  document.title = s ? `${s.hashtag} · hashchat` : 'hashchat';
  root.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'top-row' }, h('h1', {}, s ? s.hashtag : t('common.join_heading')), prefsBar()),
      s ? h('p', { class: 'title' }, s.title) : null,
      s?.description ? h('p', { class: 'muted' }, s.description) : null,
    ),
    h(
      'main',
      { class: 'page' },
      joinForm({
        title: t('common.join_title'),
        submitLabel: t('common.join'),
        handle: prev?.handle,
        name: prev?.name,
        error,
        onJoin: (handle, name) => {
          const me = { handle, name };
          safeStorage('local')?.setItem(meKey(id), JSON.stringify(me));
          void chatPage().then((m) => m.startChat(root, id, me));
        },
      }),
    ),
  );
  performance.mark('join-ready');
  // Fetch the chat while the form is being filled in, so joining shows it at once.
  void chatPage();
}
