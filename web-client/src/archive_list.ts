// `/archive`: the chats, newest first, with filters (hashtag, series, state, dates) kept in the
// address's query string, a "More" button, full-text search over the posts, and the Atom feed.

import { errorCode, errorText, listArchive, searchArchive } from './api';
import { archivePath, bareTag, feedPath, filterFromQuery, filterToQuery, listQuery, searchQuery, type ArchiveFilter } from './archive_query';
import { snippetNodes } from './archive_text';
import { stateText } from './archive_transcript';
import type { ArchiveList, ArchiveSession, SearchHit } from './archive_types';
import { clear, h } from './dom';
import { field } from './form_bits';
import { lang, t } from './i18n';
import { prefsBar } from './prefs';
import { formatLocal } from './time';

const PAGE = 20;

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
      h('span', { 'data-testid': 'archive-row-counts' }, `${t('archive.posts_n', { n: s.posts })} · ${t('archive.participants_n', { n: s.participants })}`),
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
  document.title = t('archive.doc_title');
  let filter: ArchiveFilter = filterFromQuery(location.search);
  const current = () => filter;

  const feed = h('a', { href: feedPath(filter.hashtag), 'data-testid': 'feed-link', type: 'application/atom+xml' }, t('archive.feed'));
  const q = h('input', { type: 'search', name: 'q', value: filter.q, placeholder: t('archive.search_placeholder'), 'aria-label': t('archive.search_label'), enterkeyhint: 'search', 'data-testid': 'search-input' });
  const scope = h('p', { class: 'muted small', 'data-testid': 'search-scope' });
  const searchForm = h(
    'form',
    { role: 'search', class: 'search-form', 'data-testid': 'search-form' },
    h('div', { class: 'search-row' }, q, h('button', { type: 'submit', class: 'primary', 'data-testid': 'search-submit' }, t('archive.search'))),
    scope,
  );
  const search = searchView(current);
  const filters = filterForm(filter);
  const list = listView(current, filters.fill);

  root.append(
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'top-row' }, h('p', { class: 'small' }, h('a', { href: '/' }, t('archive.all_chats'))), prefsBar()),
      h('h1', {}, t('archive.title')),
      h('p', { class: 'muted small' }, t('archive.intro'), ' ', feed),
    ),
    h('main', { class: 'page archive-list-page', 'data-testid': 'archive-list-page' }, searchForm, search.el, h('h2', {}, t('archive.chats')), filters.el, ...list.els),
  );

  const syncAddress = () => {
    const qs = filterToQuery(filter);
    history.replaceState(history.state, '', `${archivePath()}${qs ? `?${qs}` : ''}`);
    feed.setAttribute('href', feedPath(filter.hashtag));
    scope.textContent = filter.hashtag ? t('archive.search_scope', { tag: filter.hashtag }) : '';
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
  const tagSelect = h('select', { name: 'hashtag', 'data-testid': 'filter-hashtag' }, option('', t('archive.all_hashtags'), true));
  const seriesSelect = h('select', { name: 'series', 'data-testid': 'filter-series' }, option('', t('archive.all_series'), true));
  const seriesField = field(t('archive.series'), seriesSelect);
  const stateSelect = h(
    'select',
    { name: 'state', 'data-testid': 'filter-state' },
    option('', t('archive.any_state'), initial.state === ''),
    option('ended', stateText('ended'), initial.state === 'ended'),
    option('live', stateText('live'), initial.state === 'live'),
    option('scheduled', stateText('scheduled'), initial.state === 'scheduled'),
  );
  const from = h('input', { type: 'date', name: 'from', value: initial.from, 'data-testid': 'filter-from' });
  const to = h('input', { type: 'date', name: 'to', value: initial.to, 'data-testid': 'filter-to' });
  const el = h(
    'form',
    { class: 'panel archive-filters', 'aria-label': t('archive.filters'), 'data-testid': 'archive-filters', onsubmit: (ev: Event) => ev.preventDefault() },
    field(t('archive.hashtag'), tagSelect),
    seriesField,
    field(t('archive.state'), stateSelect),
    field(t('archive.from'), from),
    field(t('archive.to'), to),
  );
  const fillSelect = (select: HTMLSelectElement, all: string, choices: { value: string; text: string }[], chosen: string) => {
    clear(select);
    select.append(option('', all, !chosen));
    if (chosen && !choices.some((c) => c.value === chosen)) choices.push({ value: chosen, text: chosen });
    for (const c of choices) select.append(option(c.value, c.text, c.value === chosen));
  };
  const count = new Intl.NumberFormat(lang());
  return {
    el,
    fill: (a: ArchiveList, f: ArchiveFilter) => {
      fillSelect(tagSelect, t('archive.all_hashtags'), a.hashtags.map((x) => ({ value: bareTag(x.hashtag), text: `${x.hashtag} (${count.format(x.sessions)})` })), f.hashtag);
      fillSelect(seriesSelect, t('archive.all_series'), a.series.map((x) => ({ value: x.id, text: `${x.hashtag} ${x.title}` })), f.series);
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
  const more = h('button', { type: 'button', hidden: true, 'data-testid': 'archive-more' }, t('archive.more'));
  let gen = 0;
  let loaded = 0;
  const load = (reset: boolean) => {
    const mine = ++gen;
    const filter = current();
    if (reset) {
      loaded = 0;
      clear(list);
      list.append(h('li', { class: 'muted' }, t('archive.loading')));
    }
    more.disabled = true;
    listArchive(listQuery(filter, loaded, PAGE)).then(
      (a) => {
        if (mine !== gen) return;
        if (reset) clear(list);
        onAnswer(a, filter);
        list.append(...a.sessions.map(archiveRow));
        loaded += a.sessions.length;
        if (a.total === 0) list.append(h('li', { class: 'muted', 'data-testid': 'archive-empty' }, t('archive.empty')));
        count.textContent = a.total === 0 ? '' : t('archive.count', { shown: loaded, n: a.total });
        more.hidden = loaded >= a.total || a.sessions.length === 0;
        more.disabled = false;
      },
      (e) => {
        if (mine !== gen) return;
        if (reset) clear(list);
        list.append(h('li', { class: 'error', 'data-testid': 'archive-list-error' }, t('archive.list_error', { reason: errorText(e) })));
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
      el.append(h('p', { class: 'muted' }, t('archive.searching')));
    }
    el.hidden = false;
    el.querySelector('[data-testid=search-more]')?.remove();
    searchArchive(searchQuery(filter, offset, PAGE)).then(
      (a) => {
        if (mine !== gen) return;
        if (reset) {
          clear(el);
          el.append(
            h('h2', {}, t('archive.search_results')),
            h('p', { class: 'muted small', 'data-testid': 'search-count' }, a.matched > 0 ? t(a.more ? 'archive.search_count_more' : 'archive.search_count', { n: a.matched }) : ''),
            h('ol', { class: 'search-list', 'data-testid': 'search-list' }),
          );
          if (a.results.length === 0) el.append(h('p', { class: 'muted', 'data-testid': 'search-empty' }, t('archive.search_empty')));
        }
        el.querySelector('ol')?.append(...a.results.map(searchResultItem));
        offset += a.results.length;
        if (a.more && a.results.length > 0) {
          el.append(h('button', { type: 'button', 'data-testid': 'search-more', onclick: () => run(false) }, t('archive.more_results')));
        }
      },
      (e) => {
        if (mine !== gen) return;
        if (reset) clear(el);
        // The server refuses a search only for its words (too many, only exclusions, unsearchable).
        el.append(h('p', { class: 'error', role: 'alert', 'data-testid': 'search-error' }, errorCode(e) === 'bad_request' ? t('archive.search_refused') : errorText(e)));
      },
    );
  };
  return { el, run };
}
