// `/s/{id}`: join with a handle, then the current question, the feed and the answer box.

import { errorText, getSession } from './api';
import { Composer } from './composer';
import { clear, h, safeStorage, setText, toast } from './dom';
import { FeedView, stickToBottom, type FeedMode } from './feed';
import { ConnBanner, HANDLE_RE, joinErrorText, openLive, PhaseView, StatusView, type Live } from './live';
import type { SessionInfo } from './protocol';
import { SeenStore, seenKey } from './slow';
import { SlowTabs } from './slow_tabs';

interface Me {
  handle: string;
  name: string;
}

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

export function renderParticipant(root: HTMLElement, id: string): void {
  const info: { session: SessionInfo | null } = { session: null };
  const me = loadMe(id);
  if (me) {
    startChat(root, id, me);
    return;
  }
  showJoin(root, id, info, '');
  getSession(id).then(
    (s) => {
      info.session = s;
      showJoin(root, id, info, '');
    },
    (e) => {
      if ((e as { code?: string }).code === 'not_found') {
        clear(root);
        root.append(h('main', { class: 'page' }, h('h1', {}, 'No such chat'), h('p', {}, h('a', { href: '/' }, 'See all chats'))));
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
    placeholder: 'ms_lee',
    value: opts.handle ?? '',
    'data-testid': 'handle',
  });
  const name = h('input', { name: 'name', required: true, maxlength: 50, placeholder: 'Ms Lee', value: opts.name ?? '', 'data-testid': 'name' });
  const err = h('p', { class: 'error', 'aria-live': 'polite' }, opts.error);
  const form = h(
    'form',
    { class: 'join-form', 'data-testid': 'join-form' },
    h('h2', {}, opts.title),
    h('label', { class: 'field' }, h('span', { class: 'label' }, 'Handle'), handle, h('span', { class: 'hint' }, '1 to 20 letters, digits or _')),
    h('label', { class: 'field' }, h('span', { class: 'label' }, 'Display name'), name),
    ...(opts.extra ?? []),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'join' }, opts.submitLabel),
    err,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const hv = handle.value.trim().replace(/^@/, '');
    const nv = name.value.trim();
    if (!HANDLE_RE.test(hv)) {
      err.textContent = 'A handle is 1 to 20 letters, digits or _ (no spaces).';
      return;
    }
    if (!nv || [...nv].length > 50) {
      err.textContent = 'Give a display name of 1 to 50 characters.';
      return;
    }
    opts.onJoin(hv, nv);
  });
  return form;
}

function showJoin(root: HTMLElement, id: string, info: { session: SessionInfo | null }, error: string, prev?: Me): void {
  clear(root);
  const s = info.session;
  document.title = s ? `${s.hashtag} · hashchat` : 'hashchat';
  root.append(
    h(
      'header',
      { class: 'top' },
      h('h1', {}, s ? s.hashtag : id),
      s ? h('p', { class: 'title' }, s.title) : null,
      s?.description ? h('p', { class: 'muted' }, s.description) : null,
    ),
    h(
      'main',
      { class: 'page' },
      joinForm({
        title: 'Join the chat',
        submitLabel: 'Join',
        handle: prev?.handle,
        name: prev?.name,
        error,
        onJoin: (handle, name) => {
          const me = { handle, name };
          safeStorage('local')?.setItem(meKey(id), JSON.stringify(me));
          startChat(root, id, me);
        },
      }),
    ),
  );
}

/** The final page after a ban (or a close by policy): no join form, no reconnecting. */
function showRemoved(root: HTMLElement, id: string, s: SessionInfo | null, banned: boolean): void {
  clear(root);
  document.title = s ? `${s.hashtag} · hashchat` : 'hashchat';
  root.append(
    h('header', { class: 'top' }, h('h1', {}, s ? s.hashtag : id), s ? h('p', { class: 'title' }, s.title) : null),
    h(
      'main',
      { class: 'page' },
      h(
        'div',
        { class: 'final-notice', role: 'alert', 'data-testid': 'banned' },
        h('h2', {}, banned ? 'You have been banned from this chat' : 'The server closed your connection'),
        h(
          'p',
          {},
          banned
            ? 'A moderator has banned you from this chat. You can no longer read or post here.'
            : 'The server closed this connection by policy (for example a ban by a moderator). It will not reconnect.',
        ),
        h('p', {}, h('a', { href: '/' }, 'See all chats')),
      ),
    ),
  );
}

function startChat(root: HTMLElement, id: string, me: Me): void {
  clear(root);
  const title = h('h1', { class: 'hashtag' }, id);
  const subtitle = h('p', { class: 'title' });
  let live: Live | null = null;
  let mode: FeedMode = 'timeline';
  let welcomed = false;
  // Slow chats: one tab per released question (made at the first welcome that says "slow").
  let tabs: SlowTabs | null = null;
  const tabsSlot = h('div', { class: 'q-tabs-slot' });
  let refreshQueued = false;
  const refreshTabs = () => {
    if (!tabs || refreshQueued) return;
    refreshQueued = true;
    queueMicrotask(() => {
      refreshQueued = false;
      tabs?.refresh();
    });
  };
  const setUpSlow = () => {
    if (tabs || !live?.chat.isSlow) return;
    toggle.hidden = true;
    mode = 'grouped';
    feed.setMode('grouped');
    feed.showOnly(['announce']);
    const seen = new SeenStore(safeStorage('local'), seenKey(id, me.handle));
    tabs = new SlowTabs(live.chat, seen, (round) => {
      feed.showOnly(round === null ? ['announce'] : ['announce', String(round)]);
      composer.setFixedRound(round);
    });
    tabsSlot.append(tabs.el);
  };

  live = openLive(
    { session: id, handle: me.handle, name: me.name },
    {
      welcome: (m) => {
        setText(title, m.session.hashtag);
        setText(subtitle, m.session.title);
        document.title = `${m.session.hashtag} · hashchat`;
        if (!welcomed) feed.rebuild();
        welcomed = true;
        setUpSlow();
        phase.update();
        composer.update();
        refreshTabs();
      },
      change: (c) => {
        if (c.type === 'item') {
          stickToBottom(() => feed.upsert(c.item, c.isNew));
          refreshTabs();
        }
        if (c.type === 'phase') {
          phase.update();
          composer.update();
          refreshTabs();
        }
        if (c.type === 'member' && c.me) composer.update();
      },
      reset: () => {
        feed.rebuild();
        phase.update();
        refreshTabs();
      },
      fatal: (e) => {
        tabs?.destroy();
        live?.close();
        phase.destroy();
        banner.destroy();
        safeStorage('local')?.removeItem(meKey(id));
        if (e.code === 'banned' || e.code === 'refused') {
          showRemoved(root, id, live?.chat.session ?? null, e.code === 'banned');
          return;
        }
        showJoin(root, id, { session: live?.chat.session ?? null }, joinErrorText(e), me);
      },
    },
  );
  const { client, chat } = live;
  const phase = new PhaseView(live);
  const status = new StatusView(live);
  const banner = new ConnBanner(live);
  const composer = new Composer(chat, client, () => chat.session?.hashtag ?? '');
  const feed = new FeedView(chat, client, { mode, canDeleteAny: false, onReply: (p) => composer.setReply(p) });
  const showPending = () => stickToBottom(() => feed.setPending(client.pending(), client.online, client.heldPosts()));
  client.on('outbox', showPending);
  client.on('state', showPending);
  client.on('post_error', (e) => toast(`Your post was not accepted: ${e.error.message}`));

  const toggle = h(
    'div',
    { class: 'toggle', role: 'group', 'aria-label': 'Feed view' },
    h('button', { type: 'button', 'aria-pressed': 'true', 'data-mode': 'timeline' }, 'Timeline'),
    h('button', { type: 'button', 'aria-pressed': 'false', 'data-mode': 'grouped' }, 'By question'),
  );
  toggle.addEventListener('click', (ev) => {
    const btn = (ev.target as HTMLElement).closest('button');
    if (!btn) return;
    mode = btn.dataset.mode as FeedMode;
    for (const b of toggle.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === btn));
    feed.setMode(mode);
  });

  const leave = h(
    'button',
    {
      type: 'button',
      class: 'link small',
      onclick: () => {
        if (!window.confirm('Leave this chat on this device? Your handle stays yours with this browser.')) return;
        tabs?.destroy();
        live?.close();
        phase.destroy();
        banner.destroy();
        safeStorage('local')?.removeItem(meKey(id));
        showJoin(root, id, { session: chat.session }, '', me);
      },
    },
    'Leave',
  );

  root.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'top-row' }, title, status.el),
      subtitle,
      h('div', { class: 'you muted small' }, `You are @${me.handle} · `, leave),
    ),
    h('div', { class: 'phase-bar' }, banner.el, phase.el),
    h('main', { class: 'page chat' }, tabsSlot, toggle, feed.el),
    composer.el,
  );
  showPending();
}
