// A slow chat's release schedule on the console: the questions out (and when), the ones to come
// (and when), and when the chat closes, in the chat's time zone.

import type { ChatState } from './chat_state';
import { clear, h, setText } from './dom';
import { t } from './i18n';
import { slowSchedule } from './slow';
import { formatDayTime } from './time';

export class SchedulePanel {
  readonly el: HTMLElement;
  private list = h('ol', { class: 'release-schedule', 'data-testid': 'release-schedule' });
  private zone = h('p', { class: 'muted small', 'data-testid': 'schedule-zone' });

  constructor(private chat: ChatState) {
    this.el = h('section', { class: 'panel schedule-panel', 'data-testid': 'schedule-panel', hidden: true }, h('h2', {}, t('moderator.schedule')), this.zone, this.list);
  }

  /** Shown for a slow chat only. */
  update(): void {
    const slow = this.chat.isSlow;
    this.el.hidden = !slow;
    if (slow) this.render();
  }

  private render(): void {
    const chat = this.chat;
    const schedule = this.list;
    const sched = slowSchedule(chat);
    const zone = chat.session?.timezone ?? '';
    setText(this.zone, t('moderator.schedule_zone', { zone }) + (sched.paused ? ` ${t('moderator.schedule_paused')}` : ''));
    clear(schedule);
    for (const r of chat.releasedRounds()) {
      const rel = r.release;
      schedule.append(
        h(
          'li',
          { class: 'tt-asked', 'data-testid': 'schedule-released', 'data-round': r.round },
          h('span', { class: 'badge q' }, `Q${r.round}`),
          ' ',
          r.question ?? '',
          h('span', { class: 'muted small' }, rel ? t('moderator.released_at', { when: formatDayTime(rel.released_at) }) : t('moderator.released')),
        ),
      );
    }
    for (const u of sched.upcoming) {
      const next = sched.next?.round === u.round;
      schedule.append(
        h(
          'li',
          { class: next ? 'tt-current' : 'tt-upcoming', 'data-testid': 'schedule-upcoming', 'data-round': u.round },
          h('span', { class: 'badge q' }, `Q${u.round}`),
          ' ',
          u.question ?? '',
          h('span', { class: 'muted small', 'data-testid': 'schedule-at' }, next ? t('moderator.next_at', { when: formatDayTime(u.at) }) : ` · ${formatDayTime(u.at)}`),
        ),
      );
    }
    if (sched.closesAt) schedule.append(h('li', { class: 'tt-close', 'data-testid': 'schedule-close' }, t('moderator.closes', { when: formatDayTime(sched.closesAt) })));
    if (sched.closed) schedule.append(h('li', { class: 'tt-close', 'data-testid': 'schedule-close' }, t('moderator.closed')));
  }
}
