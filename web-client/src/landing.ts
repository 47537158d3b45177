// `/`: the list of chats and the form that creates one.

import { createSession, errorText, listSessions, type CreateSessionBody } from './api';
import { clear, h } from './dom';
import { phaseLabel } from './live';
import type { CreateSessionResponse, SessionInfo } from './protocol';
import { describeInstant, viewerZone } from './time';

export function sessionPath(id: string, page?: 'moderate' | 'screen'): string {
  return `/s/${encodeURIComponent(id)}${page ? `/${page}` : ''}`;
}

export function renderLanding(root: HTMLElement): void {
  document.title = 'hashchat';
  const list = h('ul', { class: 'session-list', 'data-testid': 'sessions' }, h('li', { class: 'muted' }, 'Loading…'));
  root.append(
    h('header', { class: 'top' }, h('h1', {}, 'hashchat'), h('p', { class: 'muted' }, 'Scheduled hashtag chats: questions Q1, Q2… answers A1, A2…')),
    h('main', { class: 'page' }, h('section', {}, h('h2', {}, 'Chats'), list), createForm()),
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
  const when =
    s.phase?.phase === 'scheduled' && s.start ? `Starts ${describeInstant(s.start, s.timezone)}` : phaseLabel(s.phase ?? null);
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
    ),
  );
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);
}

function minutes(name: string, value: number, min: number, max: number): HTMLInputElement {
  return h('input', { type: 'number', name, value, min, max, step: 1, inputmode: 'numeric', required: true });
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
  const start = h('input', { name: 'start', type: 'datetime-local' });
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

  const form = h(
    'form',
    { class: 'create-form', 'data-testid': 'create-form' },
    h('h2', {}, 'Create a chat'),
    field('Hashtag', hashtag),
    field('Title', title),
    field('Description', description),
    field('Time zone of the chat', h('span', {}, tz, tzList), `Your zone is ${zone}.`),
    field('Start (local time in that zone)', start, 'Leave empty to start it yourself as moderator.'),
    field('Questions, one per line', questions),
    h(
      'fieldset',
      { class: 'minutes' },
      h('legend', {}, 'Minutes'),
      field('Intros', intro),
      field('Per question', round),
      field('Table talk', talk),
      field('Wrap-up', wrapup),
    ),
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
    const body: CreateSessionBody = {
      hashtag: tag,
      title: title.value.trim(),
      description: description.value.trim(),
      mode: 'live',
      timezone: tz.value.trim(),
      questions: qs,
      intro_minutes: Number(intro.value),
      round_minutes: Number(round.value),
      talk_minutes: Number(talk.value),
      wrapup_minutes: Number(wrapup.value),
    };
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

function linkLine(label: string, url: string, testid: string): HTMLElement {
  const copy = h('button', { type: 'button', class: 'small' }, 'Copy');
  copy.addEventListener('click', () => {
    navigator.clipboard?.writeText(url).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = 'Select and copy'),
    );
  });
  return h('div', { class: 'link-line' }, h('span', { class: 'label' }, label), h('a', { href: url, 'data-testid': testid, class: 'url' }, url), copy);
}

function created(res: CreateSessionResponse): HTMLElement {
  const origin = location.origin;
  const join = origin + (res.urls.join || sessionPath(res.id));
  const moderate = origin + (res.urls.moderate || `${sessionPath(res.id, 'moderate')}#key=${encodeURIComponent(res.moderator_key)}`);
  const screen = origin + (res.urls.screen || sessionPath(res.id, 'screen'));
  return h(
    'div',
    { class: 'created', 'data-testid': 'created' },
    h('h3', {}, 'Your chat is ready'),
    linkLine('Share this join link:', join, 'join-link'),
    linkLine('Pub screen:', screen, 'screen-link'),
    h(
      'div',
      { class: 'warning' },
      h('strong', {}, 'Moderator link: keep it safe and private. '),
      'It holds your moderator key, which is shown only this once. Anyone with it can run the chat.',
    ),
    linkLine('Moderator link:', moderate, 'moderate-link'),
  );
}
