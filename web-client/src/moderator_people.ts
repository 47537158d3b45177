// Muted and banned people, each with the way back (unmute, unban), and the dialog that asks before a
// ban.

import type { ChatState } from './chat_state';
import { clear, h, setText } from './dom';
import { t } from './i18n';
import type { ModerateAction } from './protocol';

export type ModerateTarget = { seq?: number; handle?: string; pending?: number; ban_address?: boolean };
/** Sends a `moderate` request (a refusal is shown as a toast). */
export type Moderate = (action: ModerateAction, target: ModerateTarget) => void;

export class PeopleList {
  readonly el: HTMLElement;
  private list = h('ul', { class: 'people-list', 'data-testid': 'people' });

  constructor(
    private chat: ChatState,
    private moderate: Moderate,
  ) {
    this.el = h('details', { class: 'panel' }, h('summary', {}, t('moderator.people')), this.list);
  }

  render(): void {
    clear(this.list);
    const rows: HTMLElement[] = [];
    for (const handleKey of [...this.chat.banned].sort()) {
      rows.push(this.row(handleKey, 'banned-handle', t('moderator.banned_row', { handle: handleKey }), 'unban', t('moderator.unban')));
    }
    for (const handleKey of [...this.chat.muted].sort()) {
      rows.push(this.row(handleKey, 'muted-handle', t('moderator.muted_row', { handle: handleKey }), 'unmute', t('moderator.unmute')));
    }
    if (rows.length === 0) rows.push(h('li', { class: 'muted small' }, t('moderator.people_empty')));
    this.list.append(...rows);
  }

  private row(handle: string, testId: string, text: string, undo: ModerateAction, undoLabel: string): HTMLElement {
    return h(
      'li',
      { 'data-testid': testId },
      text,
      h('button', { type: 'button', class: 'small', onclick: () => this.moderate(undo, { handle }) }, undoLabel),
    );
  }
}

/** Asks before a ban; the network-address ban is a separate, unticked, clearly labelled choice. */
export class BanDialog {
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
