// `/s/{id}/moderate`: the moderator's console. The key arrives in the #fragment (never sent to the
// server in a URL), is kept in sessionStorage and removed from the address bar at once.

import { errorText } from './api';
import { Composer } from './composer';
import { clear, h, safeStorage, setText, toast } from './dom';
import { FeedView } from './feed';
import { ConnBanner, joinErrorText, openLive, PhaseView, StatusView, type Live } from './live';
import { joinForm, loadMe, meKey } from './participant';
import type { ControlAction, PhaseName } from './protocol';

export function modKeyStorageKey(id: string): string {
  return `hashchat:modkey:${id}`;
}

/** Reads `#key=...` (or a bare `#...`), stores it, and strips it from the URL. */
export function takeKeyFromHash(id: string): string | null {
  const store = safeStorage('session');
  const hash = location.hash.replace(/^#/, '');
  if (hash) {
    const params = new URLSearchParams(hash);
    const key = params.get('key') ?? (hash.includes('=') ? null : decodeURIComponent(hash));
    if (key) store?.setItem(modKeyStorageKey(id), key);
    history.replaceState(history.state, '', location.pathname + location.search);
    if (key) return key;
  }
  return store?.getItem(modKeyStorageKey(id)) ?? null;
}

export function renderModerator(root: HTMLElement, id: string): void {
  const key = takeKeyFromHash(id);
  showJoin(root, id, key, '');
}

function showJoin(root: HTMLElement, id: string, key: string | null, error: string): void {
  clear(root);
  document.title = `Moderate ${id} · hashchat`;
  const keyInput = h('input', {
    name: 'key',
    type: 'password',
    required: true,
    autocomplete: 'off',
    value: key ?? '',
    'data-testid': 'key',
  });
  const keyField = h(
    'label',
    { class: 'field' },
    h('span', { class: 'label' }, 'Moderator key'),
    keyInput,
    h('span', { class: 'hint' }, 'From your moderator link (the part after #key=). You can paste the whole link.'),
  );
  const saved = loadMe(`${id}:moderator`);
  root.append(
    h('header', { class: 'top' }, h('h1', {}, id), h('p', { class: 'muted' }, 'Moderator console')),
    h(
      'main',
      { class: 'page' },
      joinForm({
        title: 'Join as moderator',
        submitLabel: 'Open the console',
        handle: saved?.handle ?? 'host',
        name: saved?.name ?? 'Host',
        error,
        extra: key ? [] : [keyField],
        onJoin: (handle, name) => {
          let k = key ?? keyInput.value.trim();
          const m = /#key=([^&\s]+)/.exec(k);
          if (m) k = decodeURIComponent(m[1]);
          if (!k) return;
          safeStorage('session')?.setItem(modKeyStorageKey(id), k);
          safeStorage('local')?.setItem(meKey(`${id}:moderator`), JSON.stringify({ handle, name }));
          startConsole(root, id, k, handle, name);
        },
      }),
    ),
  );
}

/** Which controls make sense in a phase. */
export function enabledControls(phase: PhaseName | undefined): Set<ControlAction> {
  switch (phase) {
    case 'scheduled':
      return new Set(['start', 'end']);
    case 'intro':
    case 'talk':
    case 'round':
    case 'wrapup':
      return new Set(['next', 'extend', 'pause', 'end']);
    case 'paused':
      return new Set(['resume', 'end']);
    default:
      return new Set();
  }
}

function startConsole(root: HTMLElement, id: string, key: string, handle: string, name: string): void {
  clear(root);
  const title = h('h1', { class: 'hashtag' }, id);
  let welcomed = false;
  const live: Live = openLive(
    { session: id, handle, name, key },
    {
      welcome: (m) => {
        setText(title, m.session.hashtag);
        document.title = `Moderate ${m.session.hashtag} · hashchat`;
        if (m.you.role !== 'moderator') toast('You joined without moderator rights.');
        if (!welcomed) feed.rebuild();
        welcomed = true;
        refresh();
      },
      change: (c) => {
        if (c.type === 'item') feed.upsert(c.item, c.isNew);
        if (c.type === 'phase') refresh();
      },
      reset: () => {
        feed.rebuild();
        refresh();
      },
      fatal: (e) => {
        live.close();
        phase.destroy();
        banner.destroy();
        if (e.code === 'bad_key') safeStorage('session')?.removeItem(modKeyStorageKey(id));
        showJoin(root, id, e.code === 'bad_key' ? null : key, joinErrorText(e));
      },
    },
  );
  const { client, chat } = live;
  const phase = new PhaseView(live);
  const status = new StatusView(live);
  const banner = new ConnBanner(live);
  const composer = new Composer(chat, client, () => chat.session?.hashtag ?? '');
  const feed = new FeedView(chat, client, { mode: 'grouped', canDeleteAny: true, onReply: (p) => composer.setReply(p) });
  const showPending = () => feed.setPending(client.pending(), client.online);
  client.on('outbox', showPending);
  client.on('state', showPending);
  client.on('post_error', (e) => toast(`Your post was not accepted: ${e.error.message}`));

  const control = (action: ControlAction, minutes?: number) => {
    const msg = minutes === undefined ? { type: 'control' as const, action } : { type: 'control' as const, action, minutes };
    client.request(msg).catch((e) => toast(errorText(e)));
  };
  const extendMinutes = h('input', { type: 'number', min: 1, max: 120, value: 2, inputmode: 'numeric', 'aria-label': 'Minutes to add', class: 'minutes-input' });
  const buttons: Record<ControlAction, HTMLButtonElement> = {
    start: h('button', { type: 'button', class: 'primary', 'data-testid': 'ctl-start', onclick: () => control('start') }, 'Start'),
    next: h('button', { type: 'button', class: 'primary', 'data-testid': 'ctl-next', onclick: () => control('next') }, 'Next'),
    extend: h(
      'button',
      {
        type: 'button',
        'data-testid': 'ctl-extend',
        onclick: () => {
          const m = Math.round(Number(extendMinutes.value));
          if (!(m >= 1 && m <= 120)) {
            toast('Extend by 1 to 120 minutes.');
            return;
          }
          control('extend', m);
        },
      },
      'Extend',
    ),
    pause: h('button', { type: 'button', 'data-testid': 'ctl-pause', onclick: () => control('pause') }, 'Pause'),
    resume: h('button', { type: 'button', 'data-testid': 'ctl-resume', onclick: () => control('resume') }, 'Resume'),
    end: h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': 'ctl-end',
        onclick: () => {
          if (window.confirm('End the chat now for everyone? This cannot be undone.')) control('end');
        },
      },
      'End chat',
    ),
  };
  const controls = h(
    'section',
    { class: 'controls', 'aria-label': 'Chat controls' },
    buttons.start,
    buttons.next,
    h('span', { class: 'extend' }, buttons.extend, ' +', extendMinutes, ' min'),
    buttons.pause,
    buttons.resume,
    buttons.end,
  );

  const timetable = h('ol', { class: 'timetable' });
  const announceText = h('textarea', { rows: 2, maxlength: 2000, placeholder: 'Announcement to everyone', 'aria-label': 'Announcement', 'data-testid': 'announce-text' });
  const announceForm = h(
    'form',
    { class: 'announce-form' },
    announceText,
    h('button', { type: 'submit', 'data-testid': 'announce' }, 'Announce'),
  );
  announceForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = announceText.value.trim();
    if (!text) return;
    client
      .request({ type: 'announce', text })
      .then(() => (announceText.value = ''))
      .catch((e) => toast(errorText(e)));
  });

  function refresh(): void {
    phase.update();
    composer.update();
    const p = chat.phase?.phase;
    const enabled = client.online ? enabledControls(p) : new Set<ControlAction>();
    for (const [action, btn] of Object.entries(buttons) as [ControlAction, HTMLButtonElement][]) {
      btn.disabled = !enabled.has(action);
    }
    extendMinutes.disabled = !enabled.has('extend');
    clear(timetable);
    const current = chat.currentRound;
    for (const q of chat.session?.questions ?? []) {
      const state = current !== null && q.round === current ? 'current' : q.round <= chat.maxRoundAsked ? 'asked' : 'upcoming';
      timetable.append(h('li', { class: `tt-${state}` }, h('span', { class: 'badge q' }, `Q${q.round}`), ' ', q.text, h('span', { class: 'muted small' }, ` · ${state}`)));
    }
  }
  client.on('state', refresh);

  root.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'top-row' }, title, status.el),
      h('div', { class: 'muted small' }, `Moderating as @${handle}`),
    ),
    h('div', { class: 'phase-bar' }, banner.el, phase.el),
    h('div', { class: 'controls-bar' }, controls),
    h(
      'main',
      { class: 'page chat' },
      h('details', { class: 'panel' }, h('summary', {}, 'Questions'), timetable),
      h('section', { class: 'panel' }, h('h2', {}, 'Announce'), announceForm),
      h('h2', {}, 'Answers by question'),
      feed.el,
    ),
    composer.el,
  );
  refresh();
  showPending();
}
