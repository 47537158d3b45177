// The moderation log: what the moderators did, newest first, in the reader's language.

import type { ModEntry, ModState } from './chat_state';
import { clear, h } from './dom';
import { t, type Key } from './i18n';
import { formatClock } from './time';

export class ModLog {
  readonly el: HTMLElement;
  private list = h('ol', { class: 'mod-log', 'data-testid': 'mod-log', reversed: true });

  constructor(private mods: ModState) {
    this.el = h('details', { class: 'panel' }, h('summary', {}, t('moderator.log')), this.list);
  }

  render(): void {
    clear(this.list);
    const entries = this.mods.entries.filter((m) => m.kind !== 'pending');
    if (entries.length === 0) this.list.append(h('li', { class: 'muted small' }, t('moderator.log_empty')));
    for (let i = entries.length - 1; i >= 0; i--) {
      const m = entries[i];
      this.list.append(
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
}

/** A line of the moderation log, in the reader's language. */
function modText(m: ModEntry): string {
  const params = { seq: m.target ?? '', handle: m.handle ?? '', pending: m.pending ?? '', author: m.post?.author ?? '?', detail: m.detail ?? '' };
  if (m.kind === 'ban' && m.ban_address) return t('moderator.log_ban_address', params);
  const known = ['pending', 'approve', 'reject', 'hide', 'unhide', 'pin', 'unpin', 'delete', 'mute', 'unmute', 'ban', 'unban', 'control'];
  return known.includes(m.kind) ? t(`moderator.log_${m.kind}` as Key, params) : m.kind;
}
