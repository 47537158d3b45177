// Slow chats on the participant's page: one tab per released question, each with how many answers
// are new since the participant last looked at it (remembered per session and handle in
// localStorage, as the last seq seen per question). The selected tab's question is the one the
// feed shows and the composer answers.

import type { ChatState } from './chat_state';
import { clear, h, setText } from './dom';
import { newAnswerCounts, newestSeqIn, SeenStore } from './slow';
import { formatDayTime } from './time';

export class SlowTabs {
  readonly el: HTMLElement;
  private list = h('div', { class: 'q-tabs', role: 'tablist', 'aria-label': 'Questions', 'data-testid': 'q-tabs' });
  private info = h('div', { class: 'q-tab-info muted small', 'data-testid': 'q-tab-info' });
  private selected: number | null = null;
  /** The participant chose a tab: a newly released question then does not take the view over. */
  private picked = false;
  private onVisible = () => {
    if (document.visibilityState === 'visible') this.refresh();
  };

  constructor(
    private chat: ChatState,
    private seen: SeenStore,
    private onSelect: (round: number | null) => void,
  ) {
    this.el = h('nav', { class: 'q-tabs-box' }, this.list, this.info);
    this.list.addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest('button');
      if (!btn || btn.dataset.round === undefined) return;
      this.picked = true;
      this.select(Number(btn.dataset.round));
    });
    document.addEventListener('visibilitychange', this.onVisible);
  }

  destroy(): void {
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  get round(): number | null {
    return this.selected;
  }

  /** Released questions or posts changed: redraw the tabs and counts. */
  refresh(): void {
    const rounds = this.chat.releasedRounds();
    const newest = rounds.length ? rounds[rounds.length - 1].round : null;
    if (this.selected === null || (!this.picked && newest !== null && newest > this.selected) || (this.selected !== null && newest !== null && this.selected > newest)) {
      if (newest !== this.selected) {
        this.selected = newest;
        this.onSelect(this.selected);
      }
    }
    this.markSelectedSeen();
    const counts = newAnswerCounts(this.chat, (r) => this.seen.lastSeen(r));
    clear(this.list);
    for (const r of rounds) {
      const n = counts.get(r.round) ?? 0;
      const sel = r.round === this.selected;
      this.list.append(
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: `q-tab${sel ? ' selected' : ''}`,
            'aria-selected': sel ? 'true' : 'false',
            'data-round': r.round,
            'data-testid': 'q-tab',
            title: r.question ?? `Q${r.round}`,
          },
          h('span', { class: 'q-tab-label' }, `Q${r.round}`),
          n > 0 ? h('span', { class: 'new-count', 'data-testid': 'new-count', 'aria-label': `${n} new answers` }, `${n} new`) : null,
        ),
      );
    }
    if (rounds.length === 0) this.list.append(h('span', { class: 'muted small' }, 'No question is out yet.'));
    const cur = rounds.find((r) => r.round === this.selected);
    if (cur?.release) {
      const late = Date.parse(cur.release.released_at) - Date.parse(cur.release.scheduled_at);
      const when = formatDayTime(cur.release.released_at);
      const note = Math.abs(late) >= 60_000 ? ` (scheduled for ${formatDayTime(cur.release.scheduled_at)})` : '';
      setText(this.info, `Q${cur.round} was released ${when} your time${note}.`);
    } else {
      setText(this.info, '');
    }
  }

  private select(round: number): void {
    if (round !== this.selected) {
      this.selected = round;
      this.onSelect(round);
    }
    this.refresh();
  }

  /** The selected question's answers are on screen: they are seen (only while the page is visible). */
  private markSelectedSeen(): void {
    if (this.selected === null || document.visibilityState === 'hidden') return;
    this.seen.markSeen(this.selected, newestSeqIn(this.chat, this.selected));
  }
}
