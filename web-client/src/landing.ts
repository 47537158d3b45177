// `/`: join a chat or create one at a glance (on a phone both fit above the fold: a field for the
// chat's address or id, and a "Create a chat" button), then the list of chats. The creation form
// and the series form are each a step of their own, opened by their button.

import { createSession, errorText, listSessions, type CreateSessionBody } from './api';
import { clear, h } from './dom';
import { t } from './i18n';
import { phaseLabel } from './phase_label';
import { prefsBar } from './prefs';
import type { CreateSessionResponse, SessionInfo } from './protocol';
import { describeInstant, viewerZone } from './time';
import { field, linkLine, minutes, sessionPath } from './form_bits';
import { seriesForm, seriesPath } from './series';
import { sharePanel } from './share';

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

function createForm(): HTMLElement {
  const zone = viewerZone();
  const hashtag = h('input', { name: 'hashtag', required: true, placeholder: t('landing.hashtag_example'), value: '#', autocapitalize: 'off' });
  const title = h('input', { name: 'title', required: true, maxlength: 200, placeholder: t('landing.title_example') });
  const description = h('textarea', { name: 'description', rows: 2, maxlength: 2000 });
  const tz = h('input', { name: 'timezone', required: true, value: zone, list: 'tz-list', autocapitalize: 'off' });
  const tzList = h('datalist', { id: 'tz-list' });
  try {
    const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    for (const z of zones) tzList.append(h('option', { value: z }));
  } catch {
    // Older browsers: free text.
  }
  const start = h('input', { name: 'start', type: 'datetime-local', 'data-testid': 'start' });
  // Mode: a live chat (one evening, timed parts) or a slow chat (questions released over days).
  const modeLive = h('input', { type: 'radio', name: 'mode', value: 'live', checked: true, 'data-testid': 'mode-live' });
  const modeSlow = h('input', { type: 'radio', name: 'mode', value: 'slow', 'data-testid': 'mode-slow' });
  const ruleDaily = h('input', { type: 'radio', name: 'rule', value: 'daily', checked: true, 'data-testid': 'rule-daily' });
  const ruleEvery = h('input', { type: 'radio', name: 'rule', value: 'every', 'data-testid': 'rule-every' });
  const releaseTime = h('input', { type: 'time', name: 'release_time', 'data-testid': 'release-time' });
  const everyHours = h('input', { type: 'number', name: 'release_every_hours', value: 24, min: 1, max: 168, step: 1, inputmode: 'numeric', 'data-testid': 'every-hours' });
  const closeAfter = h('input', { type: 'number', name: 'close_after_hours', value: 24, min: 1, max: 720, step: 1, inputmode: 'numeric', 'data-testid': 'close-after' });
  const questions = h('textarea', { name: 'questions', rows: 6, required: true, placeholder: t('landing.questions_example') });
  const intro = minutes('intro_minutes', 5, 0, 60);
  const round = minutes('round_minutes', 8, 1, 240);
  const talk = minutes('talk_minutes', 0, 0, 240);
  const wrapup = minutes('wrapup_minutes', 5, 0, 120);
  const premoderation = h('input', { type: 'checkbox', name: 'premoderation', 'data-testid': 'opt-premoderation' });
  const slowdown = h('input', {
    type: 'number',
    name: 'slowdown_seconds',
    value: 0,
    min: 0,
    max: 3600,
    step: 1,
    inputmode: 'numeric',
    'data-testid': 'opt-slowdown',
  });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-submit' }, t('landing.submit'));
  const out = h('div', { class: 'create-result', 'aria-live': 'polite' });

  const startLabel = h('span', { class: 'label' }, t('landing.start'));
  const startHint = h('span', { class: 'hint' }, t('landing.start_hint'));
  const slowBox = h(
    'fieldset',
    { class: 'slow-options', 'data-testid': 'slow-options', hidden: true },
    h('legend', {}, t('landing.releases')),
    h('label', { class: 'check' }, ruleDaily, ` ${t('landing.daily')} `),
    releaseTime,
    h('span', { class: 'hint' }, ` ${t('landing.daily_hint')}`),
    h('label', { class: 'check' }, ruleEvery, ` ${t('landing.every')} `),
    everyHours,
    ` ${t('landing.hours')}`,
    field(t('landing.close_after'), closeAfter, t('landing.close_after_hint')),
  );
  const minutesBox = h(
      'fieldset',
      { class: 'minutes' },
      h('legend', {}, t('landing.minutes')),
      field(t('landing.intro'), intro),
      field(t('landing.per_question'), round),
      field(t('landing.talk'), talk),
      field(t('landing.wrapup'), wrapup),
  );
  const syncMode = () => {
    const slowMode = modeSlow.checked;
    slowBox.hidden = !slowMode;
    minutesBox.hidden = slowMode;
    start.required = slowMode;
    startLabel.textContent = t(slowMode ? 'landing.first_release' : 'landing.start');
    startHint.textContent = t(slowMode ? 'landing.first_release_hint' : 'landing.start_hint');
  };
  modeLive.addEventListener('change', syncMode);
  modeSlow.addEventListener('change', syncMode);

  const form = h(
    'form',
    { class: 'create-form', 'data-testid': 'create-form' },
    h('h2', {}, t('landing.form_title')),
    field(t('landing.hashtag'), hashtag),
    field(t('landing.title_label'), title),
    field(t('landing.description'), description),
    h(
      'fieldset',
      { class: 'mode' },
      h('legend', {}, t('landing.kind')),
      h('label', { class: 'check' }, modeLive, ` ${t('landing.kind_live')}`),
      h('label', { class: 'check' }, modeSlow, ` ${t('landing.kind_slow')}`),
    ),
    field(t('landing.zone'), h('span', {}, tz, tzList), t('landing.zone_hint', { zone })),
    h('label', { class: 'field' }, startLabel, start, startHint),
    field(t('landing.questions'), questions),
    slowBox,
    minutesBox,
    h(
      'fieldset',
      { class: 'options' },
      h('legend', {}, t('landing.moderation')),
      h(
        'label',
        { class: 'check' },
        premoderation,
        ` ${t('landing.premoderation')}`,
      ),
      field(t('landing.slowdown'), slowdown, t('landing.slowdown_hint')),
    ),
    submit,
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(out);
    let tag = hashtag.value.trim();
    if (tag && !tag.startsWith('#')) tag = `#${tag}`;
    const qs = questions.value
      .split('\n')
      .map((q) => q.trim())
      .filter((q) => q.length > 0);
    if (qs.length === 0) {
      out.append(h('p', { class: 'error' }, t('landing.no_questions')));
      return;
    }
    const slowMode = modeSlow.checked;
    const body: CreateSessionBody = {
      hashtag: tag,
      title: title.value.trim(),
      description: description.value.trim(),
      mode: slowMode ? 'slow' : 'live',
      timezone: tz.value.trim(),
      questions: qs,
    };
    if (slowMode) {
      const rule = slowRule({
        start: start.value,
        daily: ruleDaily.checked,
        releaseTime: releaseTime.value,
        everyHours: everyHours.value,
        closeAfter: closeAfter.value,
      });
      if (typeof rule === 'string') {
        out.append(h('p', { class: 'error' }, rule));
        return;
      }
      Object.assign(body, rule);
    } else {
      Object.assign(body, {
        intro_minutes: Number(intro.value),
        round_minutes: Number(round.value),
        talk_minutes: Number(talk.value),
        wrapup_minutes: Number(wrapup.value),
      });
    }
    const slow = Number(slowdown.value || 0);
    if (!Number.isInteger(slow) || slow < 0 || slow > 3600) {
      out.append(h('p', { class: 'error' }, t('landing.slowdown_bad')));
      return;
    }
    body.options = { premoderation: premoderation.checked, slowdown_seconds: slow };
    if (start.value) body.start = start.value.length === 16 ? `${start.value}:00` : start.value;
    submit.disabled = true;
    createSession(body)
      .then((res) => {
        form.querySelectorAll('input, textarea, button').forEach((el) => el.setAttribute('disabled', ''));
        out.append(created(res));
      })
      .catch((e) => {
        submit.disabled = false;
        out.append(h('p', { class: 'error' }, t('landing.create_error', { reason: errorText(e) })));
      });
  });
  return form;
}

/**
 * The slow-chat fields of the creation body from the form's values, or the problem with them.
 * `start` is the datetime-local value (local time in the chat's zone).
 */
export function slowRule(v: { start: string; daily: boolean; releaseTime: string; everyHours: string; closeAfter: string }):
  | { release_time?: string; release_every_hours?: number; close_after_hours: number }
  | string {
  if (!v.start) return t('landing.slow_needs_start');
  const close = Number(v.closeAfter || 24);
  if (!Number.isInteger(close) || close < 1 || close > 720) return t('landing.close_bad');
  if (v.daily) {
    if (v.releaseTime && !/^([01]\d|2[0-3]):[0-5]\d$/.test(v.releaseTime)) return t('landing.release_time_bad');
    return v.releaseTime ? { release_time: v.releaseTime, close_after_hours: close } : { close_after_hours: close };
  }
  const every = Number(v.everyHours);
  if (!Number.isInteger(every) || every < 1 || every > 168) return t('landing.every_bad');
  return { release_every_hours: every, close_after_hours: close };
}

function created(res: CreateSessionResponse): HTMLElement {
  const moderate = location.origin + (res.urls.moderate || `${sessionPath(res.id, 'moderate')}#key=${encodeURIComponent(res.moderator_key)}`);
  return h(
    'div',
    { class: 'created', 'data-testid': 'created' },
    h('h3', {}, t('landing.ready')),
    sharePanel(res.id, res.links),
    h(
      'div',
      { class: 'warning' },
      h('strong', {}, t('landing.mod_warning_title')),
      t('landing.mod_warning'),
    ),
    linkLine(t('landing.mod_link'), moderate, 'moderate-link'),
  );
}
