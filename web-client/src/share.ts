// "Share this chat": the join link as participants reach it (the server's --public-url, else
// this page's host), its QR code and the pub screen's link, for the moderator console and the
// page shown after creating a chat. The QR code is always dark on light (scanners fail on
// inverted codes), in both colour schemes.

import { h, setText } from './dom';
import { t } from './i18n';

export interface ShareLinks {
  join: string;
  screen: string;
  qr: string;
}

/** GET /api/sessions/{id}/links: the join and screen links as the server builds them; null if unreachable. */
export async function fetchLinks(id: string): Promise<ShareLinks | null> {
  try {
    const r = await fetch(`/api/sessions/${encodeURIComponent(id)}/links`);
    const j = r.ok ? ((await r.json()) as Partial<ShareLinks>) : null;
    return j && typeof j.join === 'string' && typeof j.screen === 'string' && typeof j.qr === 'string' ? (j as ShareLinks) : null;
  } catch {
    return null;
  }
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

/** The panel; `known` fills it at once (e.g. from the creation answer), then the server's view. */
export function sharePanel(id: string, known?: Partial<ShareLinks>): HTMLElement {
  const path = `/s/${encodeURIComponent(id)}`;
  let links: ShareLinks = {
    join: known?.join ?? location.origin + path,
    screen: known?.screen ?? `${location.origin}${path}/screen`,
    qr: known?.qr ?? `/api/sessions/${encodeURIComponent(id)}/qr.svg`,
  };
  const qr = h('img', { class: 'share-qr', 'data-testid': 'share-qr', width: 160, height: 160, alt: t('share.qr_alt') });
  const join = h('a', { class: 'url', 'data-testid': 'join-link' });
  const screen = h('a', { class: 'url', 'data-testid': 'screen-link', target: '_blank', rel: 'noopener' });
  const show = () => {
    qr.src = links.qr;
    join.href = links.join;
    setText(join, links.join);
    screen.href = links.screen;
    setText(screen, links.screen);
  };
  show();
  void fetchLinks(id).then((j) => {
    if (j) {
      links = j;
      show();
    }
  });
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
        h('div', { class: 'link-line' }, join, copyButton(() => links.join, t('share.copy_join'))),
        h('div', { class: 'label' }, t('share.screen')),
        h('div', { class: 'link-line' }, screen, copyButton(() => links.screen, t('share.copy_screen'))),
      ),
    ),
  );
}
