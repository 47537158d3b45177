// What a screen reader hears as the chat goes on: one polite `role="log"` region per live page.
// New answers are read one by one (author, then text) as they arrive live; a backlog (joining a
// chat already going, or catching up after a reconnect) is read as one summary ("12 new answers");
// phase changes and the one-minute warning are read as they happen. The region keeps its last few
// lines only (a screen reader reads additions, not the whole log).

import { h } from './dom';
import { t } from './i18n';

const KEEP = 6;

export class Announcer {
  readonly el = h('div', { class: 'sr-only', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'data-testid': 'announcer' });
  /** Posts counted while catching up, announced as one summary when the catch-up ends. */
  private backlog = 0;

  say(text: string): void {
    this.el.append(h('p', {}, text));
    while (this.el.childElementCount > KEEP) this.el.firstElementChild?.remove();
  }

  /** A new post by someone else: live ones are read out; caught-up ones are counted. */
  post(p: { name: string; text: string; reply: boolean }, live: boolean): void {
    if (!live) {
      this.backlog += 1;
      return;
    }
    this.say(t(p.reply ? 'live.sr_reply' : 'live.sr_post', { name: p.name, text: p.text }));
  }

  /** The catch-up is over (the log reached the welcome's head): one summary of what came in. */
  caughtUp(): void {
    if (this.backlog > 0) this.say(t('live.sr_backlog', { n: this.backlog }));
    this.backlog = 0;
  }
}
