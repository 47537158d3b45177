// `/s/{id}/moderate`: the moderator's console. The key arrives in the #fragment (never sent to the
// server in a URL), is kept in sessionStorage and removed from the address bar at once.

import { createKey, errorText, getSession, listKeys, patchSession, revokeKey } from './api';
import { ModState, type ChatState, type ModEntry } from './chat_state';
import { Composer } from './composer';
import { clear, h, safeStorage, setText, toast } from './dom';
import { FeedView, roundBadge, type ModerationHooks } from './feed';
import { ConnBanner, openLive, PhaseView, StatusView, type Live } from './live';
import { joinErrorText, joinForm, loadMe, meKey } from './participant';
import type { ClientError, ControlAction, KeyInfo, ModerateAction, PhaseName } from './protocol';
import { questionsFromText } from './series_rule';
import { slowSchedule } from './slow';
import { formatClock, formatDayTime, formatLocal } from './time';
import { sharePanel } from './share';
import { t, type Key } from './i18n';
import { prefsBar } from './prefs';

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

/** Slow chats: which controls make sense, given the phase and how many questions are out. */
export function enabledSlowControls(phase: PhaseName | undefined, released: number, total: number): Set<ControlAction> {
  const more = released < total;
  switch (phase) {
    case 'scheduled':
      // The server refuses postpone before the first release ("nothing to extend").
      return new Set<ControlAction>(more ? ['release', 'end'] : ['end']);
    case 'round':
      return new Set<ControlAction>(more ? ['release', 'postpone', 'pause', 'end'] : ['postpone', 'pause', 'end']);
    case 'paused':
      return new Set<ControlAction>(['resume', 'end']);
    default:
      return new Set();
  }
}

/** Hours and minutes of a postpone, as whole minutes (1-10,080), or null when out of range. */
export function postponeMinutes(hours: string, minutes: string): number | null {
  const hv = hours.trim() === '' ? 0 : Number(hours);
  const mv = minutes.trim() === '' ? 0 : Number(minutes);
  if (!Number.isInteger(hv) || !Number.isInteger(mv) || hv < 0 || mv < 0) return null;
  const total = hv * 60 + mv;
  return total >= 1 && total <= 10080 ? total : null;
}

function startConsole(root: HTMLElement, id: string, key: string, handle: string, name: string): void {
  clear(root);
  // The heading: the hashtag and the title (the id is only an address).
  const hashtag = h('span', { class: 'hashtag', 'data-testid': 'console-hashtag' });
  const subtitle = h('span', { class: 'title', 'data-testid': 'session-title' });
  const title = h('h1', { class: 'console-heading', 'data-testid': 'console-heading' }, hashtag, ' ', subtitle);
  let welcomed = false;
  const live: Live = openLive(
    { session: id, handle, name, key },
    {
      welcome: (m) => {
        setText(hashtag, m.session.hashtag);
        setText(subtitle, m.session.title);
        document.title = t('moderator.doc_title', { hashtag: m.session.hashtag });
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
          renderPeople();
        }
      },
      reset: () => {
        mods.reset();
        feed.rebuild();
        refresh();
        renderQueue();
        renderLog();
        renderPeople();
      },
      fatal: (e) => {
        live.close();
        document.removeEventListener('keydown', onShortcut);
        phase.destroy();
        banner.destroy();
        // bad_key: a wrong or revoked key; a close 1008 ("refused"): the key was revoked meanwhile.
        const dropKey = e.code === 'bad_key' || e.code === 'refused';
        if (dropKey) safeStorage('session')?.removeItem(modKeyStorageKey(id));
        const text = e.code === 'refused' ? t('moderator.refused') : joinErrorText(e);
        showJoin(root, id, dropKey ? null : key, text);
      },
    },
  );
  const { client, chat } = live;
  const phase = new PhaseView(live);
  const status = new StatusView(live);
  const banner = new ConnBanner(live);
  const composer = new Composer(chat, client, () => chat.session?.hashtag ?? '');
  const mods = new ModState();
  const moderate = (action: ModerateAction, target: { seq?: number; handle?: string; pending?: number; ban_address?: boolean }) =>
    client.request({ type: 'moderate', action, ...target }).catch((e) => toast(errorText(e)));
  const banDialog = new BanDialog((handle, banAddress) => moderate('ban', banAddress ? { handle, ban_address: true } : { handle }));
  const hooks: ModerationHooks = {
    act: (action, target) => moderate(action, target),
    ban: (handle) => banDialog.open(handle),
  };
  const feed = new FeedView(chat, client, { mode: 'grouped', canDeleteAny: true, onReply: (p) => composer.setReply(p), moderation: hooks });
  const showPending = () => feed.setPending(client.pending(), client.online, client.heldPosts());
  client.on('outbox', showPending);
  client.on('state', showPending);
  client.on('post_error', (e) => toast(t('moderator.post_refused', { reason: errorText(e.error) })));

  const control = (action: ControlAction, minutes?: number) => {
    const msg = minutes === undefined ? { type: 'control' as const, action } : { type: 'control' as const, action, minutes };
    client.request(msg).catch((e) => toast(errorText(e)));
  };
  const extendMinutes = h('input', { type: 'number', min: 1, max: 120, value: 2, inputmode: 'numeric', 'aria-label': t('moderator.extend_by'), class: 'minutes-input' });
  const postponeHours = h('input', { type: 'number', min: 0, max: 168, value: 1, inputmode: 'numeric', 'aria-label': t('moderator.postpone_hours'), class: 'minutes-input', 'data-testid': 'postpone-hours' });
  const postponeMins = h('input', { type: 'number', min: 0, max: 59, value: 0, inputmode: 'numeric', 'aria-label': t('moderator.postpone_minutes'), class: 'minutes-input', 'data-testid': 'postpone-minutes' });
  const buttons: Record<ControlAction, HTMLButtonElement> = {
    release: h('button', { type: 'button', class: 'primary', 'data-testid': 'ctl-release', onclick: () => control('release') }, t('moderator.release')),
    postpone: h(
      'button',
      {
        type: 'button',
        'data-testid': 'ctl-postpone',
        onclick: () => {
          const m = postponeMinutes(postponeHours.value, postponeMins.value);
          if (m === null) {
            toast(t('moderator.postpone_range'));
            return;
          }
          control('postpone', m);
        },
      },
      t('moderator.postpone'),
    ),
    start: h('button', { type: 'button', class: 'primary', 'data-testid': 'ctl-start', onclick: () => control('start') }, t('moderator.start')),
    next: h('button', { type: 'button', class: 'primary', 'data-testid': 'ctl-next', 'aria-keyshortcuts': 'N', onclick: () => control('next') }, t('moderator.next')),
    extend: h(
      'button',
      {
        type: 'button',
        'data-testid': 'ctl-extend',
        'aria-keyshortcuts': 'E',
        onclick: () => {
          const m = Math.round(Number(extendMinutes.value));
          if (!(m >= 1 && m <= 120)) {
            toast(t('moderator.extend_range'));
            return;
          }
          control('extend', m);
        },
      },
      t('moderator.extend'),
    ),
    pause: h('button', { type: 'button', 'data-testid': 'ctl-pause', 'aria-keyshortcuts': 'P', onclick: () => control('pause') }, t('moderator.pause')),
    resume: h('button', { type: 'button', 'data-testid': 'ctl-resume', 'aria-keyshortcuts': 'P', onclick: () => control('resume') }, t('moderator.resume')),
    end: h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': 'ctl-end',
        onclick: () => {
          if (window.confirm(t('moderator.end_confirm'))) control('end');
        },
      },
      t('moderator.end'),
    ),
  };
  const extendBox = h('span', { class: 'extend' }, buttons.extend, ' +', extendMinutes, ` ${t('moderator.minutes_unit')}`);
  const postponeBox = h(
    'span',
    { class: 'extend postpone', 'data-testid': 'postpone-box' },
    buttons.postpone,
    ` ${t('moderator.by')} `,
    postponeHours,
    ` ${t('moderator.hours_unit')} `,
    postponeMins,
    ` ${t('moderator.minutes_unit')}`,
  );
  const controls = h(
    'div',
    { class: 'controls' },
    buttons.start,
    buttons.next,
    extendBox,
    buttons.release,
    postponeBox,
    buttons.pause,
    buttons.resume,
    buttons.end,
  );

  const timetable = h('ol', { class: 'timetable' });
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

  const schedule = h('ol', { class: 'release-schedule', 'data-testid': 'release-schedule' });
  const scheduleZone = h('p', { class: 'muted small', 'data-testid': 'schedule-zone' });
  const schedulePanel = h('section', { class: 'panel schedule-panel', 'data-testid': 'schedule-panel', hidden: true }, h('h2', {}, t('moderator.schedule')), scheduleZone, schedule);

  function renderSchedule(): void {
    const sched = slowSchedule(chat);
    const zone = chat.session?.timezone ?? '';
    setText(scheduleZone, t('moderator.schedule_zone', { zone }) + (sched.paused ? ` ${t('moderator.schedule_paused')}` : ''));
    clear(schedule);
    for (const r of chat.releasedRounds()) {
      const rel = r.release;
      schedule.append(
        h(
          'li',
          { class: 'tt-asked', 'data-testid': 'schedule-released', 'data-round': r.round },
          h('span', { class: 'badge q' }, `Q${r.round}`),
          ' ',
          r.question ?? '',
          h('span', { class: 'muted small' }, rel ? t('moderator.released_at', { when: formatDayTime(rel.released_at) }) : t('moderator.released')),
        ),
      );
    }
    for (const u of sched.upcoming) {
      const next = sched.next?.round === u.round;
      schedule.append(
        h(
          'li',
          { class: next ? 'tt-current' : 'tt-upcoming', 'data-testid': 'schedule-upcoming', 'data-round': u.round },
          h('span', { class: 'badge q' }, `Q${u.round}`),
          ' ',
          u.question ?? '',
          h('span', { class: 'muted small', 'data-testid': 'schedule-at' }, next ? t('moderator.next_at', { when: formatDayTime(u.at) }) : ` · ${formatDayTime(u.at)}`),
        ),
      );
    }
    if (sched.closesAt) schedule.append(h('li', { class: 'tt-close', 'data-testid': 'schedule-close' }, t('moderator.closes', { when: formatDayTime(sched.closesAt) })));
    if (sched.closed) schedule.append(h('li', { class: 'tt-close', 'data-testid': 'schedule-close' }, t('moderator.closed')));
  }

  const editor = new QuestionsEditor(id, key, chat, () => refresh());

  function refresh(): void {
    editor.update();
    phase.update();
    composer.update();
    const p = chat.phase?.phase;
    const slow = chat.isSlow;
    const total = chat.session?.questions.length ?? 0;
    const enabled = !client.online
      ? new Set<ControlAction>()
      : slow
        ? enabledSlowControls(p, Math.max(0, chat.maxRoundAsked), total)
        : enabledControls(p);
    for (const [action, btn] of Object.entries(buttons) as [ControlAction, HTMLButtonElement][]) {
      btn.disabled = !enabled.has(action);
    }
    extendMinutes.disabled = !enabled.has('extend');
    postponeHours.disabled = postponeMins.disabled = !enabled.has('postpone');
    buttons.start.hidden = buttons.next.hidden = extendBox.hidden = slow;
    buttons.release.hidden = postponeBox.hidden = !slow;
    schedulePanel.hidden = !slow;
    setText(buttons.postpone, t(slow && chat.maxRoundAsked >= total ? 'moderator.postpone_close' : 'moderator.postpone'));
    if (slow) renderSchedule();
    clear(timetable);
    const current = chat.currentRound;
    for (const q of chat.session?.questions ?? []) {
      const state = current !== null && q.round === current ? 'current' : q.round <= chat.maxRoundAsked ? 'asked' : 'upcoming';
      timetable.append(h('li', { class: `tt-${state}` }, h('span', { class: 'badge q' }, `Q${q.round}`), ' ', q.text, h('span', { class: 'muted small' }, ` · ${t(`moderator.q_${state}`)}`)));
    }
  }
  client.on('state', refresh);

  // ---- waiting for approval, the moderation log, muted and banned people ----
  const queueCount = h('span', { 'data-testid': 'queue-count', hidden: true }, '0');
  const queueTitle = h('h2', {}, t('moderator.queue', { n: 0 }), queueCount);
  const queueList = h('div', { class: 'queue-list', 'data-testid': 'mod-queue' });
  const logList = h('ol', { class: 'mod-log', 'data-testid': 'mod-log', reversed: true });
  const peopleList = h('ul', { class: 'people-list', 'data-testid': 'people' });

  function renderQueue(): void {
    const waiting = mods.queue();
    setText(queueCount, String(waiting.length));
    queueTitle.firstChild!.textContent = t('moderator.queue', { n: waiting.length });
    clear(queueList);
    if (waiting.length === 0) queueList.append(h('p', { class: 'muted small' }, t('moderator.queue_empty')));
    for (const m of waiting) queueList.append(queueItem(m));
  }

  function queueItem(m: ModEntry): HTMLElement {
    const p = m.post;
    const n = m.pending as number;
    const approve = h('button', { type: 'button', class: 'primary small', 'data-testid': 'approve' }, t('moderator.approve'));
    const reject = h('button', { type: 'button', class: 'danger small', 'data-testid': 'reject' }, t('moderator.reject'));
    const decide = (action: 'approve' | 'reject') => {
      approve.disabled = reject.disabled = true;
      client
        .request({ type: 'moderate', action, pending: n })
        .catch((e) => {
          approve.disabled = reject.disabled = false;
          toast(errorText(e));
        });
    };
    approve.addEventListener('click', () => decide('approve'));
    reject.addEventListener('click', () => decide('reject'));
    return h(
      'article',
      { class: 'post queue-item', 'data-testid': 'queue-item', 'data-pending': n },
      h(
        'div',
        { class: 'post-meta' },
        p && p.round !== null && p.reply_to === null ? h('span', { class: 'badge' }, roundBadge(p.round)) : null,
        h('span', { class: 'name' }, p?.name ?? ''),
        ' ',
        h('span', { class: 'handle' }, `@${p?.author ?? m.by}`),
        p?.reply_to !== null && p?.reply_to !== undefined ? h('span', { class: 'reply-to' }, t('moderator.reply_to_post', { seq: p.reply_to })) : null,
        ' ',
        h('time', { datetime: m.at }, formatClock(m.at)),
      ),
      h('p', { class: 'post-text', 'data-testid': 'queue-text' }, p?.text ?? ''),
      h('div', { class: 'post-actions' }, approve, reject),
    );
  }

  function renderLog(): void {
    clear(logList);
    const entries = mods.entries.filter((m) => m.kind !== 'pending');
    if (entries.length === 0) logList.append(h('li', { class: 'muted small' }, t('moderator.log_empty')));
    for (let i = entries.length - 1; i >= 0; i--) {
      const m = entries[i];
      logList.append(
        h(
          'li',
          { 'data-testid': 'mod-entry', 'data-kind': m.kind },
          h('time', { datetime: m.at }, formatClock(m.at)),
          ' ',
          h('strong', {}, `@${m.by}`),
          ' ',
          modText(m),
          m.detail && m.kind !== 'control' ? h('span', { class: 'muted small' }, ` (${m.detail})`) : null,
        ),
      );
    }
  }

  function renderPeople(): void {
    clear(peopleList);
    const rows: HTMLElement[] = [];
    for (const handleKey of [...chat.banned].sort()) {
      rows.push(
        h(
          'li',
          { 'data-testid': 'banned-handle' },
          t('moderator.banned_row', { handle: handleKey }),
          h('button', { type: 'button', class: 'small', onclick: () => moderate('unban', { handle: handleKey }) }, t('moderator.unban')),
        ),
      );
    }
    for (const handleKey of [...chat.muted].sort()) {
      rows.push(
        h(
          'li',
          { 'data-testid': 'muted-handle' },
          t('moderator.muted_row', { handle: handleKey }),
          h('button', { type: 'button', class: 'small', onclick: () => moderate('unmute', { handle: handleKey }) }, t('moderator.unmute')),
        ),
      );
    }
    if (rows.length === 0) rows.push(h('li', { class: 'muted small' }, t('moderator.people_empty')));
    peopleList.append(...rows);
  }

  client.on('mod', (m) => {
    if (!mods.apply(m)) return;
    if (m.kind === 'pending' || m.kind === 'approve' || m.kind === 'reject') renderQueue();
    renderLog();
  });
  renderQueue();
  renderLog();
  renderPeople();
  const keys = keysPanel(id, key);

  // Keyboard shortcuts for the parts of the evening: N next, E extend, P pause or resume (in a slow
  // chat N releases the next question and E postpones). A key pressed while typing in a field, or
  // with a modifier, or under the ban dialog, is the field's.
  const shortcut: Record<string, ControlAction[]> = { n: ['next', 'release'], e: ['extend', 'postpone'], p: ['pause', 'resume'] };
  function onShortcut(ev: KeyboardEvent): void {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || banDialog.el.open) return;
    const target = ev.target as HTMLElement | null;
    if (target?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return;
    const actions = shortcut[ev.key.toLowerCase()];
    const btn = actions?.map((a) => buttons[a]).find((b) => !b.disabled && !b.hidden && !b.closest('[hidden]'));
    if (!btn) return;
    ev.preventDefault();
    btn.click();
  }
  document.addEventListener('keydown', onShortcut);
  const shortcuts = h(
    'div',
    { class: 'shortcuts muted small', 'data-testid': 'shortcuts' },
    h('h3', { class: 'shortcuts-title' }, t('moderator.shortcuts')),
    h('ul', {}, h('li', {}, t('moderator.shortcut_next')), h('li', {}, t('moderator.shortcut_extend')), h('li', {}, t('moderator.shortcut_pause'))),
    h('p', {}, t('moderator.shortcuts_note')),
  );

  // From 1024 px a dashboard: the controls, queue and people in a side column, the feed (with the
  // answer box under it) beside them; below, one column in the same order. The answer box sticks
  // to the bottom of the feed's column only, so it never covers the controls or the share panel.
  root.append(
    h(
      'header',
      { class: 'top console-top' },
      h('div', { class: 'top-row' }, title, status.el, prefsBar()),
      h('div', { class: 'muted small' }, t('moderator.as', { handle })),
    ),
    h('div', { class: 'phase-bar' }, banner.el, phase.el),
    h(
      'main',
      { class: 'page chat console', 'data-testid': 'console' },
      h(
        'div',
        { class: 'console-side', 'data-testid': 'console-side' },
        h('section', { class: 'panel controls-panel', 'aria-labelledby': 'controls-title', 'data-testid': 'controls' }, h('h2', { id: 'controls-title' }, t('moderator.controls')), controls, shortcuts),
        h('section', { class: 'panel queue-panel' }, queueTitle, queueList),
        h('section', { class: 'panel' }, h('h2', {}, t('moderator.announce_title')), announceForm),
        schedulePanel,
        editor.el,
        h('details', { class: 'panel' }, h('summary', {}, t('moderator.questions')), timetable),
        h('details', { class: 'panel' }, h('summary', {}, t('moderator.log')), logList),
        h('details', { class: 'panel' }, h('summary', {}, t('moderator.people')), peopleList),
        h('div', { class: 'panel share-box' }, sharePanel(id)),
        keys,
      ),
      h('section', { class: 'console-feed', 'aria-labelledby': 'feed-title', 'data-testid': 'console-feed' }, h('h2', { id: 'feed-title' }, t('moderator.feed')), feed.el, composer.el),
    ),
    banDialog.el,
  );
  refresh();
  showPending();
}

/**
 * "Edit questions" before the chat starts: PATCH /api/sessions/{id} with the moderator key and
 * `{"questions":[...]}`. Hidden once the chat has started (the server refuses it then). A series'
 * session may have no questions yet: the panel then opens by itself.
 */
class QuestionsEditor {
  readonly el: HTMLDetailsElement;
  private text = h('textarea', { rows: 6, 'aria-label': t('moderator.questions_label'), 'data-testid': 'questions-text', placeholder: t('moderator.questions_example') });
  private save = h('button', { type: 'submit', class: 'primary', 'data-testid': 'questions-save' }, t('moderator.questions_save'));
  private error = h('p', { class: 'error', 'data-testid': 'questions-error', 'aria-live': 'polite' });
  private saved = h('p', { class: 'muted small', 'data-testid': 'questions-saved', 'aria-live': 'polite' });
  private dirty = false;
  private filledFrom: string | null = null;

  constructor(
    private id: string,
    private key: string,
    private chat: ChatState,
    private onSaved: () => void,
  ) {
    const form = h(
      'form',
      { class: 'questions-form' },
      h('p', { class: 'muted small' }, t('moderator.questions_hint')),
      this.text,
      this.save,
      this.error,
      this.saved,
    );
    this.el = h('details', { class: 'panel questions-panel', 'data-testid': 'edit-questions', hidden: true }, h('summary', {}, t('moderator.edit_questions')), form);
    this.text.addEventListener('input', () => {
      this.dirty = true;
      this.saved.textContent = '';
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  /** Shown while the chat is scheduled; fills the box from the session unless being edited. */
  update(): void {
    const session = this.chat.session;
    const scheduled = !!session && this.chat.phase?.phase === 'scheduled';
    this.el.hidden = !scheduled;
    if (!session) return;
    const current = session.questions.map((q) => q.text).join('\n');
    if (!this.dirty && current !== this.filledFrom) {
      this.text.value = current;
      this.filledFrom = current;
      if (scheduled && session.questions.length === 0) this.el.open = true;
    }
  }

  private submit(): void {
    const questions = questionsFromText(this.text.value, this.chat.session?.questions ?? []);
    this.error.textContent = '';
    this.saved.textContent = '';
    if (questions.length === 0) {
      this.error.textContent = t('moderator.questions_none');
      return;
    }
    this.save.disabled = true;
    patchSession(this.id, this.key, { questions }).then(
      (res) => {
        this.save.disabled = false;
        this.dirty = false;
        if (this.chat.session && Array.isArray(res?.questions)) this.chat.session.questions = res.questions;
        this.filledFrom = null;
        this.saved.textContent = t('moderator.questions_saved', { n: questions.length });
        this.onSaved();
      },
      (e) => {
        this.save.disabled = false;
        this.error.textContent = t('moderator.questions_error', { reason: errorText(e) });
      },
    );
  }
}

/** Asks before a ban; the network-address ban is a separate, unticked, clearly labelled choice. */
class BanDialog {
  readonly el: HTMLDialogElement;
  private title = h('h2', {});
  private address = h('input', { type: 'checkbox', 'data-testid': 'ban-address' });
  private handle = '';

  constructor(onBan: (handle: string, banAddress: boolean) => void) {
    const cancel = h('button', { type: 'button', 'data-testid': 'ban-cancel' }, t('moderator.cancel'));
    const confirm = h('button', { type: 'submit', class: 'danger', 'data-testid': 'ban-confirm' }, t('moderator.ban'));
    const form = h(
      'form',
      { method: 'dialog', class: 'ban-form' },
      this.title,
      h('p', {}, t('moderator.ban_text')),
      h(
        'label',
        { class: 'check warning' },
        this.address,
        ` ${t('moderator.ban_address')}`,
      ),
      h('div', { class: 'post-actions' }, cancel, confirm),
    );
    this.el = h('dialog', { class: 'ban-dialog', 'data-testid': 'ban-dialog' }, form);
    cancel.addEventListener('click', () => this.el.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.el.close();
      onBan(this.handle, this.address.checked);
    });
  }

  open(handle: string): void {
    this.handle = handle;
    this.address.checked = false;
    setText(this.title, t('moderator.ban_title', { handle }));
    if (typeof this.el.showModal === 'function') this.el.showModal();
    else this.el.setAttribute('open', '');
  }
}

/** Co-moderator keys: the owner creates, lists and revokes them (HTTP, with the owner key). */
function keysPanel(id: string, ownerKey: string): HTMLElement {
  const label = h('input', { name: 'label', maxlength: 100, placeholder: t('moderator.key_label_example'), 'data-testid': 'key-label', 'aria-label': t('moderator.key_label') });
  const createBtn = h('button', { type: 'submit', 'data-testid': 'key-create' }, t('moderator.key_create'));
  const result = h('div', { class: 'key-result', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'error', 'data-testid': 'keys-error', 'aria-live': 'polite' });
  const list = h('ul', { class: 'key-list', 'data-testid': 'key-list' });
  const showError = (e: unknown) => {
    const err = e as ClientError;
    const owner = err && err.code === 'not_allowed' ? ` ${t('moderator.keys_owner_only')}` : '';
    setText(errorLine, `${errorText(e)}${owner}`);
  };
  const load = () => {
    listKeys(id, ownerKey).then(
      (res) => {
        setText(errorLine, '');
        clear(list);
        for (const k of res.keys) list.append(keyRow(k));
        if (res.keys.length === 0) list.append(h('li', { class: 'muted small' }, t('moderator.keys_none')));
      },
      (e) => showError(e),
    );
  };
  const keyRow = (k: KeyInfo): HTMLElement => {
    const revoke = h('button', { type: 'button', class: 'danger small', 'data-testid': 'key-revoke' }, t('moderator.revoke'));
    revoke.addEventListener('click', () => {
      if (!window.confirm(t('moderator.revoke_confirm', { label: k.label }))) return;
      revoke.disabled = true;
      revokeKey(id, ownerKey, k.key_id).then(load, (e) => {
        revoke.disabled = false;
        showError(e);
      });
    });
    return h(
      'li',
      { 'data-testid': 'key-row', 'data-key-id': k.key_id },
      h('strong', {}, k.label || k.key_id),
      ' ',
      h('span', { class: 'muted small' }, t(k.owner ? 'moderator.key_owner' : 'moderator.key_co', { when: k.created_at ? formatLocal(k.created_at) : '?' })),
      k.revoked ? h('span', { class: 'badge' }, t('moderator.revoked')) : null,
      !k.owner && !k.revoked ? revoke : null,
    );
  };
  const form = h('form', { class: 'key-form' }, label, createBtn);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    createBtn.disabled = true;
    clear(result);
    createKey(id, ownerKey, label.value.trim()).then(
      (res) => {
        createBtn.disabled = false;
        label.value = '';
        setText(errorLine, '');
        const url = location.origin + (res.urls?.moderate || `/s/${encodeURIComponent(id)}/moderate#key=${encodeURIComponent(res.key)}`);
        const copy = h('button', { type: 'button', class: 'small' }, t('moderator.copy'));
        copy.addEventListener('click', () => {
          navigator.clipboard?.writeText(url).then(
            () => (copy.textContent = t('moderator.copied')),
            () => (copy.textContent = t('moderator.copy_by_hand')),
          );
        });
        result.append(
          h(
            'div',
            { class: 'warning' },
            h('strong', {}, t('moderator.new_key_for', { label: res.label || t('moderator.new_key_someone') })),
            t('moderator.new_key_warning'),
          ),
          h('div', { class: 'link-line' }, h('a', { href: url, class: 'url', 'data-testid': 'new-key-link' }, url), copy),
        );
        load();
      },
      (e) => {
        createBtn.disabled = false;
        showError(e);
      },
    );
  });
  const panel = h(
    'details',
    { class: 'panel keys-panel', 'data-testid': 'keys-panel' },
    h('summary', {}, t('moderator.keys')),
    h('p', { class: 'muted small' }, t('moderator.keys_intro')),
    form,
    result,
    errorLine,
    list,
  );
  panel.addEventListener('toggle', () => {
    if ((panel as HTMLDetailsElement).open) load();
  });
  return panel;
}

/** A line of the moderation log, in the reader's language. */
function modText(m: ModEntry): string {
  const params = { seq: m.target ?? '', handle: m.handle ?? '', pending: m.pending ?? '', author: m.post?.author ?? '?', detail: m.detail ?? '' };
  if (m.kind === 'ban' && m.ban_address) return t('moderator.log_ban_address', params);
  const known = ['pending', 'approve', 'reject', 'hide', 'unhide', 'pin', 'unpin', 'delete', 'mute', 'unmute', 'ban', 'unban', 'control'];
  return known.includes(m.kind) ? t(`moderator.log_${m.kind}` as Key, params) : m.kind;
}
