// The posts waiting for a moderator's approval (pre-moderated chats), each with Approve and Reject.

import { errorText } from './api';
import type { ModEntry, ModState } from './chat_state';
import { clear, h, setText, toast } from './dom';
import { roundBadge } from './feed';
import { t } from './i18n';
import { formatClock } from './time';
import type { ChatClient } from './ws_client';

export class ApprovalQueue {
  readonly el: HTMLElement;
  private count = h('span', { 'data-testid': 'queue-count', hidden: true }, '0');
  private title = h('h2', {}, t('moderator.queue', { n: 0 }), this.count);
  private list = h('div', { class: 'queue-list', 'data-testid': 'mod-queue' });

  constructor(
    private client: ChatClient,
    private mods: ModState,
  ) {
    this.el = h('section', { class: 'panel queue-panel' }, this.title, this.list);
  }

  render(): void {
    const waiting = this.mods.queue();
    setText(this.count, String(waiting.length));
    this.title.firstChild!.textContent = t('moderator.queue', { n: waiting.length });
    clear(this.list);
    if (waiting.length === 0) this.list.append(h('p', { class: 'muted small' }, t('moderator.queue_empty')));
    for (const m of waiting) this.list.append(this.item(m));
  }

  private item(m: ModEntry): HTMLElement {
    const p = m.post;
    const n = m.pending as number;
    const approve = h('button', { type: 'button', class: 'primary small', 'data-testid': 'approve' }, t('moderator.approve'));
    const reject = h('button', { type: 'button', class: 'danger small', 'data-testid': 'reject' }, t('moderator.reject'));
    const decide = (action: 'approve' | 'reject') => {
      approve.disabled = reject.disabled = true;
      this.client
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
}
