// The landing page's "Create a chat" step: the form (a live chat of one evening with timed parts,
// or a slow chat whose questions are released over days), its checks, and the links once the chat
// exists (`POST /api/sessions`).

import { createSession, errorText, type CreateSessionBody } from './api';
import { clear, h } from './dom';
import { field, linkLine, minutes, sessionPath } from './form_bits';
import { t } from './i18n';
import type { CreateSessionResponse, SessionOptions } from './protocol';
import { sharePanel } from './share';
import { viewerZone } from './time';

export function createForm(): HTMLElement {
  return new CreateForm().el;
}

class CreateForm {
  readonly el: HTMLFormElement;
  private zone = viewerZone();
  private hashtag = h('input', { name: 'hashtag', required: true, placeholder: t('landing.hashtag_example'), value: '#', autocapitalize: 'off' });
  private title = h('input', { name: 'title', required: true, maxlength: 200, placeholder: t('landing.title_example') });
  private description = h('textarea', { name: 'description', rows: 2, maxlength: 2000 });
  private tz = h('input', { name: 'timezone', required: true, value: this.zone, list: 'tz-list', autocapitalize: 'off' });
  private start = h('input', { name: 'start', type: 'datetime-local', 'data-testid': 'start' });
  private startLabel = h('span', { class: 'label' }, t('landing.start'));
  private startHint = h('span', { class: 'hint' }, t('landing.start_hint'));
  // Mode: a live chat (one evening, timed parts) or a slow chat (questions released over days).
  private modeLive = h('input', { type: 'radio', name: 'mode', value: 'live', checked: true, 'data-testid': 'mode-live' });
  private modeSlow = h('input', { type: 'radio', name: 'mode', value: 'slow', 'data-testid': 'mode-slow' });
  private questions = h('textarea', { name: 'questions', rows: 6, required: true, placeholder: t('landing.questions_example') });
  private releases = new ReleaseOptions();
  private parts = new PartMinutes();
  private moderation = new ModerationOptions();
  private submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-submit' }, t('landing.submit'));
  private out = h('div', { class: 'create-result', 'aria-live': 'polite' });

  constructor() {
    this.el = h(
      'form',
      { class: 'create-form', 'data-testid': 'create-form' },
      h('h2', {}, t('landing.form_title')),
      field(t('landing.hashtag'), this.hashtag),
      field(t('landing.title_label'), this.title),
      field(t('landing.description'), this.description),
      h(
        'fieldset',
        { class: 'mode' },
        h('legend', {}, t('landing.kind')),
        h('label', { class: 'check' }, this.modeLive, ` ${t('landing.kind_live')}`),
        h('label', { class: 'check' }, this.modeSlow, ` ${t('landing.kind_slow')}`),
      ),
      field(t('landing.zone'), h('span', {}, this.tz, zoneList()), t('landing.zone_hint', { zone: this.zone })),
      h('label', { class: 'field' }, this.startLabel, this.start, this.startHint),
      field(t('landing.questions'), this.questions),
      this.releases.el,
      this.parts.el,
      this.moderation.el,
      this.submit,
      this.out,
    );
    this.modeLive.addEventListener('change', () => this.syncMode());
    this.modeSlow.addEventListener('change', () => this.syncMode());
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clear(this.out);
      const body = this.body();
      if (typeof body === 'string') {
        this.out.append(h('p', { class: 'error' }, body));
        return;
      }
      this.send(body);
    });
  }

  /** A slow chat needs a first release instead of a start, and has releases instead of minutes. */
  private syncMode(): void {
    const slowMode = this.modeSlow.checked;
    this.releases.el.hidden = !slowMode;
    this.parts.el.hidden = slowMode;
    this.start.required = slowMode;
    this.startLabel.textContent = t(slowMode ? 'landing.first_release' : 'landing.start');
    this.startHint.textContent = t(slowMode ? 'landing.first_release_hint' : 'landing.start_hint');
  }

  /** The creation body from the fields, or what is wrong with them. */
  private body(): CreateSessionBody | string {
    let tag = this.hashtag.value.trim();
    if (tag && !tag.startsWith('#')) tag = `#${tag}`;
    const qs = this.questions.value
      .split('\n')
      .map((q) => q.trim())
      .filter((q) => q.length > 0);
    if (qs.length === 0) return t('landing.no_questions');
    const slowMode = this.modeSlow.checked;
    const body: CreateSessionBody = {
      hashtag: tag,
      title: this.title.value.trim(),
      description: this.description.value.trim(),
      mode: slowMode ? 'slow' : 'live',
      timezone: this.tz.value.trim(),
      questions: qs,
    };
    if (slowMode) {
      const rule = this.releases.rule(this.start.value);
      if (typeof rule === 'string') return rule;
      Object.assign(body, rule);
    } else {
      Object.assign(body, this.parts.values());
    }
    const options = this.moderation.options();
    if (typeof options === 'string') return options;
    body.options = options;
    const start = this.start.value;
    if (start) body.start = start.length === 16 ? `${start}:00` : start;
    return body;
  }

  private send(body: CreateSessionBody): void {
    this.submit.disabled = true;
    createSession(body)
      .then((res) => {
        this.el.querySelectorAll('input, textarea, button').forEach((el) => el.setAttribute('disabled', ''));
        this.out.append(created(res));
      })
      .catch((e) => {
        this.submit.disabled = false;
        this.out.append(h('p', { class: 'error' }, t('landing.create_error', { reason: errorText(e) })));
      });
  }
}

/** The browser's time zones to pick from (older browsers: free text). */
function zoneList(): HTMLElement {
  const list = h('datalist', { id: 'tz-list' });
  try {
    const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    for (const z of zones) list.append(h('option', { value: z }));
  } catch {
    // Older browsers: free text.
  }
  return list;
}

/** A slow chat's releases: one a day (at a time) or one every N hours, and when it closes. */
class ReleaseOptions {
  readonly el: HTMLElement;
  private ruleDaily = h('input', { type: 'radio', name: 'rule', value: 'daily', checked: true, 'data-testid': 'rule-daily' });
  private ruleEvery = h('input', { type: 'radio', name: 'rule', value: 'every', 'data-testid': 'rule-every' });
  private releaseTime = h('input', { type: 'time', name: 'release_time', 'data-testid': 'release-time' });
  private everyHours = h('input', { type: 'number', name: 'release_every_hours', value: 24, min: 1, max: 168, step: 1, inputmode: 'numeric', 'data-testid': 'every-hours' });
  private closeAfter = h('input', { type: 'number', name: 'close_after_hours', value: 24, min: 1, max: 720, step: 1, inputmode: 'numeric', 'data-testid': 'close-after' });

  constructor() {
    this.el = h(
      'fieldset',
      { class: 'slow-options', 'data-testid': 'slow-options', hidden: true },
      h('legend', {}, t('landing.releases')),
      h('label', { class: 'check' }, this.ruleDaily, ` ${t('landing.daily')} `),
      this.releaseTime,
      h('span', { class: 'hint' }, ` ${t('landing.daily_hint')}`),
      h('label', { class: 'check' }, this.ruleEvery, ` ${t('landing.every')} `),
      this.everyHours,
      ` ${t('landing.hours')}`,
      field(t('landing.close_after'), this.closeAfter, t('landing.close_after_hint')),
    );
  }

  /** `start` is the first release (the datetime-local value). */
  rule(start: string): ReturnType<typeof slowRule> {
    return slowRule({
      start,
      daily: this.ruleDaily.checked,
      releaseTime: this.releaseTime.value,
      everyHours: this.everyHours.value,
      closeAfter: this.closeAfter.value,
    });
  }
}

/** A live chat's parts, in minutes. */
class PartMinutes {
  readonly el: HTMLElement;
  private intro = minutes('intro_minutes', 5, 0, 60);
  private round = minutes('round_minutes', 8, 1, 240);
  private talk = minutes('talk_minutes', 0, 0, 240);
  private wrapup = minutes('wrapup_minutes', 5, 0, 120);

  constructor() {
    this.el = h(
      'fieldset',
      { class: 'minutes' },
      h('legend', {}, t('landing.minutes')),
      field(t('landing.intro'), this.intro),
      field(t('landing.per_question'), this.round),
      field(t('landing.talk'), this.talk),
      field(t('landing.wrapup'), this.wrapup),
    );
  }

  values(): Pick<CreateSessionBody, 'intro_minutes' | 'round_minutes' | 'talk_minutes' | 'wrapup_minutes'> {
    return {
      intro_minutes: Number(this.intro.value),
      round_minutes: Number(this.round.value),
      talk_minutes: Number(this.talk.value),
      wrapup_minutes: Number(this.wrapup.value),
    };
  }
}

/** Moderation: pre-moderation, and the slow-down between a person's posts. */
class ModerationOptions {
  readonly el: HTMLElement;
  private premoderation = h('input', { type: 'checkbox', name: 'premoderation', 'data-testid': 'opt-premoderation' });
  private slowdown = h('input', {
    type: 'number',
    name: 'slowdown_seconds',
    value: 0,
    min: 0,
    max: 3600,
    step: 1,
    inputmode: 'numeric',
    'data-testid': 'opt-slowdown',
  });

  constructor() {
    this.el = h(
      'fieldset',
      { class: 'options' },
      h('legend', {}, t('landing.moderation')),
      h(
        'label',
        { class: 'check' },
        this.premoderation,
        ` ${t('landing.premoderation')}`,
      ),
      field(t('landing.slowdown'), this.slowdown, t('landing.slowdown_hint')),
    );
  }

  /** The session's options, or what is wrong with them. */
  options(): SessionOptions | string {
    const slow = Number(this.slowdown.value || 0);
    if (!Number.isInteger(slow) || slow < 0 || slow > 3600) return t('landing.slowdown_bad');
    return { premoderation: this.premoderation.checked, slowdown_seconds: slow };
  }
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
