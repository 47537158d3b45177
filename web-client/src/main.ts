// Client-side routing on location.pathname: /, /s/{id}, /s/{id}/moderate, /s/{id}/screen, /series/{id},
// /archive, /archive/{id}. Each screen is its own chunk, loaded only on its page together with its
// message catalogues (in parallel), so a phone joining a chat never downloads the moderator
// console, the archive, or the language it does not read.

import './style.css';
import { noticeUpdate, registerServiceWorker } from './app_update';
import { h } from './dom';
import { initLang, loadMessages, t } from './i18n';
import { initTheme } from './prefs';
import type { Group } from './i18n';
import { route } from './router';
import type { Route } from './router';

type Page = Route['page'];
type Render = (root: HTMLElement, id: string) => void;

/** Each screen's code and the catalogues it needs. */
const SCREENS: Record<Exclude<Page, 'not_found'>, { load: () => Promise<Render>; groups: Group[] }> = {
  landing: { load: async () => (await import('./landing')).renderLanding, groups: ['common', 'share', 'landing', 'series'] },
  participant: { load: async () => (await import('./participant')).renderParticipant, groups: ['common', 'live'] },
  moderator: { load: async () => (await import('./moderator')).renderModerator, groups: ['common', 'share', 'live', 'moderator'] },
  screen: { load: async () => (await import('./screen')).renderScreen, groups: ['common', 'screen'] },
  series: { load: async () => (await import('./series')).renderSeries, groups: ['common', 'series'] },
  archive_list: { load: async () => (await import('./archive_list')).renderArchiveList, groups: ['common', 'archive'] },
  archive_session: { load: async () => (await import('./archive_session')).renderArchiveSession, groups: ['common', 'archive'] },
};

async function render(root: HTMLElement): Promise<void> {
  const r = route(location.pathname);
  initLang();
  if (r.page === 'not_found') {
    await loadMessages(['common']);
    root.append(h('main', { class: 'page' }, h('h1', {}, t('common.page_not_found')), h('p', {}, h('a', { href: '/' }, t('common.all_chats')))));
    return;
  }
  const screen = SCREENS[r.page];
  const [show] = await Promise.all([screen.load(), loadMessages(screen.groups)]);
  show(root, 'id' in r ? r.id : '');
}

initTheme();
const root = document.getElementById('app');
// After the first render: the notice needs the catalogues, and the service worker's install
// (downloading every chunk) must not compete with the page's own first requests.
if (root) void render(root).then(() => {
  noticeUpdate();
  registerServiceWorker();
});
