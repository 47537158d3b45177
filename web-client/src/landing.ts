// `/`: the list of chats, the form that creates one, and the form that creates a chat series.

import { createSession, errorText, listSessions, type CreateSessionBody } from './api';
import { clear, h } from './dom';
import { phaseLabel } from './live';
import type { CreateSessionResponse, SessionInfo } from './protocol';
import { describeInstant, viewerZone } from './time';
import { field, linkLine, minutes, sessionPath } from './form_bits';
import { seriesForm, seriesPath } from './series';
import { sharePanel } from './share';

export { sessionPath };

export function renderLanding(root: HTMLElement): void {
  document.title = 'hashchat';
  const list = h('ul', { class: 'session-list', 'data-testid': 'sessions' }, h('li', { class: 'muted' }, 'Loading…'));
  root.append(
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'hashchat'),
      h('p', { class: 'muted' }, 'Scheduled hashtag chats: questions Q1, Q2… answers A1, A2…'),
      h('p', { class: 'small' }, h('a', { href: '/archive', 'data-testid': 'archive-nav' }, 'Archive: past chats, transcripts and search')),
    ),
    h('main', { class: 'page' }, h('section', {}, h('h2', {}, 'Chats'), list), createForm(), seriesForm()),
  );
  listSessions()
    .then(({ sessions }) => {
      clear(list);
      if (sessions.length === 0) list.append(h('li', { class: 'muted' }, 'No chats yet. Create the first one below.'));
      for (const s of sessions) list.append(sessionRow(s));
    })
    .catch((e) => {
      clear(list);
      list.append(h('li', { class: 'error' }, `Could not load the chats: ${errorText(e)}`));
    });
}

function sessionRow(s: SessionInfo): HTMLElement {
  const scheduled = s.phase?.phase === 'scheduled' && s.start;
  const when =
    s.mode === 'slow'
      ? `Slow chat · ${scheduled ? `first question ${describeInstant(s.start, s.timezone)}` : s.phase?.phase === 'closed' ? 'closed' : 'questions are out'}`
      : scheduled
        ? `Starts ${describeInstant(s.start, s.timezone)}`
        : phaseLabel(s.phase ?? null);
  return h(
    'li',
    { class: 'session-row' },
    h('a', { href: sessionPath(s.id), class: 'session-link' }, h('strong', {}, s.hashtag), ' ', s.title),
    h('div', { class: 'muted small' }, when),
    h(
      'div',
      { class: 'row-links' },
      h('a', { href: sessionPath(s.id), class: 'button primary' }, 'Join'),
      h('a', { href: sessionPath(s.id, 'screen'), class: 'button' }, 'Pub screen'),
      s.series ? h('a', { href: seriesPath(s.series), class: 'button', 'data-testid': 'series-of' }, 'Series') : null,
    ),
  );
}

function createForm(): HTMLElement {
  const zone = viewerZone();
  const hashtag = h('input', { name: 'hashtag', required: true, placeholder: '#PubPD', value: '#', autocapitalize: 'off' });
  const title = h('input', { name: 'title', required: true, maxlength: 200, placeholder: 'PubPD Toronto' });
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
  const questions = h('textarea', { name: 'questions', rows: 6, required: true, placeholder: 'How do you start a lesson?\nHomework: yes or no?' });
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
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create the chat');
  const out = h('div', { class: 'create-result', 'aria-live': 'polite' });

  const startLabel = h('span', { class: 'label' }, 'Start (local time in that zone)');
  const startHint = h('span', { class: 'hint' }, 'Leave empty to start it yourself as moderator.');
  const slowBox = h(
    'fieldset',
    { class: 'slow-options', 'data-testid': 'slow-options', hidden: true },
    h('legend', {}, 'Releases'),
    h('label', { class: 'check' }, ruleDaily, ' One question a day at '),
    releaseTime,
    h('span', { class: 'hint' }, ' (local time in the chat’s zone; empty: the time of the first release)'),
    h('label', { class: 'check' }, ruleEvery, ' One question every '),
    everyHours,
    ' hours',
    field('Close the chat this many hours after the last release', closeAfter, '1 to 720; every released question stays open until then.'),
  );
  const minutesBox = h(
      'fieldset',
      { class: 'minutes' },
      h('legend', {}, 'Minutes'),
      field('Intros', intro),
      field('Per question', round),
      field('Table talk', talk),
      field('Wrap-up', wrapup),
  );
  const syncMode = () => {
    const slowMode = modeSlow.checked;
    slowBox.hidden = !slowMode;
    minutesBox.hidden = slowMode;
    start.required = slowMode;
    startLabel.textContent = slowMode ? 'First release (local time in that zone)' : 'Start (local time in that zone)';
    startHint.textContent = slowMode ? 'When the first question comes out.' : 'Leave empty to start it yourself as moderator.';
  };
  modeLive.addEventListener('change', syncMode);
  modeSlow.addEventListener('change', syncMode);

  const form = h(
    'form',
    { class: 'create-form', 'data-testid': 'create-form' },
    h('h2', {}, 'Create a chat'),
    field('Hashtag', hashtag),
    field('Title', title),
    field('Description', description),
    h(
      'fieldset',
      { class: 'mode' },
      h('legend', {}, 'Kind of chat'),
      h('label', { class: 'check' }, modeLive, ' Live: one evening, a question every few minutes'),
      h('label', { class: 'check' }, modeSlow, ' Slow: questions released over days, each open until the chat closes'),
    ),
    field('Time zone of the chat', h('span', {}, tz, tzList), `Your zone is ${zone}.`),
    h('label', { class: 'field' }, startLabel, start, startHint),
    field('Questions, one per line', questions),
    slowBox,
    minutesBox,
    h(
      'fieldset',
      { class: 'options' },
      h('legend', {}, 'Moderation'),
      h(
        'label',
        { class: 'check' },
        premoderation,
        ' Pre-moderation: participants’ posts wait until a moderator approves them',
      ),
      field('Slow-down: seconds between two posts of one participant', slowdown, '0 for no limit, e.g. 30 for one post every 30 s.'),
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
      out.append(h('p', { class: 'error' }, 'Add at least one question.'));
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
      out.append(h('p', { class: 'error' }, 'Slow-down is a whole number of seconds from 0 to 3600.'));
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
        out.append(h('p', { class: 'error' }, `Could not create the chat: ${errorText(e)}`));
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
  if (!v.start) return 'A slow chat needs the date and time of its first release.';
  const close = Number(v.closeAfter || 24);
  if (!Number.isInteger(close) || close < 1 || close > 720) return 'Close after 1 to 720 hours.';
  if (v.daily) {
    if (v.releaseTime && !/^([01]\d|2[0-3]):[0-5]\d$/.test(v.releaseTime)) return 'The daily release time is HH:MM.';
    return v.releaseTime ? { release_time: v.releaseTime, close_after_hours: close } : { close_after_hours: close };
  }
  const every = Number(v.everyHours);
  if (!Number.isInteger(every) || every < 1 || every > 168) return 'Release every 1 to 168 hours.';
  return { release_every_hours: every, close_after_hours: close };
}

function created(res: CreateSessionResponse): HTMLElement {
  const moderate = location.origin + (res.urls.moderate || `${sessionPath(res.id, 'moderate')}#key=${encodeURIComponent(res.moderator_key)}`);
  return h(
    'div',
    { class: 'created', 'data-testid': 'created' },
    h('h3', {}, 'Your chat is ready'),
    sharePanel(res.id, res.links),
    h(
      'div',
      { class: 'warning' },
      h('strong', {}, 'Moderator link: keep it safe and private. '),
      'It holds your moderator key, which is shown only this once. Anyone with it can run the chat.',
    ),
    linkLine('Moderator link:', moderate, 'moderate-link'),
  );
}
