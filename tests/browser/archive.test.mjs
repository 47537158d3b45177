// The archive in the browser: a short chat scripted over WebSocket (two questions, answers, a
// reply, a hostile post, an announcement), ended by moving the test clock; then /archive lists
// it, its page shows the questions with replies nested under their parent, a permalink
// (#p{seq}) brings its post into view highlighted, and a search finds a post and leads to it.
// Each screen (list, chat, search results) passes axe-core at phone and desktop sizes in light and
// dark, and speaks only French in a French browser (the downloads and the feed stay English).
//   HASHCHAT_BIN=build/debug/hashchat node --test tests/browser/archive.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, checkA11y, checkLanguage, screenshot, until, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-archive-');
const { api, createSession, moderatorSocket, newPage, wsClient } = suite;

const HOSTILE = '<script>window.__pwned=1</script>';

async function post(client, cid, text, extra = {}) {
  const ack = await client.request({ type: 'post', cid, text, ...extra });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.ok(Number.isInteger(ack.seq), JSON.stringify(ack));
  return ack.seq;
}

/** Is the element wholly inside the viewport? */
function inView(locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
}

/** Phone and desktop, light and dark: no axe violation, and a screenshot of each for review. */
async function looks(page, name) {
  for (const [width, height] of [[360, 640], [1280, 720]]) {
    await page.setViewportSize({ width, height });
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      await checkA11y(page, `${name}, ${width}x${height}, ${colorScheme}`);
      await screenshot(page, `${name}-${width}-${colorScheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 360, height: 740 });
}

/** What people wrote in a chat (checkLanguage lets it be in any language), from its transcript. */
async function chatContent(id) {
  const t = (await api('GET', `/api/sessions/${id}/transcript.json`)).json;
  const posts = [...t.roll_call, ...t.other_posts, ...t.questions.flatMap((q) => q.answers)];
  for (let i = 0; i < posts.length; i++) posts.push(...posts[i].replies);
  return [
    t.session.hashtag,
    t.session.title,
    t.session.description,
    t.session.timezone,
    ...t.questions.map((q) => q.text),
    ...posts.flatMap((p) => [p.text, p.name, `@${p.author}`, p.author]),
    ...t.announcements.flatMap((a) => [a.text, a.name]),
  ];
}

/** The text nodes of posts and snippets (chat content in pieces), and the dates Intl wrote. */
function piecesAndDates(page) {
  return page.evaluate(() => [
    ...[...document.querySelectorAll('[data-testid=snippet], [data-testid=post-text]')].flatMap((el) => [...el.childNodes].map((n) => n.textContent.trim())),
    ...[...document.querySelectorAll('time')].flatMap((el) => [el.textContent, el.title]),
    document.querySelector('[data-testid=archive-when]')?.textContent ?? '',
  ]);
}

describe('the archive in the browser', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('list, session page, permalinks and search', async () => {
    const s = await createSession({ hashtag: '#ArchiveTest', title: 'Archived evening' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    const alice = await wsClient({ type: 'hello', session: s.id, handle: 'alice', name: 'Alice A' });
    const bob = await wsClient({ type: 'hello', session: s.id, handle: 'bob', name: 'Bob B' });
    await mod.request({ type: 'control', action: 'start' });
    const intro = await post(alice, 'a0', 'Hello, Alice here, I teach maths');
    await mod.request({ type: 'control', action: 'next' }); // Q1
    const riddle = await post(alice, 'a1', 'We start with a riddle on the board');
    const reply = await post(bob, 'b1', 'Riddles work for my class too', { reply_to: riddle });
    const hostile = await post(bob, 'b2', HOSTILE);
    // Enough answers that the page is longer than a phone's screen.
    for (let i = 0; i < 8; i++) await post(bob, `f${i}`, `Another starter idea number ${i}: https://example.com/idea/${i}`);
    // Likes, shown in the archive with their count.
    for (const [who, seq] of [[bob, riddle], [alice, reply], [mod, riddle]]) assert.equal((await who.request({ type: 'like', seq })).type, 'ok');
    await mod.request({ type: 'announce', text: 'Next question soon' });
    await mod.request({ type: 'control', action: 'next' }); // Q2
    const homework = await post(alice, 'a2', 'Homework should be short and optional');
    for (const c of [mod, alice, bob]) c.close();

    // The chat ends as its timetable runs out.
    assert.equal((await api('POST', '/api/test/clock', { advance_seconds: 3600 })).status, 200);
    await until('the chat has ended', async () => (await api('GET', `/api/sessions/${s.id}`)).json.phase?.phase === 'closed');
    await until('the search index has the posts', async () => (await api('GET', '/api/search?q=riddle')).json.results?.length >= 1);

    // Twenty newer chats, so the list needs its "More" button to reach this one.
    for (let i = 0; i < 20; i++) await createSession({ hashtag: '#Filler', title: `Filler ${i}` });

    const page = await newPage({ timezoneId: 'America/Toronto', locale: 'en-GB' });
    try {
      // The list, newest first, twenty at a time: the session, linked, with its counts; the feed link.
      await page.goto(`${suite.base}/`);
      await page.getByTestId('archive-nav').click();
      await page.waitForURL(`${suite.base}/archive`, WAIT);
      const rows = page.getByTestId('archive-row');
      const row = page.locator(`[data-testid=archive-row][data-id="${s.id}"]`);
      await page.getByTestId('archive-count').filter({ hasText: 'Showing 20 of 21 chats, newest first.' }).waitFor(WAIT);
      assert.equal(await rows.count(), 20);
      assert.equal(await row.count(), 0);
      assert.match(await rows.first().getByTestId('archive-link').textContent(), /^#Filler Filler \d+$/);
      await page.getByTestId('archive-more').click();
      await row.waitFor(WAIT);
      assert.equal(await rows.count(), 21);
      assert.equal(await rows.last().getAttribute('data-id'), s.id);
      await page.getByTestId('archive-more').waitFor({ state: 'hidden', ...WAIT });
      assert.equal(await row.getByTestId('archive-link').textContent(), '#ArchiveTest Archived evening');
      assert.equal(await row.getByTestId('archive-row-state').textContent(), 'Ended');
      assert.equal(await row.getByTestId('archive-row-counts').textContent(), '13 posts · 2 participants');
      assert.equal(await page.getByTestId('feed-link').getAttribute('href'), '/feed.atom');

      // A filter goes into the address and comes back after a reload.
      await page.getByTestId('filter-hashtag').selectOption('archivetest');
      await page.waitForURL(/\/archive\?hashtag=archivetest$/, WAIT);
      assert.equal(await page.getByTestId('feed-link').getAttribute('href'), '/feed.atom?hashtag=archivetest');
      await page.reload();
      await row.waitFor(WAIT);
      assert.equal(await page.getByTestId('filter-hashtag').inputValue(), 'archivetest');
      await page.getByTestId('filter-state').selectOption('scheduled');
      await page.getByTestId('archive-empty').waitFor(WAIT);
      await page.getByTestId('filter-state').selectOption('ended');
      await row.waitFor(WAIT);
      assert.match(page.url(), /\?hashtag=archivetest&state=ended$/);
      assert.equal(await page.locator('header [data-testid=prefs]').count(), 1);
      await looks(page, 'archive-list');

      // The session's page.
      await row.getByTestId('archive-link').click();
      await page.waitForURL(`${suite.base}/archive/${s.id}`, WAIT);
      await page.locator('[data-testid=archive-session][data-ready]').waitFor(WAIT);
      assert.deepEqual(await page.getByTestId('question-heading').allTextContents(), [
        'Q1: How do you start a lesson?',
        'Q2: Homework: yes or no?',
      ]);
      assert.equal(await page.getByTestId('archive-state').textContent(), 'Ended');
      assert.equal(await page.locator(`[data-testid=roll-call] li#p${intro}`).count(), 1);
      // Each question is an <h2> followed by its answers in a list; the reply is in a list inside
      // its parent's item.
      const q1 = page.locator('[data-testid=archive-question][data-number="1"]');
      assert.equal(await q1.locator(`h2 + p + ol > li#p${riddle}`).count(), 1);
      assert.equal(await page.locator(`li#p${riddle} > ol > li#p${reply}`).count(), 1);
      assert.equal(await page.locator(`#p${reply} [data-testid=post-text]`).textContent(), 'Riddles work for my class too');
      assert.equal(await page.locator(`[data-testid=archive-question][data-number="2"] ol > li#p${homework}`).count(), 1);
      assert.equal(await page.locator(`#p${hostile} [data-testid=post-text]`).textContent(), HOSTILE);
      assert.equal(await page.locator('#app script').count(), 0);
      assert.equal(await page.locator(`#p${reply} [data-testid=permalink]`).getAttribute('href'), `#p${reply}`);
      const link = page.locator(`#p${riddle + 3} [data-testid=post-text] a`);
      assert.equal(await link.getAttribute('href'), 'https://example.com/idea/0');
      assert.equal(await link.getAttribute('rel'), 'nofollow ugc noopener');
      assert.equal(await page.getByTestId('announcements').locator('li').textContent().then((t) => t.endsWith('Next question soon')), true);
      assert.equal(await page.getByTestId('stat-posts').textContent(), '13');
      assert.equal(await page.getByTestId('stat-participants').textContent(), '2');
      assert.equal(await page.getByTestId('activity-chart').getAttribute('src'), `/api/sessions/${s.id}/activity.svg`);
      await page.getByTestId('activity-chart').scrollIntoViewIfNeeded(); // it loads lazily
      await until('the chart loaded', () => page.getByTestId('activity-chart').evaluate((img) => img.complete && img.naturalWidth > 0));
      for (const f of ['html', 'md', 'csv', 'json']) {
        const href = await page.getByTestId(`download-${f}`).getAttribute('href');
        assert.equal(href, `/api/sessions/${s.id}/transcript.${f}`);
        assert.equal((await fetch(suite.base + href)).status, 200, href);
      }
      assert.equal(await page.getByTestId('back-to-archive').first().getAttribute('href'), '/archive');
      assert.equal(await page.locator(`#p${riddle} > .post-meta [data-testid=likes]`).textContent(), '♥ 2');
      assert.equal(await page.locator(`#p${riddle} > .post-meta [data-testid=likes]`).getAttribute('title'), '2 likes');
      assert.equal(await page.locator(`#p${reply} [data-testid=likes]`).getAttribute('title'), '1 like');
      assert.equal(await page.getByTestId('stat-likes').textContent(), '3');
      assert.equal(await page.locator('header [data-testid=prefs]').count(), 1);
      await looks(page, 'archive-chat');

      // Clicking a permalink moves the highlight to that post.
      await page.locator(`#p${reply} [data-testid=permalink]`).click();
      await page.locator(`li#p${reply}.target`).waitFor(WAIT);
      assert.equal(await page.evaluate(() => location.hash), `#p${reply}`);
      assert.equal(await page.locator('.archive-post.target').count(), 1);

      // Opening a permalink: the post far down the page is in view and highlighted.
      await page.goto(`${suite.base}/archive/${s.id}#p${homework}`);
      const target = page.locator(`li#p${homework}.target`);
      await target.waitFor(WAIT);
      await until('the post is in view', () => inView(target));
      assert.ok((await page.evaluate(() => window.scrollY)) > 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);

      // Search from /archive: a result with <mark> links to the post's permalink, and leads to it.
      await page.goto(`${suite.base}/archive`);
      await page.getByTestId('search-input').fill('riddle');
      await page.getByTestId('search-submit').click();
      const result = page.getByTestId('search-result').filter({ hasText: 'Alice A' });
      await result.waitFor(WAIT);
      assert.match(page.url(), /\/archive\?q=riddle$/);
      assert.equal((await result.locator('mark').first().textContent()).toLowerCase(), 'riddle');
      const href = await result.getByTestId('result-link').getAttribute('href');
      assert.equal(href, `/archive/${s.id}#p${riddle}`);
      await result.getByTestId('result-link').click();
      await page.waitForURL(`${suite.base}/archive/${s.id}#p${riddle}`, WAIT);
      await page.locator(`li#p${riddle}.target`).waitFor(WAIT);
      await until('the found post is in view', () => inView(page.locator(`li#p${riddle} > [data-testid=post-text]`)));
      await page.goBack();
      await result.waitFor(WAIT);
      await looks(page, 'archive-search');

      // A search for nothing found, and one the server refuses (the page says why in its own words).
      await page.goto(`${suite.base}/archive?q=zebracrossing`);
      await page.getByTestId('search-empty').filter({ hasText: 'No results.' }).waitFor(WAIT);
      assert.equal(await page.getByTestId('search-input').inputValue(), 'zebracrossing');
      await page.getByTestId('search-input').fill('-homework');
      await page.getByTestId('search-submit').click();
      const refusal = await api('GET', '/api/search?q=-homework');
      assert.equal(refusal.status, 400);
      assert.equal(refusal.json.error, 'bad_request');
      await page.getByTestId('search-error').waitFor(WAIT);
      assert.equal(
        await page.getByTestId('search-error').textContent(),
        'This search cannot be run. Type at least one word to look for (not only words to leave out), and keep it short.',
      );

      // The hostile post, found by search, stays text.
      await page.getByTestId('search-input').fill('pwned');
      await page.getByTestId('search-submit').click();
      await page.getByTestId('search-result').first().waitFor(WAIT);
      assert.match(await page.getByTestId('snippet').first().textContent(), /<script>window\.__pwned=1<\/script>/);
      assert.equal(await page.locator('#app script').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);

      // An unknown session.
      await page.goto(`${suite.base}/archive/nope`);
      await page.getByTestId('archive-error').filter({ hasText: 'There is no such chat in the archive.' }).waitFor(WAIT);
    } finally {
      await page.context().close();
    }

    // In French: the list with a search's results, then the chat; numbers, dates and plurals too.
    const fr = await newPage({ timezoneId: 'America/Toronto', locale: 'fr-CA' });
    try {
      const content = [...(await chatContent(s.id)), '#Filler', ...Array.from({ length: 20 }, (_, i) => `Filler ${i}`)];
      await fr.goto(`${suite.base}/archive?q=riddle`);
      await fr.getByTestId('search-result').first().waitFor(WAIT);
      await fr.getByTestId('archive-count').filter({ hasText: 'Affichage\u00a0: 20 sur 21 clavardages, du plus récent au plus ancien.' }).waitFor(WAIT);
      assert.equal(await fr.evaluate(() => document.documentElement.lang), 'fr');
      assert.equal(await fr.getByTestId('search-count').textContent(), '1 message correspond.');
      assert.equal(await fr.getByTestId('search-submit').textContent(), 'Chercher');
      // Chat content too: the hashtags as the filter lists them; the pieces of posts (a snippet's
      // words around its <mark>, the text around a link), and the dates, which are Intl's own
      // French (checked on the chat's page).
      await checkLanguage(fr, 'fr', 'the archive list and a search, in French', [...content, '#archivetest', '#filler', ...(await piecesAndDates(fr))]);
      await checkA11y(fr, 'the archive list in French');
      await screenshot(fr, 'archive-search-fr-360');

      await fr.goto(`${suite.base}/archive/${s.id}`);
      await fr.locator('[data-testid=archive-session][data-ready]').waitFor(WAIT);
      assert.equal(await fr.getByTestId('archive-state').textContent(), 'Terminé');
      assert.equal(await fr.getByTestId('question-heading').first().textContent(), 'Q1\u00a0: How do you start a lesson?');
      assert.equal(await fr.locator(`#p${riddle} > .post-meta [data-testid=likes]`).getAttribute('title'), '2 j’aime');
      // Dates in French ("jeu. 26 nov."), the downloads still English files.
      assert.match(await fr.getByTestId('archive-when').textContent(), /^jeu\. 26 nov\./);
      assert.equal(await fr.getByTestId('download-md').getAttribute('hreflang'), 'en');
      await checkLanguage(fr, 'fr', 'an archived chat, in French', [...content, ...(await piecesAndDates(fr))]);
      await checkA11y(fr, 'an archived chat in French');
      await screenshot(fr, 'archive-chat-fr-360');
    } finally {
      await fr.context().close();
    }
  });
});
