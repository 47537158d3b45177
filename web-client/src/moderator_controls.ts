// The moderator's controls of the chat's parts (start / next / extend / pause / resume / end; in a
// slow chat release now / postpone), which of them make sense in each phase, and their keyboard
// shortcuts.

import { errorText } from './api';
import type { ChatState } from './chat_state';
import { h, setText, toast } from './dom';
import { t } from './i18n';
import type { ControlAction, PhaseName } from './protocol';
import type { ChatClient } from './ws_client';

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

/**
 * Keyboard shortcuts for the parts of the evening: N next, E extend, P pause or resume (in a slow
 * chat N releases the next question and E postpones).
 */
const SHORTCUTS: Record<string, ControlAction[]> = { n: ['next', 'release'], e: ['extend', 'postpone'], p: ['pause', 'resume'] };

/** The "Controls" panel: its buttons follow the phase, a live chat's or a slow chat's. */
export class ControlsPanel {
  readonly el: HTMLElement;
  private extendMinutes = h('input', { type: 'number', min: 1, max: 120, value: 2, inputmode: 'numeric', 'aria-label': t('moderator.extend_by'), class: 'minutes-input' });
  private postponeHours = h('input', { type: 'number', min: 0, max: 168, value: 1, inputmode: 'numeric', 'aria-label': t('moderator.postpone_hours'), class: 'minutes-input', 'data-testid': 'postpone-hours' });
  private postponeMins = h('input', { type: 'number', min: 0, max: 59, value: 0, inputmode: 'numeric', 'aria-label': t('moderator.postpone_minutes'), class: 'minutes-input', 'data-testid': 'postpone-minutes' });
  private buttons: Record<ControlAction, HTMLButtonElement>;
  private extendBox: HTMLElement;
  private postponeBox: HTMLElement;

  constructor(private client: ChatClient) {
    this.buttons = this.makeButtons();
    const b = this.buttons;
    this.extendBox = h('span', { class: 'extend' }, b.extend, ' +', this.extendMinutes, ` ${t('moderator.minutes_unit')}`);
    this.postponeBox = h(
      'span',
      { class: 'extend postpone', 'data-testid': 'postpone-box' },
      b.postpone,
      ` ${t('moderator.by')} `,
      this.postponeHours,
      ` ${t('moderator.hours_unit')} `,
      this.postponeMins,
      ` ${t('moderator.minutes_unit')}`,
    );
    const controls = h('div', { class: 'controls' }, b.start, b.next, this.extendBox, b.release, this.postponeBox, b.pause, b.resume, b.end);
    this.el = h(
      'section',
      { class: 'panel controls-panel', 'aria-labelledby': 'controls-title', 'data-testid': 'controls' },
      h('h2', { id: 'controls-title' }, t('moderator.controls')),
      controls,
      shortcutsHelp(),
    );
  }

  /** Enables, shows and labels the controls for the chat's phase (none while offline). */
  update(chat: ChatState): void {
    const p = chat.phase?.phase;
    const slow = chat.isSlow;
    const total = chat.session?.questions.length ?? 0;
    const enabled = !this.client.online
      ? new Set<ControlAction>()
      : slow
        ? enabledSlowControls(p, Math.max(0, chat.maxRoundAsked), total)
        : enabledControls(p);
    const b = this.buttons;
    for (const [action, btn] of Object.entries(b) as [ControlAction, HTMLButtonElement][]) {
      btn.disabled = !enabled.has(action);
    }
    this.extendMinutes.disabled = !enabled.has('extend');
    this.postponeHours.disabled = this.postponeMins.disabled = !enabled.has('postpone');
    b.start.hidden = b.next.hidden = this.extendBox.hidden = slow;
    b.release.hidden = this.postponeBox.hidden = !slow;
    setText(b.postpone, t(slow && chat.maxRoundAsked >= total ? 'moderator.postpone_close' : 'moderator.postpone'));
  }

  /**
   * Listens for the shortcuts on the whole page; returns what stops listening. A key pressed while
   * typing in a field, or with a modifier, or while `blocked()` (a dialog is open), is not one.
   */
  listenForShortcuts(blocked: () => boolean): () => void {
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || blocked()) return;
      const target = ev.target as HTMLElement | null;
      if (target?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return;
      const actions = SHORTCUTS[ev.key.toLowerCase()];
      const btn = actions?.map((a) => this.buttons[a]).find((b) => !b.disabled && !b.hidden && !b.closest('[hidden]'));
      if (!btn) return;
      ev.preventDefault();
      btn.click();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }

  private control(action: ControlAction, minutes?: number): void {
    const msg = minutes === undefined ? { type: 'control' as const, action } : { type: 'control' as const, action, minutes };
    this.client.request(msg).catch((e) => toast(errorText(e)));
  }

  private makeButtons(): Record<ControlAction, HTMLButtonElement> {
    const button = (action: ControlAction, cls: string | undefined, key: string | undefined, onclick: () => void) =>
      h('button', { type: 'button', class: cls, 'data-testid': `ctl-${action}`, 'aria-keyshortcuts': key, onclick }, t(`moderator.${action}`));
    const plain = (action: ControlAction) => () => this.control(action);
    return {
      release: button('release', 'primary', undefined, plain('release')),
      postpone: button('postpone', undefined, undefined, () => this.postpone()),
      start: button('start', 'primary', undefined, plain('start')),
      next: button('next', 'primary', 'N', plain('next')),
      extend: button('extend', undefined, 'E', () => this.extend()),
      pause: button('pause', undefined, 'P', plain('pause')),
      resume: button('resume', undefined, 'P', plain('resume')),
      end: button('end', 'danger', undefined, () => {
        if (window.confirm(t('moderator.end_confirm'))) this.control('end');
      }),
    };
  }

  private postpone(): void {
    const m = postponeMinutes(this.postponeHours.value, this.postponeMins.value);
    if (m === null) {
      toast(t('moderator.postpone_range'));
      return;
    }
    this.control('postpone', m);
  }

  private extend(): void {
    const m = Math.round(Number(this.extendMinutes.value));
    if (!(m >= 1 && m <= 120)) {
      toast(t('moderator.extend_range'));
      return;
    }
    this.control('extend', m);
  }
}

function shortcutsHelp(): HTMLElement {
  return h(
    'div',
    { class: 'shortcuts muted small', 'data-testid': 'shortcuts' },
    h('h3', { class: 'shortcuts-title' }, t('moderator.shortcuts')),
    h('ul', {}, h('li', {}, t('moderator.shortcut_next')), h('li', {}, t('moderator.shortcut_extend')), h('li', {}, t('moderator.shortcut_pause'))),
    h('p', {}, t('moderator.shortcuts_note')),
  );
}
