// Chat series: `/series/{id}` (the series, its upcoming and past sessions, calendar links) and the
// "Create a chat series" form of the landing page (POST /api/series).

import { archivePath, EMPTY_FILTER, filterToQuery } from './archive_query';
import { createSeries, errorCode, errorText, getSeries, seriesCalendarPath, sessionCalendarPath } from './api';
import { clear, h } from './dom';
import { field, linkLine, minutes, sessionPath } from './form_bits';
import { t } from './i18n';
import { phaseLabel } from './phase_label';
import { prefsBar } from './prefs';
import type { CreateSeriesResponse, SeriesInfo, SessionInfo } from './protocol';
import { seriesBody, seriesRuleText, splitSessions, WEEKDAYS, weekdayName } from './series_rule';
import { viewerZone, yourTime } from './time';

export function seriesPath(id: string): string {
  return `/series/${encodeURIComponent(id)}`;
}

export function renderSeries(root: HTMLElement, id: string): void {
  document.title = t('series.doc_title', { series: id });
  const body = h('main', { class: 'page series-page', 'data-testid': 'series-page' }, h('p', { class: 'muted' }, t('series.loading')));
  const title = h('h1', { class: 'hashtag', 'data-testid': 'series-hashtag' }, id);
  const subtitle = h('p', { class: 'title', dir: 'auto', 'data-testid': 'series-title' });
  root.append(h('header', { class: 'top' }, h('div', { class: 'top-row' }, h('p', { class: 'small' }, h('a', { href: '/' }, t('series.all_chats'))), prefsBar()), title, subtitle), body);
  getSeries(id).then(
    (s) => {
      title.textContent = s.hashtag;
      subtitle.textContent = s.title;
      document.title = t('series.doc_title', { series: `${s.hashtag} ${s.title}` });
      clear(body);
      body.append(...seriesContent(s));
    },
    (e) => {
      clear(body);
      const missing = errorCode(e) === 'not_found';
      body.append(
        h('p', { class: 'error', 'data-testid': 'series-error' }, missing ? t('series.no_such_series') : t('series.load_error', { reason: errorText(e) })),
      );
    },
  );
}

function seriesContent(s: SeriesInfo): HTMLElement[] {
  const { upcoming, past } = splitSessions(s.sessions ?? []);
  const calUrl = location.origin + seriesCalendarPath(s.id);
  const out: HTMLElement[] = [];
  if (s.description) out.push(h('p', { class: 'description', dir: 'auto', 'data-testid': 'series-description' }, s.description));
  out.push(
    h('p', { class: 'series-rule', 'data-testid': 'series-rule' }, seriesRuleText(s)),
    h('p', { class: 'muted small', 'data-testid': 'series-zone-note' }, t('series.zone_note', { zone: viewerZone() })),
    h(
      'section',
      { class: 'panel calendar-panel' },
      h('h2', {}, t('series.calendar')),
      h('p', {}, h('a', { href: seriesCalendarPath(s.id), class: 'button', hreflang: 'en', 'data-testid': 'series-calendar' }, t('series.subscribe'))),
      h('p', { class: 'muted small' }, t('series.subscribe_hint')),
      h('p', { class: 'url small', 'data-testid': 'series-calendar-url' }, calUrl),
    ),
    h('h2', {}, t('series.upcoming')),
    sessionList(upcoming, 'series-upcoming', t('series.no_upcoming')),
    h('h2', {}, t('series.past')),
    sessionList(past, 'series-past', t('series.no_past')),
    h('p', {}, h('a', { href: `${archivePath()}?${filterToQuery({ ...EMPTY_FILTER, series: s.id })}`, 'data-testid': 'series-archive' }, t('series.in_archive'))),
  );
  return out;
}

function sessionList(sessions: SessionInfo[], testid: string, empty: string): HTMLElement {
  const list = h('ul', { class: 'session-list', 'data-testid': testid });
  if (sessions.length === 0) list.append(h('li', { class: 'muted' }, empty));
  for (const s of sessions) list.append(sessionItem(s));
  return list;
}

function sessionItem(s: SessionInfo): HTMLElement {
  const phase = s.phase?.phase;
  const state = phase === 'scheduled' ? '' : phase === 'closed' ? t('series.over') : t('series.on_now', { phase: phaseLabel(s.phase) });
  const questions =
    s.questions && s.questions.length > 0
      ? h('ol', { class: 'series-questions', 'data-testid': 'session-questions' }, ...s.questions.map((q) => h('li', { dir: 'auto' }, q.text)))
      : h('p', { class: 'muted small', 'data-testid': 'questions-to-come' }, t('series.questions_to_come'));
  return h(
    'li',
    { class: 'session-row', 'data-testid': 'series-session', 'data-id': s.id },
    h(
      'div',
      {},
      s.start ? h('time', { datetime: s.start, 'data-testid': 'session-when' }, yourTime(s.start, s.timezone)) : h('span', { 'data-testid': 'session-when' }, t('series.not_scheduled')),
      state ? h('span', { class: 'badge', 'data-testid': 'session-state' }, state) : null,
    ),
    s.title ? h('div', { class: 'muted small', dir: 'auto' }, s.title) : null,
    questions,
    h(
      'div',
      { class: 'row-links' },
      h('a', { href: sessionPath(s.id), class: 'button primary', 'data-testid': 'session-join' }, phase === 'closed' ? t('series.see_chat') : t('series.join')),
      phase === 'closed' ? h('a', { href: archivePath(s.id), class: 'button', 'data-testid': 'session-archive' }, t('series.archive')) : null,
      s.start ? h('a', { href: sessionCalendarPath(s.id), class: 'button', hreflang: 'en', 'data-testid': 'session-ics' }, t('series.add_to_calendar')) : null,
    ),
  );
}

// ---- the creation form ----

export function seriesForm(): HTMLElement {
  const zone = viewerZone();
  const hashtag = h('input', { name: 'hashtag', required: true, placeholder: t('series.hashtag_example'), value: '#', autocapitalize: 'off', 'data-testid': 'series-hashtag-input' });
  const title = h('input', { name: 'title', required: true, maxlength: 200, placeholder: t('series.title_example'), 'data-testid': 'series-title-input' });
  const description = h('textarea', { name: 'description', rows: 2, maxlength: 2000, 'data-testid': 'series-description-input' });
  const tz = h('input', { name: 'timezone', required: true, value: zone, list: 'tz-list', autocapitalize: 'off', 'data-testid': 'series-timezone' });
  const weekday = h('select', { name: 'weekday', required: true, 'data-testid': 'series-weekday' }, ...WEEKDAYS.map((d) => h('option', { value: d, selected: d === 'thursday' }, weekdayName(d))));
  const time = h('input', { name: 'time', type: 'time', required: true, value: '20:00', 'data-testid': 'series-time' });
  const every = h('input', { name: 'every_weeks', type: 'number', min: 1, max: 4, step: 1, value: 1, inputmode: 'numeric', required: true, 'data-testid': 'series-every' });
  const firstDate = h('input', { name: 'first_date', type: 'date', 'data-testid': 'series-first-date' });
  const count = h('input', { name: 'count', type: 'number', min: 1, max: 12, step: 1, value: 4, inputmode: 'numeric', required: true, 'data-testid': 'series-count' });
  const intro = minutes('intro_minutes', 5, 0, 60);
  const round = minutes('round_minutes', 8, 1, 240);
  const talk = minutes('talk_minutes', 0, 0, 240);
  const wrapup = minutes('wrapup_minutes', 5, 0, 120);
  const rule = h('p', { class: 'muted small', 'data-testid': 'series-rule-preview' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'series-create' }, t('series.create'));
  const out = h('div', { class: 'create-result', 'aria-live': 'polite' });
  const preview = () => {
    rule.textContent = seriesRuleText({ weekday: weekday.value, time: time.value, timezone: tz.value, every_weeks: Number(every.value) || 1 });
  };
  for (const el of [tz, weekday, time, every]) el.addEventListener('input', preview);
  preview();

  const form = h(
    'form',
    { class: 'create-form series-form', 'data-testid': 'series-form' },
    h('h2', {}, t('series.form_title')),
    h('p', { class: 'muted small' }, t('series.form_intro')),
    field(t('series.hashtag'), hashtag),
    field(t('series.title_label'), title),
    field(t('series.description'), description),
    field(t('series.timezone'), tz, t('series.your_zone', { zone })),
    field(t('series.weekday'), weekday),
    field(t('series.time'), time),
    field(t('series.every'), every, t('series.every_hint')),
    field(t('series.first_date'), firstDate, t('series.first_date_hint')),
    field(t('series.count'), count, t('series.count_hint')),
    rule,
    h(
      'fieldset',
      { class: 'minutes' },
      h('legend', {}, t('series.minutes')),
      field(t('series.intro_minutes'), intro),
      field(t('series.round_minutes'), round),
      field(t('series.talk_minutes'), talk),
      field(t('series.wrapup_minutes'), wrapup),
    ),
    submit,
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(out);
    const body = seriesBody({
      hashtag: hashtag.value,
      title: title.value,
      description: description.value,
      timezone: tz.value,
      weekday: weekday.value,
      time: time.value,
      everyWeeks: every.value,
      firstDate: firstDate.value,
      count: count.value,
      intro: intro.value,
      round: round.value,
      talk: talk.value,
      wrapup: wrapup.value,
    });
    if (typeof body === 'string') {
      out.append(h('p', { class: 'error', 'data-testid': 'series-form-error' }, body));
      return;
    }
    submit.disabled = true;
    createSeries(body).then(
      (res) => {
        form.querySelectorAll('input, textarea, select, button[type=submit]').forEach((el) => el.setAttribute('disabled', ''));
        out.append(seriesCreated(res, body.timezone));
      },
      (e) => {
        submit.disabled = false;
        out.append(h('p', { class: 'error', 'data-testid': 'series-form-error' }, t('series.create_error', { reason: errorText(e) })));
      },
    );
  });
  return form;
}

function seriesCreated(res: CreateSeriesResponse, zone: string): HTMLElement {
  const origin = location.origin;
  const key = res.moderator_key;
  const copyKey = h('button', { type: 'button', class: 'small' }, t('series.copy'));
  copyKey.addEventListener('click', () => {
    navigator.clipboard?.writeText(key).then(
      () => (copyKey.textContent = t('series.copied')),
      () => (copyKey.textContent = t('series.copy_failed')),
    );
  });
  const sessions = h('ul', { class: 'session-list', 'data-testid': 'series-created-sessions' });
  for (const s of res.sessions ?? []) {
    const moderate = origin + (s.urls?.moderate || `${sessionPath(s.id, 'moderate')}#key=${encodeURIComponent(key)}`);
    sessions.append(
      h(
        'li',
        { class: 'session-row', 'data-testid': 'series-created-session', 'data-id': s.id },
        h('strong', {}, s.id),
        ' ',
        h('span', { class: 'muted small' }, yourTime(s.start, zone)),
        linkLine(t('series.moderator_link'), moderate, 'series-moderate-link'),
      ),
    );
  }
  return h(
    'div',
    { class: 'created', 'data-testid': 'series-created' },
    h('h3', {}, t('series.ready')),
    linkLine(t('series.share'), origin + (res.urls?.series || seriesPath(res.id)), 'series-link'),
    h(
      'div',
      { class: 'warning' },
      h('strong', {}, t('series.key_warning')),
      ' ',
      t('series.key_once'),
    ),
    h('div', { class: 'link-line' }, h('span', { class: 'label' }, t('series.key_label')), h('code', { class: 'url', 'data-testid': 'series-key' }, key), copyKey),
    h('h4', {}, t('series.sessions')),
    sessions,
  );
}
