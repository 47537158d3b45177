// `/s/{id}/screen`: the pub projector. Current question, countdown, newest answers in large type.
// It joins as a read-only participant with a handle like screen_k3x9.

import { clear, h, safeStorage, setText } from './dom';
import { openLive, PhaseView, StatusView } from './live';
import type { AnnounceItem, PostItem } from './chat_state';
import { roundBadge } from './feed';

const NEWEST = 6;

function screenHandle(id: string): string {
  const key = `hashchat:screen:${id}`;
  const store = safeStorage('local');
  const saved = store?.getItem(key);
  if (saved && /^screen_[a-z0-9]{4}$/.test(saved)) return saved;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  const handle = `screen_${suffix}`;
  store?.setItem(key, handle);
  return handle;
}

export function renderScreen(root: HTMLElement, id: string): void {
  document.body.classList.add('screen-mode');
  const title = h('h1', { class: 'hashtag' }, id);
  const subtitle = h('div', { class: 'title' });
  const joinUrl = `${location.host}/s/${encodeURIComponent(id)}`;
  const answers = h('div', { class: 'screen-answers', 'data-testid': 'screen-answers' });
  const announce = h('div', { class: 'screen-announce', hidden: true });
  let handle = screenHandle(id);

  const render = () => {
    const chat = live.chat;
    const newest: PostItem[] = [];
    let lastAnnounce: AnnounceItem | null = null;
    for (let i = chat.order.length - 1; i >= 0; i--) {
      const item = chat.items.get(chat.order[i]);
      if (!item) continue;
      if (item.kind === 'announce') {
        lastAnnounce ??= item;
        continue;
      }
      if (newest.length < NEWEST && !item.deleted && !item.hidden && item.reply_to === null) newest.push(item);
      if (newest.length >= NEWEST && lastAnnounce) break;
    }
    clear(answers);
    for (const p of newest) {
      answers.append(
        h(
          'div',
          { class: 'screen-answer' },
          h('div', { class: 'who' }, p.round !== null ? h('span', { class: 'badge' }, roundBadge(p.round)) : null, ` ${p.name} `, h('span', { class: 'handle' }, `@${p.author}`), p.likes > 0 ? ` ♥ ${p.likes}` : ''),
          h('div', { class: 'text' }, p.text),
        ),
      );
    }
    if (newest.length === 0) answers.append(h('p', { class: 'muted' }, 'Answers will appear here.'));
    // Show an announcement only while it is among the newest things said.
    const recent = lastAnnounce && (newest.length === 0 || lastAnnounce.seq > newest[newest.length - 1].seq);
    announce.hidden = !recent;
    if (recent && lastAnnounce) setText(announce, lastAnnounce.text);
  };

  const start = () =>
    openLive(
      { session: id, handle, name: 'Pub screen' },
      {
        welcome: (m) => {
          setText(title, m.session.hashtag);
          setText(subtitle, m.session.title);
          document.title = `${m.session.hashtag} · screen`;
          phase.update();
          render();
        },
        change: (c) => {
          if (c.type === 'phase') phase.update();
          else if (c.type === 'item') render();
        },
        reset: render,
        fatal: (e) => {
          if (e.code === 'handle_taken' || e.code === 'bad_token') {
            // Another screen (or a lost token) holds this handle: pick a new one.
            safeStorage('local')?.removeItem(`hashchat:screen:${id}`);
            handle = screenHandle(id);
            live.close();
            live = start();
            phase.setLive(live);
            const fresh = new StatusView(live);
            status.el.replaceWith(fresh.el);
            status = fresh;
          } else {
            setText(answers, e.message);
          }
        },
      },
    );
  let live = start();
  const phase = new PhaseView(live);
  let status = new StatusView(live);

  root.append(
    h(
      'div',
      { class: 'screen' },
      h('header', { class: 'screen-head' }, h('div', {}, title, subtitle), h('div', { class: 'screen-join' }, 'Join: ', h('strong', {}, joinUrl), status.el)),
      phase.el,
      announce,
      answers,
    ),
  );
}
