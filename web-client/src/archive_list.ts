// `/archive`: the chats, newest first, with filters (hashtag, series, state, dates) kept in the
// address's query string, a "More" button, full-text search over the posts, and the Atom feed.

import { errorText, listArchive, searchArchive } from './api';
import { archivePath, bareTag, feedPath, filterFromQuery, filterToQuery, listQuery, searchQuery, type ArchiveFilter } from './archive_query';
import { snippetNodes } from './archive_text';
import { stateText } from './archive_transcript';
import type { ArchiveList, ArchiveSession, SearchHit } from './archive_types';
import { clear, h } from './dom';
import { field } from './form_bits';
import { formatLocal } from './time';

const PAGE = 20;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function archiveRow(s: ArchiveSession): HTMLLIElement {
  return h(
    'li',
    { class: 'session-row', 'data-testid': 'archive-row', 'data-id': s.id },
    h('a', { href: archivePath(s.id), class: 'session-link', 'data-testid': 'archive-link' }, h('strong', {}, s.hashtag), ' ', h('span', { dir: 'auto' }, s.title)),
    h(
      'div',
      { class: 'muted small' },
      h('time', { datetime: s.at, 'data-testid': 'archive-row-when' }, formatLocal(s.at)),
      ' ',
      h('span', { class: 'badge', 'data-state': s.state, 'data-testid': 'archive-row-state' }, stateText(s.state)),
      ' ',
      h('span', { 'data-testid': 'archive-row-counts' }, `${plural(s.posts, 'post', 'posts')} · ${plural(s.participants, 'participant', 'participants')}`),
    ),
  );
}

export function searchResultItem(r: SearchHit): HTMLLIElement {
  return h(
    'li',
    { class: 'search-result', 'data-testid': 'search-result' },
    h(
      'a',
      { href: r.permalink, class: 'result-link', 'data-testid': 'result-link' },
      h('span', { class: 'result-where' }, h('strong', {}, r.session.hashtag), ' ', h('span', { dir: 'auto' }, r.session.title)),
      h('span', { class: 'result-who muted small' }, h('span', { dir: 'auto' }, r.name || r.author), ` @${r.author} · `, h('time', { datetime: r.at }, formatLocal(r.at))),
      h('span', { class: 'snippet', dir: 'auto', 'data-testid': 'snippet' }, ...snippetNodes(r.snippet)),
    ),
  );
}

function option(value: string, text: string, selected: boolean): HTMLOptionElement {
  return h('option', { value, selected }, text);
}

export function renderArchiveList(root: HTMLElement): void {
  document.title = 'Archive · hashchat';
  let filter: ArchiveFilter = filterFromQuery(location.search);
  const current = () => filter;

  const feed = h('a', { href: feedPath(filter.hashtag), 'data-testid': 'feed-link', type: 'application/atom+xml' }, 'Atom feed');
  const q = h('input', { type: 'search', name: 'q', value: filter.q, placeholder: 'Words, "a phrase"', 'aria-label': 'Search the posts', enterkeyhint: 'search', 'data-testid': 'search-input' });
  const scope = h('p', { class: 'muted small', 'data-testid': 'search-scope' });
  const searchForm = h(
    'form',
    { role: 'search', class: 'search-form', 'data-testid': 'search-form' },
    h('div', { class: 'search-row' }, q, h('button', { type: 'submit', class: 'primary', 'data-testid': 'search-submit' }, 'Search')),
    scope,
  );
  const search = searchView(current);
  const filters = filterForm(filter);
  const list = listView(current, filters.fill);

  root.append(
    h('header', { class: 'top' }, h('p', { class: 'small' }, h('a', { href: '/' }, '← All chats')), h('h1', {}, 'Archive'), h('p', { class: 'muted small' }, 'Past chats, their transcripts and statistics. ', feed)),
    h('main', { class: 'page archive-list-page', 'data-testid': 'archive-list-page' }, searchForm, search.el, h('h2', {}, 'Chats'), filters.el, ...list.els),
  );

  const syncAddress = () => {
    const qs = filterToQuery(filter);
    history.replaceState(history.state, '', `${archivePath()}${qs ? `?${qs}` : ''}`);
    feed.setAttribute('href', feedPath(filter.hashtag));
    scope.textContent = filter.hashtag ? `Searching #${filter.hashtag} only (change the hashtag below).` : '';
  };
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    filter = { ...filter, q: q.value.trim() };
    syncAddress();
    search.run(true);
  });
  filters.el.addEventListener('change', () => {
    filter = { ...filter, ...filters.read() };
    syncAddress();
    list.load(true);
    search.run(true);
  });
  syncAddress();
  list.load(true);
  search.run(true);
}

/** The filters; their selects are filled from each list answer, the current filter selected. */
function filterForm(initial: ArchiveFilter) {
  const tagSelect = h('select', { name: 'hashtag', 'data-testid': 'filter-hashtag' }, option('', 'All hashtags', true));
  const seriesSelect = h('select', { name: 'series', 'data-testid': 'filter-series' }, option('', 'All series', true));
  const seriesField = field('Series', seriesSelect);
  const stateSelect = h(
    'select',
    { name: 'state', 'data-testid': 'filter-state' },
    option('', 'Any', initial.state === ''),
    option('ended', 'Ended', initial.state === 'ended'),
    option('live', 'On now', initial.state === 'live'),
    option('scheduled', 'Not begun', initial.state === 'scheduled'),
  );
  const from = h('input', { type: 'date', name: 'from', value: initial.from, 'data-testid': 'filter-from' });
  const to = h('input', { type: 'date', name: 'to', value: initial.to, 'data-testid': 'filter-to' });
  const el = h(
    'form',
    { class: 'panel archive-filters', 'data-testid': 'archive-filters', onsubmit: (ev: Event) => ev.preventDefault() },
    field('Hashtag', tagSelect),
    seriesField,
    field('State', stateSelect),
    field('From (UTC day)', from),
    field('To (UTC day)', to),
  );
  const fillSelect = (select: HTMLSelectElement, all: string, choices: { value: string; text: string }[], chosen: string) => {
    clear(select);
    select.append(option('', all, !chosen));
    if (chosen && !choices.some((c) => c.value === chosen)) choices.push({ value: chosen, text: chosen });
    for (const c of choices) select.append(option(c.value, c.text, c.value === chosen));
  };
  return {
    el,
    fill: (a: ArchiveList, f: ArchiveFilter) => {
      fillSelect(tagSelect, 'All hashtags', a.hashtags.map((t) => ({ value: bareTag(t.hashtag), text: `${t.hashtag} (${t.sessions})` })), f.hashtag);
      fillSelect(seriesSelect, 'All series', a.series.map((x) => ({ value: x.id, text: `${x.hashtag} ${x.title}` })), f.series);
      seriesField.hidden = seriesSelect.options.length <= 1;
    },
    read: () => ({
      hashtag: tagSelect.value,
      series: seriesSelect.value,
      state: stateSelect.value as ArchiveFilter['state'],
      from: from.value,
      to: to.value,
    }),
  };
}

/** The chats matching the filter, a page at a time. */
function listView(current: () => ArchiveFilter, onAnswer: (a: ArchiveList, f: ArchiveFilter) => void) {
  const count = h('p', { class: 'muted small', 'data-testid': 'archive-count' });
  const list = h('ul', { class: 'session-list', 'data-testid': 'archive-list' });
  const more = h('button', { type: 'button', hidden: true, 'data-testid': 'archive-more' }, 'More');
  let gen = 0;
  let loaded = 0;
  const load = (reset: boolean) => {
    const mine = ++gen;
    const filter = current();
    if (reset) {
      loaded = 0;
      clear(list);
      list.append(h('li', { class: 'muted' }, 'Loading…'));
    }
    more.disabled = true;
    listArchive(listQuery(filter, loaded, PAGE)).then(
      (a) => {
        if (mine !== gen) return;
        if (reset) clear(list);
        onAnswer(a, filter);
        list.append(...a.sessions.map(archiveRow));
        loaded += a.sessions.length;
        if (a.total === 0) list.append(h('li', { class: 'muted', 'data-testid': 'archive-empty' }, 'No chats match these filters.'));
        count.textContent = a.total === 0 ? '' : `Showing ${loaded} of ${plural(a.total, 'chat', 'chats')}, newest first.`;
        more.hidden = loaded >= a.total || a.sessions.length === 0;
        more.disabled = false;
      },
      (e) => {
        if (mine !== gen) return;
        if (reset) clear(list);
        list.append(h('li', { class: 'error', 'data-testid': 'archive-list-error' }, `Could not load the archive: ${errorText(e)}`));
        more.disabled = false;
      },
    );
  };
  more.addEventListener('click', () => load(false));
  return { els: [count, list, more], load };
}

/** Search results for the filter's words (nothing shown without words). */
function searchView(current: () => ArchiveFilter) {
  const el = h('section', { class: 'search-results', 'data-testid': 'search-results', 'aria-live': 'polite', hidden: true });
  let gen = 0;
  let offset = 0;
  const run = (reset: boolean) => {
    const mine = ++gen;
    const filter = current();
    if (!filter.q) {
      el.hidden = true;
      clear(el);
      return;
    }
    if (reset) {
      offset = 0;
      clear(el);
      el.append(h('p', { class: 'muted' }, 'Searching…'));
    }
    el.hidden = false;
    el.querySelector('[data-testid=search-more]')?.remove();
    searchArchive(searchQuery(filter, offset, PAGE)).then(
      (a) => {
        if (mine !== gen) return;
        if (reset) {
          clear(el);
          el.append(
            h('h2', {}, 'Search results'),
            h('p', { class: 'muted small', 'data-testid': 'search-count' }, a.matched > 0 ? `${plural(a.matched, 'post', 'posts')}${a.more ? ' or more' : ''} match.` : ''),
            h('ol', { class: 'search-list', 'data-testid': 'search-list' }),
          );
          if (a.results.length === 0) el.append(h('p', { class: 'muted', 'data-testid': 'search-empty' }, 'No results.'));
        }
        el.querySelector('ol')?.append(...a.results.map(searchResultItem));
        offset += a.results.length;
        if (a.more && a.results.length > 0) {
          el.append(h('button', { type: 'button', 'data-testid': 'search-more', onclick: () => run(false) }, 'More results'));
        }
      },
      (e) => {
        if (mine !== gen) return;
        if (reset) clear(el);
        el.append(h('p', { class: 'error', role: 'alert', 'data-testid': 'search-error' }, errorText(e)));
      },
    );
  };
  return { el, run };
}
