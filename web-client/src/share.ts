// "Share this chat": the join link as participants reach it (the server's --public-url, else
// this page's host), its QR code and the pub screen's link, for the moderator console and the
// page shown after creating a chat. The QR code is always dark on light (scanners fail on
// inverted codes), in both colour schemes.

import { h, setText } from './dom';
import { t } from './i18n';

export interface ShareLinks {
  join: string;
  screen: string;
  archive: string;
  qr: string;
}

function isLinks(j: unknown): j is ShareLinks {
  const o = j as Partial<ShareLinks> | null;
  return !!o && [o.join, o.screen, o.archive, o.qr].every((v) => typeof v === 'string');
}

/**
 * Calls `show` at once with `known` (the creation answer's links) or this page's own address,
 * then again with the server's links (GET /api/sessions/{id}/links) when they arrive; offline,
 * the first stands.
 */
export function followLinks(id: string, show: (links: ShareLinks) => void, known?: ShareLinks): void {
  const origin = location.origin;
  const path = encodeURIComponent(id);
  show(known ?? { join: `${origin}/s/${path}`, screen: `${origin}/s/${path}/screen`, archive: `${origin}/archive/${path}`, qr: `/api/sessions/${path}/qr.svg` });
  fetch(`/api/sessions/${path}/links`)
    .then((r) => (r.ok ? r.json() : null))
    .then((j: unknown) => {
      if (isLinks(j)) show(j);
    })
    .catch(() => undefined);
}

function copyButton(url: () => string, label: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'small', 'aria-label': label }, t('share.copy'));
  b.addEventListener('click', () => {
    navigator.clipboard?.writeText(url()).then(
      () => setText(b, t('share.copied')),
      () => setText(b, t('share.copy_by_hand')),
    );
  });
  return b;
}

/** The panel; `known` fills it at once (the creation answer's links), then the server's view. */
export function sharePanel(id: string, known?: ShareLinks): HTMLElement {
  let links: ShareLinks | null = null;
  const qr = h('img', { class: 'share-qr', 'data-testid': 'share-qr', width: 160, height: 160, alt: t('share.qr_alt') });
  const join = h('a', { class: 'url', 'data-testid': 'join-link' });
  const screen = h('a', { class: 'url', 'data-testid': 'screen-link', target: '_blank', rel: 'noopener' });
  followLinks(
    id,
    (l) => {
      links = l;
      qr.src = l.qr;
      join.href = l.join;
      setText(join, l.join);
      screen.href = l.screen;
      setText(screen, l.screen);
    },
    known,
  );
  return h(
    'section',
    { class: 'share', 'data-testid': 'share', 'aria-labelledby': `share-${id}` },
    h('h2', { id: `share-${id}` }, t('share.title')),
    h(
      'div',
      { class: 'share-body' },
      qr,
      h(
        'div',
        { class: 'share-links' },
        h('div', { class: 'label' }, t('share.join')),
        h('div', { class: 'link-line' }, join, copyButton(() => links?.join ?? '', t('share.copy_join'))),
        h('div', { class: 'label' }, t('share.screen')),
        h('div', { class: 'link-line' }, screen, copyButton(() => links?.screen ?? '', t('share.copy_screen'))),
      ),
    ),
  );
}
