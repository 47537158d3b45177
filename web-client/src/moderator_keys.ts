// Co-moderator keys: the owner creates, lists and revokes them (HTTP, with the owner key).

import { createKey, errorText, listKeys, revokeKey } from './api';
import { clear, h, setText } from './dom';
import { t } from './i18n';
import type { ClientError, CreatedKey, KeyInfo } from './protocol';
import { formatLocal } from './time';

/** The "Co-moderators" panel; it loads the list each time it is opened. */
export function keysPanel(id: string, ownerKey: string): HTMLElement {
  return new KeysPanel(id, ownerKey).el;
}

class KeysPanel {
  readonly el: HTMLDetailsElement;
  private label = h('input', { name: 'label', maxlength: 100, placeholder: t('moderator.key_label_example'), 'data-testid': 'key-label', 'aria-label': t('moderator.key_label') });
  private createBtn = h('button', { type: 'submit', 'data-testid': 'key-create' }, t('moderator.key_create'));
  private result = h('div', { class: 'key-result', 'aria-live': 'polite' });
  private errorLine = h('p', { class: 'error', 'data-testid': 'keys-error', 'aria-live': 'polite' });
  private list = h('ul', { class: 'key-list', 'data-testid': 'key-list' });

  constructor(
    private id: string,
    private ownerKey: string,
  ) {
    const form = h('form', { class: 'key-form' }, this.label, this.createBtn);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.create();
    });
    this.el = h(
      'details',
      { class: 'panel keys-panel', 'data-testid': 'keys-panel' },
      h('summary', {}, t('moderator.keys')),
      h('p', { class: 'muted small' }, t('moderator.keys_intro')),
      form,
      this.result,
      this.errorLine,
      this.list,
    );
    this.el.addEventListener('toggle', () => {
      if (this.el.open) this.load();
    });
  }

  private showError(e: unknown): void {
    const err = e as ClientError;
    const owner = err && err.code === 'not_allowed' ? ` ${t('moderator.keys_owner_only')}` : '';
    setText(this.errorLine, `${errorText(e)}${owner}`);
  }

  private load(): void {
    listKeys(this.id, this.ownerKey).then(
      (res) => {
        setText(this.errorLine, '');
        clear(this.list);
        for (const k of res.keys) this.list.append(this.row(k));
        if (res.keys.length === 0) this.list.append(h('li', { class: 'muted small' }, t('moderator.keys_none')));
      },
      (e) => this.showError(e),
    );
  }

  private row(k: KeyInfo): HTMLElement {
    const revoke = h('button', { type: 'button', class: 'danger small', 'data-testid': 'key-revoke' }, t('moderator.revoke'));
    revoke.addEventListener('click', () => {
      if (!window.confirm(t('moderator.revoke_confirm', { label: k.label }))) return;
      revoke.disabled = true;
      revokeKey(this.id, this.ownerKey, k.key_id).then(
        () => this.load(),
        (e) => {
          revoke.disabled = false;
          this.showError(e);
        },
      );
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
  }

  private create(): void {
    this.createBtn.disabled = true;
    clear(this.result);
    createKey(this.id, this.ownerKey, this.label.value.trim()).then(
      (res) => {
        this.createBtn.disabled = false;
        this.label.value = '';
        setText(this.errorLine, '');
        this.result.append(...this.created(res));
        this.load();
      },
      (e) => {
        this.createBtn.disabled = false;
        this.showError(e);
      },
    );
  }

  /** The new key's link, shown once, with a warning and a copy button. */
  private created(res: CreatedKey): HTMLElement[] {
    const url = location.origin + (res.urls?.moderate || `/s/${encodeURIComponent(this.id)}/moderate#key=${encodeURIComponent(res.key)}`);
    const copy = h('button', { type: 'button', class: 'small' }, t('moderator.copy'));
    copy.addEventListener('click', () => {
      navigator.clipboard?.writeText(url).then(
        () => (copy.textContent = t('moderator.copied')),
        () => (copy.textContent = t('moderator.copy_by_hand')),
      );
    });
    return [
      h(
        'div',
        { class: 'warning' },
        h('strong', {}, t('moderator.new_key_for', { label: res.label || t('moderator.new_key_someone') })),
        t('moderator.new_key_warning'),
      ),
      h('div', { class: 'link-line' }, h('a', { href: url, class: 'url', 'data-testid': 'new-key-link' }, url), copy),
    ];
  }
}
