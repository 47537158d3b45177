import { beforeAll, describe, expect, it } from 'vitest';
import { archiveRow, searchResultItem } from './archive_list';
import { EMPTY_FILTER, feedPath, filterFromQuery, filterToQuery, listQuery, postSeqFromHash, searchQuery } from './archive_query';
import { findLink, linkified, snippetNodes } from './archive_text';
import { postItem, transcriptBody, transcriptHeader } from './archive_transcript';
import type { ArchivePost, ArchiveSession, SearchHit, Transcript } from './archive_types';
import { fake, html, installFakeDom, type FakeElement } from './fake_dom';
import { addMessages } from './i18n';
import archiveEn from './i18n/en/archive';
import commonEn from './i18n/en/common';
import { route } from './router';

beforeAll(() => {
  installFakeDom();
  addMessages(commonEn, 'en');
  addMessages(archiveEn, 'en');
});

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('route /archive', () => {
  it('maps the archive paths', () => {
    expect(route('/archive')).toEqual({ page: 'archive_list' });
    expect(route('/archive/')).toEqual({ page: 'archive_list' });
    expect(route('/archive/pubpd-2026-11-26')).toEqual({ page: 'archive_session', id: 'pubpd-2026-11-26' });
    expect(route('/archive/x%20y/')).toEqual({ page: 'archive_session', id: 'x y' });
    expect(route('/archive/a/b')).toEqual({ page: 'not_found' });
    expect(route('/archive/%E0%A4%A')).toEqual({ page: 'not_found' });
    expect(route('/archives')).toEqual({ page: 'not_found' });
  });
});

describe('archive filter <-> query string', () => {
  it('round-trips every field', () => {
    const f = { hashtag: 'ukedchat', series: 'ukedchat', state: 'ended' as const, from: '2026-11-01', to: '2026-11-30', q: 'homework "exit ticket"' };
    const qs = filterToQuery(f);
    expect(qs).toBe('hashtag=ukedchat&series=ukedchat&state=ended&from=2026-11-01&to=2026-11-30&q=homework+%22exit+ticket%22');
    expect(filterFromQuery(`?${qs}`)).toEqual(f);
  });
  it('leaves out what is not set', () => {
    expect(filterToQuery(EMPTY_FILTER)).toBe('');
    expect(filterToQuery({ ...EMPTY_FILTER, state: 'live', q: '  ' })).toBe('state=live');
    expect(filterFromQuery('')).toEqual(EMPTY_FILTER);
  });
  it('reads hashtags with or without # and in any case', () => {
    expect(filterFromQuery('?hashtag=%23UKEdChat').hashtag).toBe('ukedchat');
    expect(filterFromQuery('?hashtag=PubPD').hashtag).toBe('pubpd');
  });
  it('drops values that make no sense', () => {
    expect(filterFromQuery('?state=deleted&from=2026-13-01&to=yesterday')).toEqual(EMPTY_FILTER);
    expect(filterFromQuery('?from=2026-02-30').from).toBe('');
    expect(filterFromQuery('?from=2026-02-28').from).toBe('2026-02-28');
  });
  it('builds the API queries', () => {
    const f = { ...EMPTY_FILTER, hashtag: 'pubpd', state: 'ended' as const, q: 'lesson' };
    expect(listQuery(f, 0, 20)).toBe('hashtag=pubpd&state=ended&limit=20');
    expect(listQuery(f, 40, 20)).toBe('hashtag=pubpd&state=ended&offset=40&limit=20');
    expect(searchQuery(f, 0, 20)).toBe('q=lesson&hashtag=pubpd&limit=20');
    expect(searchQuery({ ...EMPTY_FILTER, q: 'a&b=c' }, 20, 20)).toBe('q=a%26b%3Dc&offset=20&limit=20');
  });
  it('names the feed and the permalink target', () => {
    expect(feedPath('')).toBe('/feed.atom');
    expect(feedPath('#PubPD')).toBe('/feed.atom?hashtag=pubpd');
    expect(postSeqFromHash('#p12')).toBe(12);
    expect(postSeqFromHash('#p')).toBeNull();
    expect(postSeqFromHash('#q1')).toBeNull();
    expect(postSeqFromHash('')).toBeNull();
  });
});

describe('links in post text', () => {
  it('finds http(s) addresses as the server does', () => {
    expect(findLink('see https://example.com/a.')).toEqual([4, 21]);
    expect(findLink('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([1, 39]);
    expect(findLink('HTTP://EXAMPLE.COM, then')).toEqual([0, 18]);
    expect(findLink('xhttps://example.com')).toBeNull();
    expect(findLink('just http:// alone')).toBeNull();
    expect(findLink('no links here')).toBeNull();
  });
  it('makes only http(s) addresses links, with rel nofollow ugc noopener', () => {
    expect(html(linkified('Read https://example.com/x?a=1&b=2 and javascript:alert(1)'))).toBe(
      'Read <a href="https://example.com/x?a=1&amp;b=2" rel="nofollow ugc noopener">https://example.com/x?a=1&amp;b=2</a> and javascript:alert(1)',
    );
    expect(html(linkified('two: http://a.example and https://b.example!'))).toBe(
      'two: <a href="http://a.example" rel="nofollow ugc noopener">http://a.example</a> and <a href="https://b.example" rel="nofollow ugc noopener">https://b.example</a>!',
    );
    expect(html(linkified(''))).toBe('');
  });
  it('keeps hostile text as text', () => {
    const nodes = linkified(`${HOSTILE} https://x.example/"onmouseover="alert(1)`);
    expect(html(nodes)).toBe('&lt;img src=x onerror=alert(1)&gt; <a href="https://x.example/" rel="nofollow ugc noopener">https://x.example/</a>&quot;onmouseover=&quot;alert(1)');
  });
});

describe('search snippets and results', () => {
  it('puts matched parts in <mark>', () => {
    const nodes = snippetNodes([
      { text: '…we start every ', match: false },
      { text: 'lesson', match: true },
      { text: ' with a ', match: false },
      { text: HOSTILE, match: true },
    ]);
    expect(html(nodes)).toBe('…we start every <mark>lesson</mark> with a <mark>&lt;img src=x onerror=alert(1)&gt;</mark>');
  });
  it('renders a result as one link to its permalink', () => {
    const hit: SearchHit = {
      session: { id: 'pubpd-2026-11-26', hashtag: '#PubPD', title: `Evening ${HOSTILE}` },
      seq: 12,
      permalink: '/archive/pubpd-2026-11-26#p12',
      at: '2026-11-26T19:10:00Z',
      author: 'ms_lee',
      name: HOSTILE,
      round: 1,
      snippet: [
        { text: 'a ', match: false },
        { text: 'question', match: true },
      ],
    };
    const li = fake(searchResultItem(hit));
    const a = li.one('a');
    expect(a.getAttribute('href')).toBe('/archive/pubpd-2026-11-26#p12');
    expect(a.one('@snippet').one('mark').textContent).toBe('question');
    expect(li.textContent).toContain(`Evening ${HOSTILE}`);
    expect(li.textContent).toContain(`${HOSTILE} @ms_lee`);
    expect(li.all('img')).toEqual([]);
  });
  it('renders an archive row linking to the session', () => {
    const s: ArchiveSession = {
      id: 'pubpd-2026-11-26',
      hashtag: '#PubPD',
      title: HOSTILE,
      description: '',
      series: null,
      mode: 'live',
      timezone: 'America/Toronto',
      state: 'ended',
      at: '2026-11-26T19:00:00Z',
      started_at: '2026-11-26T19:00:00Z',
      ended_at: '2026-11-26T20:00:00Z',
      questions: 2,
      posts: 7,
      participants: 1,
      urls: { archive: '', join: '', html: '', md: '', json: '', csv: '' },
    };
    const li = fake(archiveRow(s));
    expect(li.one('@archive-link').getAttribute('href')).toBe('/archive/pubpd-2026-11-26');
    expect(li.one('@archive-link').textContent).toBe(`#PubPD ${HOSTILE}`);
    expect(li.one('@archive-row-state').textContent).toBe('Ended');
    expect(li.one('@archive-row-counts').textContent).toBe('7 posts · 1 participant');
    expect(li.all('img')).toEqual([]);
  });
});

function post(seq: number, text: string, extra: Partial<ArchivePost> = {}): ArchivePost {
  return {
    seq,
    permalink: `http://127.0.0.1/archive/s1#p${seq}`,
    at: '2026-11-26T19:10:00Z',
    author: 'ms_lee',
    name: 'Ms Lee',
    role: 'participant',
    text,
    round: 1,
    reply_to: null,
    reply_to_removed: false,
    likes: 0,
    edited: false,
    pinned: false,
    links: [],
    replies: [],
    ...extra,
  };
}

function transcript(over: Partial<Transcript['stats']> = {}): Transcript {
  const reply = post(14, 'Agreed!', { reply_to: 12, author: 'mr_k', name: 'Mr K', replies: [post(15, 'Me too', { reply_to: 14 })] });
  return {
    format: 'hashchat-transcript',
    version: 1,
    generated_at: '2026-11-26T21:00:00Z',
    session: {
      id: 's1',
      hashtag: '#PubPD',
      title: HOSTILE,
      description: 'Teachers in a pub',
      mode: 'live',
      timezone: 'America/Toronto',
      series: null,
      state: 'ended',
      started_at: '2026-11-26T19:00:00Z',
      ended_at: '2026-11-26T20:00:00Z',
      url: 'http://127.0.0.1/archive/s1',
      downloads: { html: '', md: '', json: '', csv: '' },
    },
    roll_call: [post(3, 'Hi, I teach maths', { round: 0 })],
    questions: [
      {
        number: 1,
        text: 'How do you start a lesson?',
        asked_at: '2026-11-26T19:05:00Z',
        answer_count: 2,
        reply_count: 2,
        likes: 3,
        links: [{ url: 'https://example.com/starters', seq: 13, author: 'mr_k' }],
        answers: [post(12, 'A question on the board', { likes: 3, edited: true, replies: [reply] }), post(13, 'See https://example.com/starters', { author: 'mr_k', name: 'Mr K' })],
      },
      { number: 2, text: 'Homework: yes or no?', asked_at: '2026-11-26T19:15:00Z', answer_count: 1, reply_count: 0, likes: 0, links: [], answers: [post(20, HOSTILE, { round: 2, reply_to: 9, reply_to_removed: true })] },
    ],
    other_posts: [],
    announcements: [{ seq: 11, at: '2026-11-26T19:06:00Z', name: 'Host', text: 'Welcome <b>all</b>' }],
    stats: {
      participants: 2,
      posts: 6,
      answers: 3,
      replies: 2,
      introductions: 1,
      likes: 3,
      top_contributors: [{ handle: 'ms_lee', name: 'Ms Lee', posts: 4, likes: 3 }],
      most_liked: [{ seq: 12, permalink: 'http://127.0.0.1/archive/s1#p12', likes: 3, author: 'ms_lee', name: 'Ms Lee', text: 'A question on the board' }],
      first_timers: null,
      activity: { start: '2026-11-26T19:00:00Z', bucket_seconds: 300, posts: [1, 4, 1], chart: 'http://127.0.0.1/api/sessions/s1/activity.svg' },
      ...over,
    },
  };
}

function page(t: Transcript): FakeElement {
  const main = fake(document.createElement('main'));
  main.append(...(transcriptBody(t) as unknown as FakeElement[]));
  return main;
}

describe('transcript rendering', () => {
  it('puts each question in an <h2> with its answers in a list', () => {
    const main = page(transcript());
    const headings = main.all('h2').filter((e) => e.getAttribute('data-testid') === 'question-heading');
    expect(headings.map((e) => e.textContent)).toEqual(['Q1: How do you start a lesson?', 'Q2: Homework: yes or no?']);
    const q1 = main.all('@archive-question')[0];
    const answers = q1.one('ol');
    expect(answers.children.map((li) => li.id)).toEqual(['p12', 'p13']);
    expect(main.one('@roll-call').one('li').id).toBe('p3');
  });
  it('nests replies in lists inside their parent item, each post with its id and permalink', () => {
    const main = page(transcript());
    const p12 = main.one('#p12');
    expect(p12.tagName).toBe('LI');
    const replies = p12.children.find((c) => c.tagName === 'OL');
    expect(replies?.children.map((li) => li.id)).toEqual(['p14']);
    const p14 = main.one('#p14');
    expect(p14.parentNode?.parentNode).toBe(p12);
    expect(main.one('#p15').parentNode?.parentNode).toBe(p14);
    for (const seq of [3, 12, 13, 14, 15, 20]) {
      expect(main.one(`#p${seq}`).one('@permalink').getAttribute('href')).toBe(`#p${seq}`);
    }
  });
  it('marks likes, edits and replies to removed posts', () => {
    const main = page(transcript());
    const p12 = main.one('#p12');
    expect(p12.children[0].one('@likes').textContent).toBe('♥ 3');
    expect(p12.children[0].all('@edited').length).toBe(1);
    expect(main.one('#p13').all('@likes')).toEqual([]);
    expect(main.one('#p20').one('@reply-removed').textContent).toBe('In reply to a removed post');
    expect(main.one('#p12').all('@reply-removed')).toEqual([]);
  });
  it('shows post text with dir=auto and only http(s) links', () => {
    const main = page(transcript());
    const text = main.one('#p13').one('@post-text');
    expect(text.getAttribute('dir')).toBe('auto');
    expect(text.one('a').getAttribute('href')).toBe('https://example.com/starters');
    expect(text.one('a').getAttribute('rel')).toBe('nofollow ugc noopener');
  });
  it('renders hostile text as text, never as elements', () => {
    const t = transcript();
    const main = page(t);
    const header = fake(transcriptHeader(t));
    expect(main.one('#p20').one('@post-text').textContent).toBe(HOSTILE);
    expect(header.one('@archive-title').textContent).toBe(HOSTILE);
    expect(main.outerHTML).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(main.outerHTML).toContain('Welcome &lt;b&gt;all&lt;/b&gt;');
    expect(main.all('b')).toEqual([]);
    expect(main.all('img').map((i) => i.getAttribute('src'))).toEqual(['/api/sessions/s1/activity.svg']);
  });
  it('links downloads, the chart, most liked posts and shared links', () => {
    const main = page(transcript());
    expect(['html', 'md', 'csv', 'json'].map((f) => main.one(`@download-${f}`).getAttribute('href'))).toEqual([
      '/api/sessions/s1/transcript.html',
      '/api/sessions/s1/transcript.md',
      '/api/sessions/s1/transcript.csv',
      '/api/sessions/s1/transcript.json',
    ]);
    const chart = main.one('@activity-chart');
    expect(chart.getAttribute('alt')).toMatch(/^Posts over time, in intervals of \d+ min: 6 in all, at most \d+ in one interval\.$/);
    expect(main.one('@most-liked').one('a').getAttribute('href')).toBe('#p12');
    expect(main.one('@shared-links').all('a').map((a) => a.getAttribute('href'))).toEqual(['https://example.com/starters', '#p13']);
    expect(main.one('@per-question').one('tbody').children.map((tr) => tr.textContent)).toEqual(['Q1223', 'Q2100']);
    expect(main.one('@stat-posts').textContent).toBe('6');
    expect(main.all('@stat-first-timers')).toEqual([]);
    expect(main.all('@still-live')).toEqual([]);
  });
  it('leaves out the chart before the chat began and shows first-timers in a series', () => {
    const main = page(transcript({ activity: null, first_timers: ['mr_k'] }));
    expect(main.all('@activity-chart')).toEqual([]);
    expect(main.one('@stat-first-timers').textContent).toBe('1');
    expect(main.one('@first-timers').textContent).toBe('First time in this series: @mr_k');
  });
  it('says a live chat is still going and links to it', () => {
    const t = transcript();
    t.session.state = 'live';
    const main = page(t);
    expect(main.one('@still-live').one('a').getAttribute('href')).toBe('/s/s1');
  });
  it('renders one post on its own', () => {
    const li = fake(postItem(post(7, 'x', { role: 'moderator', pinned: true }), () => '19:10'));
    expect(li.id).toBe('p7');
    expect(li.hasClass('by-moderator') && li.hasClass('pinned')).toBe(true);
    expect(li.one('@permalink').textContent).toBe('19:10');
  });
});
