// `/s/{id}/moderate`: the moderator's console. The key arrives in the #fragment (never sent to the
// server in a URL), is kept in sessionStorage and removed from the address bar at once.

import { errorText, getSession } from './api';
import { ModState } from './chat_state';
import { Composer } from './composer';
import { clear, h, safeStorage, setText, toast } from './dom';
import { FeedView, type ModerationHooks } from './feed';
import { t } from './i18n';
import { ConnBanner, openLive, PhaseView, StatusView, type Live } from './live';
import { ControlsPanel } from './moderator_controls';
import { keysPanel } from './moderator_keys';
import { ModLog } from './moderator_log';
import { BanDialog, PeopleList, type Moderate } from './moderator_people';
import { QuestionsEditor, QuestionsTimetable } from './moderator_questions';
import { ApprovalQueue } from './moderator_queue';
import { SchedulePanel } from './moderator_schedule';
import { joinErrorText, joinForm, loadMe, meKey } from './participant';
import { prefsBar } from './prefs';
import type { ErrorMsg, SessionInfo } from './protocol';
import { sharePanel } from './share';
import type { ChatClient } from './ws_client';

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
  document.title = t('moderator.doc_title_plain');
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
    h('span', { class: 'label' }, t('moderator.key')),
    keyInput,
    h('span', { class: 'hint' }, t('moderator.key_hint')),
  );
  const saved = loadMe(`${id}:moderator`);
  // The heading is the chat's hashtag once the server tells it, never the raw id.
  const heading = h('h1', { 'data-testid': 'join-heading' }, t('moderator.title'));
  getSession(id).then(
    (s) => {
      setText(heading, s.hashtag);
      document.title = t('moderator.doc_title', { hashtag: s.hashtag });
    },
    () => undefined,
  );
  root.append(
    h('header', { class: 'top' }, h('div', { class: 'top-row' }, heading, prefsBar()), h('p', { class: 'muted' }, t('moderator.title'))),
    h(
      'main',
      { class: 'page' },
      joinForm({
        title: t('moderator.join_title'),
        submitLabel: t('moderator.open_console'),
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

function startConsole(root: HTMLElement, id: string, key: string, handle: string, name: string): void {
  clear(root);
  let welcomed = false;
  const live: Live = openLive(
    { session: id, handle, name, key },
    {
      welcome: (m) => {
        header.show(m.session);
        if (m.you.role !== 'moderator') toast(t('moderator.no_rights'));
        if (!welcomed) feed.rebuild();
        welcomed = true;
        refresh();
      },
      change: (c) => {
        if (c.type === 'item') feed.upsert(c.item, c.isNew);
        if (c.type === 'phase') refresh();
        if (c.type === 'member') {
          feed.refreshAll();
          people.render();
        }
      },
      reset: () => {
        mods.reset();
        feed.rebuild();
        refresh();
        queue.render();
        log.render();
        people.render();
      },
      fatal: (e) => {
        live.close();
        stopShortcuts();
        phase.destroy();
        banner.destroy();
        backToJoin(root, id, key, e);
      },
    },
  );
  const { client, chat } = live;
  const phase = new PhaseView(live);
  const status = new StatusView(live);
  const banner = new ConnBanner(live);
  const header = consoleHeader(handle, status.el);
  const composer = new Composer(chat, client, () => chat.session?.hashtag ?? '');
  const mods = new ModState();
  const moderate: Moderate = (action, target) => {
    client.request({ type: 'moderate', action, ...target }).catch((e) => toast(errorText(e)));
  };
  const banDialog = new BanDialog((handle, banAddress) => moderate('ban', banAddress ? { handle, ban_address: true } : { handle }));
  const hooks: ModerationHooks = { act: moderate, ban: (handle) => banDialog.open(handle) };
  const feed = new FeedView(chat, client, { mode: 'grouped', canDeleteAny: true, onReply: (p) => composer.setReply(p), moderation: hooks });
  const showPending = () => feed.setPending(client.pending(), client.online, client.heldPosts());
  client.on('outbox', showPending);
  client.on('state', showPending);
  client.on('post_error', (e) => toast(t('moderator.post_refused', { reason: errorText(e.error) })));

  const controls = new ControlsPanel(client);
  const schedule = new SchedulePanel(chat);
  const editor = new QuestionsEditor(id, key, chat, () => refresh());
  const timetable = new QuestionsTimetable(chat);
  function refresh(): void {
    editor.update();
    phase.update();
    composer.update();
    controls.update(chat);
    schedule.update();
    timetable.render();
  }
  client.on('state', refresh);

  // Waiting for approval, the moderation log, muted and banned people.
  const queue = new ApprovalQueue(client, mods);
  const log = new ModLog(mods);
  const people = new PeopleList(chat, moderate);
  client.on('mod', (m) => {
    if (!mods.apply(m)) return;
    if (m.kind === 'pending' || m.kind === 'approve' || m.kind === 'reject') queue.render();
    log.render();
  });
  queue.render();
  log.render();
  people.render();
  const stopShortcuts = controls.listenForShortcuts(() => banDialog.el.open);

  root.append(
    header.el,
    h('div', { class: 'phase-bar' }, banner.el, phase.el),
    dashboard(
      [controls.el, queue.el, announcePanel(client), schedule.el, editor.el, timetable.el, log.el, people.el, h('div', { class: 'panel share-box' }, sharePanel(id)), keysPanel(id, key)],
      [feed.el, composer.el],
    ),
    banDialog.el,
  );
  refresh();
  showPending();
}

/** After a fatal error, the join form again, with the reason. */
function backToJoin(root: HTMLElement, id: string, key: string, e: ErrorMsg): void {
  // bad_key: a wrong or revoked key; a close 1008 ("refused"): the key was revoked meanwhile.
  const dropKey = e.code === 'bad_key' || e.code === 'refused';
  if (dropKey) safeStorage('session')?.removeItem(modKeyStorageKey(id));
  const text = e.code === 'refused' ? t('moderator.refused') : joinErrorText(e);
  showJoin(root, id, dropKey ? null : key, text);
}

/** The hashtag and the title (the id is only an address), the connection, who you are. */
function consoleHeader(handle: string, status: HTMLElement): { el: HTMLElement; show(session: SessionInfo): void } {
  const hashtag = h('span', { class: 'hashtag', 'data-testid': 'console-hashtag' });
  const subtitle = h('span', { class: 'title', 'data-testid': 'session-title' });
  const title = h('h1', { class: 'console-heading', 'data-testid': 'console-heading' }, hashtag, ' ', subtitle);
  const el = h(
    'header',
    { class: 'top console-top' },
    h('div', { class: 'top-row' }, title, status, prefsBar()),
    h('div', { class: 'muted small' }, t('moderator.as', { handle })),
  );
  const show = (session: SessionInfo) => {
    setText(hashtag, session.hashtag);
    setText(subtitle, session.title);
    document.title = t('moderator.doc_title', { hashtag: session.hashtag });
  };
  return { el, show };
}

/**
 * From 1024 px a dashboard: the controls, queue and people in a side column, the feed (with the
 * answer box under it) beside them; below, one column in the same order. The answer box sticks
 * to the bottom of the feed's column only, so it never covers the controls or the share panel.
 */
function dashboard(side: HTMLElement[], feed: HTMLElement[]): HTMLElement {
  return h(
    'main',
    { class: 'page chat console', 'data-testid': 'console' },
    h('div', { class: 'console-side', 'data-testid': 'console-side' }, ...side),
    h('section', { class: 'console-feed', 'aria-labelledby': 'feed-title', 'data-testid': 'console-feed' }, h('h2', { id: 'feed-title' }, t('moderator.feed')), ...feed),
  );
}

/** "Announcement": a line from the moderators that every screen shows. */
function announcePanel(client: ChatClient): HTMLElement {
  const announceText = h('textarea', { rows: 2, maxlength: 2000, placeholder: t('moderator.announce_placeholder'), 'aria-label': t('moderator.announce_label'), 'data-testid': 'announce-text' });
  const announceForm = h(
    'form',
    { class: 'announce-form' },
    announceText,
    h('button', { type: 'submit', 'data-testid': 'announce' }, t('moderator.announce')),
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
  return h('section', { class: 'panel' }, h('h2', {}, t('moderator.announce_title')), announceForm);
}
