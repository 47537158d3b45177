// `/s/{id}` after joining: the participant's chat on a phone. A compact header that scrolls away,
// the phase bar (question and countdown) that stays, filters (all / this question / mine /
// mentions of me), the feed, "N new answers ↓" while scrolled up, the answer box at the bottom, and
// what a screen reader hears (announce.ts). A closed chat turns read-only: no answer box, a link to
// its archive and "your evening" (your answers, replies to you, mentions of you, your likes).

import { Announcer } from './announce';
import { errorText } from './api';
import type { ChatState, PostItem } from './chat_state';
import { Composer } from './composer';
import { clear, h, safeStorage, setText, toast } from './dom';
import { FeedView, mentions, stickToBottom, type FeedFilter, type FeedMode } from './feed';
import { t } from './i18n';
import { ConnBanner, openLive, PhaseView, StatusView, type Live } from './live';
import { joinErrorText, meKey, showJoin, type Me } from './participant';
import { prefsBar } from './prefs';
import type { SessionInfo } from './protocol';
import { SeenStore, seenKey } from './slow';
import { SlowTabs } from './slow_tabs';

/** The final page after a ban (or a close by policy): no join form, no reconnecting. */
function showRemoved(root: HTMLElement, id: string, s: SessionInfo | null, banned: boolean): void {
  clear(root);
  document.title = s ? `${s.hashtag} · hashchat` : 'hashchat';
  root.append(
    h('header', { class: 'top' }, h('h1', {}, s ? s.hashtag : id), s ? h('p', { class: 'title' }, s.title) : null),
    h(
      'main',
      { class: 'page' },
      h(
        'div',
        { class: 'final-notice', role: 'alert', 'data-testid': 'banned' },
        h('h2', {}, banned ? t('live.banned_title') : t('live.refused_title')),
        h('p', {}, banned ? t('live.banned_text') : t('live.refused_text')),
        h('p', {}, h('a', { href: '/' }, t('common.all_chats'))),
      ),
    ),
  );
}

/** Whether the page is scrolled to (near) the bottom, where new answers appear. */
function atBottom(): boolean {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
}

/** The filter buttons over the feed, and the choice between the timeline and by question. */
function feedControls(onFilter: (f: FeedFilter) => void, onMode: (m: FeedMode) => void): HTMLElement {
  const filters: [FeedFilter, string][] = [
    ['all', t('live.filter_all')],
    ['round', t('live.filter_round')],
    ['mine', t('live.filter_mine')],
    ['mentions', t('live.filter_mentions')],
  ];
  const group = h('div', { class: 'chips', role: 'group', 'aria-label': t('live.filter_label'), 'data-testid': 'filters' });
  for (const [f, label] of filters) {
    group.append(h('button', { type: 'button', class: 'chip', 'aria-pressed': String(f === 'all'), 'data-filter': f }, label));
  }
  group.addEventListener('click', (ev) => {
    const b = (ev.target as HTMLElement).closest('button');
    if (!b?.dataset.filter) return;
    for (const x of group.querySelectorAll('button')) x.setAttribute('aria-pressed', String(x === b));
    onFilter(b.dataset.filter as FeedFilter);
  });
  const grouped = h('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', 'data-testid': 'by-question' }, t('live.by_question'));
  grouped.addEventListener('click', () => {
    const on = grouped.getAttribute('aria-pressed') !== 'true';
    grouped.setAttribute('aria-pressed', String(on));
    onMode(on ? 'grouped' : 'timeline');
  });
  return h('div', { class: 'feed-controls' }, group, grouped);
}

/** A short list of posts for "your evening", each linking to its place in the archive. */
function eveningList(id: string, posts: PostItem[], testid: string, title: string): HTMLElement {
  const href = (p: PostItem) => `/archive/${encodeURIComponent(id)}#p${p.seq}`;
  return h(
    'details',
    { class: 'evening-part', 'data-testid': testid },
    h('summary', {}, title),
    posts.length === 0
      ? h('p', { class: 'muted' }, t('live.evening_none'))
      : h(
          'ul',
          {},
          ...posts.map((p) =>
            h('li', {}, h('a', { href: href(p) }, p.round !== null ? `A${p.round} ` : '', h('span', { class: 'name' }, p.name), ': ', p.text)),
          ),
        ),
  );
}

/** After the chat closes: the archive's link and the participant's own evening. */
function eveningPanel(chat: ChatState, id: string): HTMLElement {
  const posts = [...chat.items.values()].filter((i): i is PostItem => i.kind === 'post' && !i.deleted && !i.hidden);
  const mine = posts.filter((p) => chat.isMine(p));
  const mineSeqs = new Set(mine.map((p) => p.seq));
  const replies = posts.filter((p) => p.reply_to !== null && mineSeqs.has(p.reply_to) && !chat.isMine(p));
  const mentioned = posts.filter((p) => !chat.isMine(p) && mentions(p.text, chat.me));
  const liked = posts.filter((p) => p.likedByMe);
  return h(
    'section',
    { class: 'evening panel', 'aria-labelledby': 'evening-title', 'data-testid': 'evening' },
    h('h2', { id: 'evening-title' }, t('live.evening_title')),
    h('p', {}, t('live.evening_thanks')),
    h('p', {}, h('a', { class: 'button primary', href: `/archive/${encodeURIComponent(id)}`, 'data-testid': 'archive-link' }, t('live.evening_archive'))),
    eveningList(id, mine, 'evening-mine', t('live.evening_mine', { n: mine.length })),
    eveningList(id, replies, 'evening-replies', t('live.evening_replies', { n: replies.length })),
    eveningList(id, mentioned, 'evening-mentions', t('live.evening_mentions', { n: mentioned.length })),
    eveningList(id, liked, 'evening-likes', t('live.evening_likes', { n: liked.length })),
  );
}

export function startChat(root: HTMLElement, id: string, me: Me): void {
  clear(root);
  const title = h('h1', { class: 'hashtag' }, id);
  const subtitle = h('p', { class: 'title' });
  let live: Live | null = null;
  let welcomed = false;
  const tabs = new QuestionTabs();
  const eveningSlot = h('div', { class: 'evening-slot' });
  const announcer = new Announcer();
  const setUpSlow = () => {
    if (tabs.shown || !live?.chat.isSlow) return;
    controls.hidden = true;
    feed.setMode('grouped');
    feed.showOnly(['announce']);
    const seen = new SeenStore(safeStorage('local'), seenKey(id, me.handle));
    tabs.show(live.chat, seen, (round) => {
      feed.showOnly(round === null ? ['announce'] : ['announce', String(round)]);
      composer.setFixedRound(round);
    });
  };
  const newAnswers = new NewAnswers();
  // A closed chat is read-only: the answer box goes, the archive and "your evening" come.
  const showClosed = () => {
    const closed = live?.chat.phase?.phase === 'closed';
    composer.el.hidden = closed;
    root.classList.toggle('chat-closed', closed);
    clear(eveningSlot);
    if (closed && live) eveningSlot.append(eveningPanel(live.chat, id));
  };
  let wasClosed = false;
  const phaseChanged = () => {
    phase.update();
    composer.update();
    feed.applyFilter();
    const closed = live?.chat.phase?.phase === 'closed';
    if (closed !== wasClosed) {
      wasClosed = closed;
      feed.refreshAll();
    }
    showClosed();
    tabs.refresh();
  };

  live = openLive(
    { session: id, handle: me.handle, name: me.name },
    {
      welcome: (m) => {
        setText(title, m.session.hashtag);
        setText(subtitle, m.session.title);
        document.title = `${m.session.hashtag} · hashchat`;
        if (!welcomed) feed.rebuild();
        welcomed = true;
        setUpSlow();
        phaseChanged();
        if (client.lastSeq >= m.head) announcer.caughtUp();
      },
      change: (c) => {
        if (c.type === 'item') {
          const bottom = atBottom();
          stickToBottom(() => feed.upsert(c.item, c.isNew));
          const item = c.item;
          if (c.isNew && item.kind === 'post' && !chat.isMine(item) && !item.hidden) {
            const isLive = item.seq > client.head;
            announcer.post({ name: item.name, text: item.text, reply: item.reply_to !== null }, isLive);
            if (!bottom) newAnswers.add();
          }
          if (item.seq === client.head) announcer.caughtUp();
          if (chat.phase?.phase === 'closed') showClosed();
          tabs.refresh();
        }
        if (c.type === 'phase') phaseChanged();
        if (c.type === 'member' && c.me) composer.update();
      },
      reset: () => {
        feed.rebuild();
        phaseChanged();
      },
      fatal: (e) => {
        leave();
        if (e.code === 'banned' || e.code === 'refused') {
          showRemoved(root, id, chat.session ?? null, e.code === 'banned');
          return;
        }
        showJoin(root, id, { session: chat.session ?? null }, joinErrorText(e), me);
      },
    },
  );
  const { client, chat } = live;
  const phase = new PhaseView(live, announcer);
  const status = new StatusView(live);
  const banner = new ConnBanner(live);
  const composer = new Composer(chat, client, () => chat.session?.hashtag ?? '');
  const feed = new FeedView(chat, client, { mode: 'timeline', canDeleteAny: false, onReply: (p) => composer.setReply(p) });
  const showPending = () => stickToBottom(() => feed.setPending(client.pending(), client.online, client.heldPosts()));
  client.on('outbox', showPending);
  client.on('state', showPending);
  client.on('post_error', (e) => toast(t('live.post_refused', { reason: errorText(e.error) })));
  // The server lost its store (it closes with 1013; the client comes back with backoff): the
  // outbox waits on this device meanwhile.
  client.on('error', (e) => {
    if (e.code === 'store_unavailable') toast(errorText(e));
  });
  const controls = feedControls(
    (f) => feed.setFilter(f),
    (m) => feed.setMode(m),
  );

  /** Leaves the chat's page: its timers, socket and listeners stop. */
  function leave(): void {
    tabs.destroy();
    live?.close();
    phase.destroy();
    banner.destroy();
    newAnswers.destroy();
    safeStorage('local')?.removeItem(meKey(id));
  }

  root.append(
    skipLink(),
    chatHeader(title, subtitle, status.el, me.handle, () => {
      leave();
      showJoin(root, id, { session: chat.session }, '', me);
    }),
    h('div', { class: 'phase-bar' }, banner.el, phase.el),
    h('main', { class: 'page chat', 'aria-label': t('live.feed_label') }, eveningSlot, tabs.el, controls, feed.el, announcer.el),
    newAnswers.el,
    composer.el,
  );
  showPending();
}

/** "N new answers ↓": counted while the reader is scrolled up, cleared at the bottom. */
class NewAnswers {
  readonly el = h('button', { type: 'button', class: 'new-answers', 'data-testid': 'new-answers', hidden: true });
  private unseen = 0;
  private onScroll = () => {
    if (this.unseen > 0 && atBottom()) this.clear();
  };

  constructor() {
    this.el.addEventListener('click', () => {
      window.scrollTo({ top: document.documentElement.scrollHeight });
      this.clear();
    });
    window.addEventListener('scroll', this.onScroll, { passive: true });
  }

  /** One more answer arrived below the reader. */
  add(): void {
    this.unseen += 1;
    this.show();
  }

  destroy(): void {
    window.removeEventListener('scroll', this.onScroll);
  }

  private clear(): void {
    this.unseen = 0;
    this.show();
  }

  private show(): void {
    this.el.hidden = this.unseen === 0;
    setText(this.el, this.unseen === 0 ? '' : t('live.new_answers', { n: this.unseen }));
  }
}

/** Slow chats: one tab per released question (made at the first welcome that says "slow"). */
class QuestionTabs {
  readonly el = h('div', { class: 'q-tabs-slot' });
  private tabs: SlowTabs | null = null;
  private queued = false;

  get shown(): boolean {
    return this.tabs !== null;
  }

  show(chat: ChatState, seen: SeenStore, onPick: (round: number | null) => void): void {
    this.tabs = new SlowTabs(chat, seen, onPick);
    this.el.append(this.tabs.el);
  }

  /** A burst of changes refreshes the tabs once. */
  refresh(): void {
    if (!this.tabs || this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.tabs?.refresh();
    });
  }

  destroy(): void {
    this.tabs?.destroy();
  }
}

/** The compact header: the hashtag and title, the connection, who you are and "Leave" (asks first). */
function chatHeader(title: HTMLElement, subtitle: HTMLElement, status: HTMLElement, handle: string, onLeave: () => void): HTMLElement {
  const leaveButton = h(
    'button',
    {
      type: 'button',
      class: 'link small',
      onclick: () => {
        if (!window.confirm(t('live.leave_confirm'))) return;
        onLeave();
      },
    },
    t('live.leave'),
  );
  return h(
    'header',
    { class: 'top chat-top' },
    h('div', { class: 'top-row' }, title, status),
    subtitle,
    h('div', { class: 'you-row' }, h('span', { class: 'you muted small' }, t('live.you_are', { handle }), ' · ', leaveButton), prefsBar()),
  );
}

/** "Skip to the answer box", for keyboards and screen readers. */
function skipLink(): HTMLElement {
  return h(
    'a',
    {
      class: 'skip-link',
      href: '#answer-box',
      'data-testid': 'skip-link',
      onclick: (ev: Event) => {
        ev.preventDefault();
        document.getElementById('answer-box')?.focus();
      },
    },
    t('live.skip_to_answer'),
  );
}
