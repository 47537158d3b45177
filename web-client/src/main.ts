// Client-side routing on location.pathname: /, /s/{id}, /s/{id}/moderate, /s/{id}/screen, /series/{id},
// /archive, /archive/{id}.

import './style.css';
import { renderArchiveList } from './archive_list';
import { renderArchiveSession } from './archive_session';
import { h } from './dom';
import { renderLanding } from './landing';
import { renderModerator } from './moderator';
import { renderParticipant } from './participant';
import { renderScreen } from './screen';
import { renderSeries } from './series';
import { route } from './router';

function render(root: HTMLElement): void {
  const r = route(location.pathname);
  switch (r.page) {
    case 'landing':
      renderLanding(root);
      break;
    case 'participant':
      renderParticipant(root, r.id);
      break;
    case 'moderator':
      renderModerator(root, r.id);
      break;
    case 'screen':
      renderScreen(root, r.id);
      break;
    case 'series':
      renderSeries(root, r.id);
      break;
    case 'archive_list':
      renderArchiveList(root);
      break;
    case 'archive_session':
      renderArchiveSession(root, r.id);
      break;
    case 'not_found':
      root.append(h('main', { class: 'page' }, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/' }, 'See all chats'))));
      break;
  }
}

const root = document.getElementById('app');
if (root) render(root);
