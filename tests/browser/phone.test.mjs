// Browser test: the participant's chat as a phone lives it (360x640), and as a screen-reader or
// keyboard user meets it. One server, one chat going from the introductions through table talk and
// posting to the end; other people are plain WebSockets, so every change the page shows is one the
// test made. Nothing sleeps: it waits for conditions.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkA11y, checkLanguage, postLocator, screenshot, until, WAIT } from './harness.mjs';
import { browserSuite } from './harness.mjs';

const suite = browserSuite('hashchat-phone-');
const { createSession, moderatorSocket, newPage, joinAs } = suite;
const PHONE = { viewport: { width: 360, height: 640 } };

const Q1 = 'How do you start a lesson?';
const Q2 = 'Homework: yes or no?';

let cidCount = 0;
async function post(client, text, extra = {}) {
  const ack = await client.request({ type: 'post', cid: `c${++cidCount}`, text, ...extra });
  assert.equal(typeof ack.seq, 'number', JSON.stringify(ack));
  return ack.seq;
}

/** The lines the page's live region holds, oldest first. */
const heard = (page) => page.getByTestId('announcer').locator('p').allTextContents();

async function waitHeard(page, line) {
  await until(`the live region to say ${JSON.stringify(line)}`, async () => (await heard(page)).includes(line));
}

describe('the participant on a phone', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('a #PubPD evening: talk first, answers, links, mentions, filters, new answers, the end', async () => {
    const s = await createSession({ questions: [{ text: Q1, talk_minutes: 3, round_minutes: 8 }, Q2] });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    const bob = await suite.wsClient({ type: 'hello', session: s.id, handle: 'bob', name: 'Bob Brown' });
    await post(bob, 'Hi, Bob from Ottawa', { round: 0 });

    const alice = await newPage(PHONE);
    await joinAs(alice, s.urls.join, 'alice', 'Alice Ames');
    await postLocator(alice, 'Hi, Bob from Ottawa').waitFor(WAIT);
    // The backlog at joining is one summary, not a line per post.
    await waitHeard(alice, '1 new answer');

    // Table talk: the box waits, the phase is read out.
    await mod.request({ type: 'control', action: 'next' });
    await alice.locator('[data-testid=phase]', { hasText: 'Q1: table talk' }).waitFor(WAIT);
    await alice.locator('[data-testid=countdown]', { hasText: /^posting opens in \d+:\d\d$/ }).waitFor(WAIT);
    await alice.getByTestId('composer-notice').filter({ hasText: 'Talk at your table first' }).waitFor(WAIT);
    assert.equal(await alice.getByTestId('composer-text').isDisabled(), true, 'the answer box waits during table talk');
    await waitHeard(alice, `Q1: table talk. ${Q1}`);
    await screenshot(alice, 'phone-talk-360');

    await mod.request({ type: 'control', action: 'next' });
    await alice.locator('[data-testid=phase]', { hasText: 'Q1: answer now with A1' }).waitFor(WAIT);
    await until('the answer box to open', async () => !(await alice.getByTestId('composer-text').isDisabled()));
    await waitHeard(alice, `Q1: answer now with A1. ${Q1}`);

    // A live answer is read out (author, then text); its link is a link, its mention marked.
    const linkText = 'Start with a question @alice, see https://example.org/start?x=1 (or http://x.test/a_(b)).';
    const linked = await post(bob, linkText, { round: 1 });
    await waitHeard(alice, `Bob Brown: ${linkText}`);
    const card = alice.locator(`article[data-seq="${linked}"]`);
    const links = await card.locator('a.post-link').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent, a.rel, a.target]));
    assert.deepEqual(links, [
      ['https://example.org/start?x=1', 'https://example.org/start?x=1', 'nofollow ugc noopener', '_blank'],
      ['http://x.test/a_(b)', 'http://x.test/a_(b)', 'nofollow ugc noopener', '_blank'],
    ]);
    assert.equal(await card.locator('.mention.me').textContent(), '@alice');
    const reply = await post(bob, 'javascript:alert(1) is not a link, nor is ftp://x.test', { reply_to: linked });
    await alice.locator(`article[data-seq="${reply}"]`).waitFor(WAIT);
    assert.equal(await alice.locator(`article[data-seq="${reply}"] a`).count(), 0, 'only http(s) becomes a link');
    await waitHeard(alice, 'Bob Brown replied: javascript:alert(1) is not a link, nor is ftp://x.test');

    // Icon actions name what they do, with counts and state.
    const like = card.getByTestId('like').first();
    assert.equal(await like.getAttribute('aria-label'), 'Like, 0 likes');
    await like.click();
    await until('the like to count', async () => (await like.getAttribute('aria-label')) === 'Like, 1 like, liked by you');
    assert.equal(await like.getAttribute('aria-pressed'), 'true');
    assert.equal(await card.getByTestId('reply').first().getAttribute('aria-label'), 'Reply to Bob Brown');
    for (const b of await card.locator('.post-actions button').all()) {
      const box = await b.boundingBox();
      assert.ok(box.width >= 44 && box.height >= 44, `a post's action is a 44x44 tap target: ${JSON.stringify(box)}`);
    }
    // The other primary actions of the chat: send and the filters.
    for (const b of [alice.getByTestId('send'), ...(await alice.getByTestId('filters').locator('button').all())]) {
      const box = await b.boundingBox();
      assert.ok(box.height >= 44 && box.width >= 44, `${await b.textContent()} is a 44 px tap target: ${JSON.stringify(box)}`);
    }

    // @-mention suggestions from the people in the chat, by keyboard.
    const area = alice.getByTestId('composer-text');
    await area.fill('');
    await area.pressSequentially('Yes @bo');
    await alice.getByTestId('mention-option').filter({ hasText: '@bob' }).waitFor(WAIT);
    assert.equal(await alice.getByTestId('mention-option').count(), 1, 'only bob matches (not me)');
    await area.press('Enter');
    assert.equal(await area.inputValue(), 'Yes @bob ');
    assert.equal(await alice.getByTestId('mention-list').isHidden(), true);
    await area.pressSequentially('and thanks');
    await alice.getByTestId('send').click();
    // (A text with a mention is split over elements: match the article's text.)
    const mine = alice.locator('article[data-testid=post].mine', { hasText: 'Yes @bob and thanks' });
    await mine.waitFor(WAIT);

    // Enough answers to scroll; the phase bar stays within a quarter of the screen while answering.
    for (let i = 1; i <= 12; i++) await post(bob, `Answer number ${i} from Bob`, { round: 1 });
    await postLocator(alice, 'Answer number 12 from Bob').waitFor(WAIT);
    await area.focus();
    const bar = await alice.locator('.phase-bar').boundingBox();
    assert.ok(bar.y + bar.height <= 160, `the header takes at most a quarter of 640 px while answering: ${JSON.stringify(bar)}`);
    const composer = await alice.getByTestId('composer').boundingBox();
    assert.ok(composer.y - (bar.y + bar.height) >= 360, `the feed keeps most of the screen: ${composer.y - (bar.y + bar.height)} px`);
    await screenshot(alice, 'phone-answering-360');
    await checkA11y(alice, 'phone, live round, light');
    await alice.emulateMedia({ colorScheme: 'dark' });
    await checkA11y(alice, 'phone, live round, dark');
    await screenshot(alice, 'phone-answering-360-dark');
    await alice.emulateMedia({ colorScheme: 'light' });
    await area.blur();

    // Scrolled up, new answers are counted; the button takes the reader down.
    await alice.evaluate(() => window.scrollTo(0, 0));
    for (let i = 13; i <= 15; i++) await post(bob, `Answer number ${i} from Bob`, { round: 1 });
    await alice.getByTestId('new-answers').filter({ hasText: '3 new answers ↓' }).waitFor(WAIT);
    await alice.getByTestId('new-answers').click();
    await alice.getByTestId('new-answers').waitFor({ state: 'hidden', ...WAIT });
    await until('the page to be at the bottom', () =>
      alice.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2),
    );

    // Filters: mine, mentions of me, this question (which follows the question).
    const shown = () => alice.locator('[data-testid=feed] > article:not(.filtered-out):not([hidden])').evaluateAll((as) => as.map((a) => a.dataset.seq));
    const filter = (name) => alice.getByTestId('filters').getByRole('button', { name, exact: true }).click();
    await filter('Mine');
    assert.deepEqual(await shown(), [await mine.getAttribute('data-seq')], 'mine: my one answer');
    await filter('Mentions of me');
    assert.deepEqual(await shown(), [String(linked)], 'mentions of me: the post mentioning me (its reply follows it)');
    await mod.request({ type: 'control', action: 'next' }); // Q2 posting (no talk)
    await filter('This question');
    await alice.getByTestId('feed-empty').filter({ hasText: 'No posts to show here yet.' }).waitFor(WAIT);
    const q2 = await post(bob, 'Homework: only reading', { round: 2 });
    await until('Q2 answers to show', async () => JSON.stringify(await shown()) === JSON.stringify([String(q2)]));
    await filter('All');

    // The end: read-only, the archive, and the evening to take home.
    await post(bob, 'Great point @alice', { reply_to: linked });
    await mod.request({ type: 'control', action: 'end' });
    await alice.locator('[data-testid=phase]', { hasText: 'The chat is closed' }).waitFor(WAIT);
    await alice.getByTestId('evening').waitFor(WAIT);
    assert.equal(await alice.getByTestId('composer').isHidden(), true, 'no answer box in a closed chat');
    assert.equal(await alice.locator('[data-testid=feed] button').count(), 0, 'no actions in a closed chat');
    assert.equal(await alice.getByTestId('archive-link').getAttribute('href'), `/archive/${s.id}`);
    const part = async (id) => alice.getByTestId(id).locator('summary').textContent();
    assert.equal(await part('evening-mine'), 'Your answer (1)');
    assert.equal(await part('evening-mentions'), 'Mentions of you (2)');
    assert.equal(await part('evening-likes'), 'Post you liked (1)');
    assert.equal(await part('evening-replies'), 'Replies to you (0)');
    await screenshot(alice, 'phone-closed-360');
    await checkA11y(alice, 'phone, closed chat');
    await alice.context().close();
    bob.close();
    mod.close();
  });

  test('keyboard only: join, answer, reply and like; a French phone reads French', async () => {
    const s = await createSession();
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    await mod.request({ type: 'control', action: 'next' });
    const bob = await suite.wsClient({ type: 'hello', session: s.id, handle: 'bob', name: 'Bob Brown' });
    const target = await post(bob, 'Start with music', { round: 1 });

    const page = await newPage({ viewport: { width: 1280, height: 720 }, isMobile: false, hasTouch: false });
    await page.goto(suite.base + s.urls.join);
    await page.getByTestId('handle').waitFor(WAIT);
    // Join: Tab into the form, type, Enter.
    const focusIs = (testid) => page.evaluate((id) => document.activeElement?.getAttribute('data-testid') === id, testid);
    for (let i = 0; i < 10 && !(await focusIs('handle')); i++) await page.keyboard.press('Tab');
    assert.ok(await focusIs('handle'), 'Tab reaches the handle');
    await page.keyboard.type('kim');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Kim Kay');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
    await postLocator(page, 'Start with music').waitFor(WAIT);

    // The first Tab finds the skip link; it leads to the answer box; Ctrl+Enter sends (as told).
    await page.keyboard.press('Tab');
    assert.ok(await focusIs('skip-link'), 'the first Tab is the skip link');
    await page.keyboard.press('Enter');
    assert.ok(await focusIs('composer-text'), 'the skip link leads to the answer box');
    await page.keyboard.type('A1 a song and a question');
    await page.keyboard.press('Control+Enter');
    await postLocator(page, 'A1 a song and a question').waitFor(WAIT);
    const describedBy = await page.getByTestId('composer-text').getAttribute('aria-describedby');
    assert.equal(await page.locator(`[id="${describedBy}"]`).textContent(), 'Ctrl+Enter sends');

    // Reply and like Bob's post by Tab alone.
    const card = page.locator(`article[data-seq="${target}"]`);
    const tabTo = async (locator, what) => {
      for (let i = 0; i < 40; i++) {
        if (await locator.evaluate((el) => el === document.activeElement)) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`Tab never reached ${what}`);
    };
    await tabTo(card.getByTestId('reply'), 'the reply button');
    await page.keyboard.press('Enter');
    assert.ok(await focusIs('composer-text'), 'reply puts the focus in the answer box');
    await page.keyboard.type('Which song?');
    await page.keyboard.press('Control+Enter');
    await card.locator('.replies').getByText('Which song?').waitFor(WAIT);
    await tabTo(card.getByTestId('like').first(), 'the like button');
    await page.keyboard.press('Space');
    await until('the like to land', async () => (await card.getByTestId('like-count').first().textContent()) === '1');
    await checkA11y(page, 'desktop, live round, light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await checkA11y(page, 'desktop, live round, dark');
    await screenshot(page, 'chat-1280-dark');
    await page.context().close();

    // French: the same chat on a French phone shows only French (and the chat's own words).
    const fr = await newPage({ ...PHONE, locale: 'fr-CA' });
    await fr.goto(suite.base + s.urls.join);
    await fr.getByTestId('handle').fill('lea');
    await fr.getByTestId('name').fill('Léa Roy');
    await fr.getByTestId('join').click();
    await postLocator(fr, 'Start with music').waitFor(WAIT);
    await fr.locator('[data-testid=phase]', { hasText: 'Q1\u00a0: répondez maintenant avec A1' }).waitFor(WAIT);
    await screenshot(fr, 'phone-fr-360');
    const content = ['#PubPD', 'Browser test evening', 'Teachers in a pub', 'How do you start a lesson?', 'Start with music', 'A1 a song and a question', 'Which song?', 'Bob Brown', 'Kim Kay', 'Léa Roy', '@bob', '@kim', '@lea', 'lea', 'America/Toronto', 'A1', 'Q1'];
    await checkLanguage(fr, 'fr', 'participant page in French', content);
    await checkA11y(fr, 'phone, French');
    await fr.context().close();
    bob.close();
    mod.close();
  });
});
