// The moderator console and the landing page as people see them (issue 13, points 5 and 6): the
// console is a dashboard from 1024 px and one column on a phone, with the share panel in reach,
// only valid actions on a hidden post, the hashtag and title as its heading, and keyboard
// shortcuts; the landing page offers "Join a chat" and "Create a chat" above the fold on a phone,
// with the creation form and the series form each a step of their own. Both pass axe-core on
// phone and desktop, light and dark, and speak French when the browser does.
//   HASHCHAT_BIN=build/debug/hashchat node --test tests/browser/console.test.mjs

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, checkA11y, checkLanguage, postLocator, screenshot, until, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-console-');
const { createSession, moderatorSocket, wsClient } = suite;

const PHONE = { width: 360, height: 640 };
const DESKTOP = { width: 1280, height: 720 };

async function page(viewport, options = {}) {
  const context = await suite.browser.newContext({ viewport, ...options });
  const p = await context.newPage();
  p.on('pageerror', (e) => suite.pageErrors.push(e.message));
  return p;
}

/** Opens the console from the moderator link; resolves once the hashtag heading is filled. */
async function openConsole(p, url) {
  await p.goto(suite.base + url);
  await p.waitForFunction(() => location.hash === '');
  await p.getByTestId('join-heading').filter({ hasText: '#PubPD' }).waitFor(WAIT);
  await p.getByTestId('handle').fill('host');
  await p.getByTestId('join').click();
  await p.getByTestId('console-hashtag').filter({ hasText: '#PubPD' }).waitFor(WAIT);
}

/** The boxes of two elements and whether the page scrolls sideways. */
async function layout(p) {
  return p.evaluate(() => {
    const box = (id) => document.querySelector(`[data-testid=${id}]`).getBoundingClientRect().toJSON();
    return { side: box('console-side'), feed: box('console-feed'), scrollWidth: document.documentElement.scrollWidth, width: innerWidth };
  });
}

/** A live round with posts, one of them hidden; the moderator's socket drives the clock. */
async function liveRound() {
  const s = await createSession();
  const mod = await moderatorSocket(s.id, s.moderator_key, 'owner');
  await mod.request({ type: 'control', action: 'start' });
  await mod.request({ type: 'control', action: 'next' }); // Q1, posting (no table talk)
  const alice = await wsClient({ type: 'hello', session: s.id, handle: 'alice', name: 'Alice A' });
  const troll = await wsClient({ type: 'hello', session: s.id, handle: 'troll', name: 'Troll T' });
  await alice.request({ type: 'post', cid: 'a1', text: 'I start with a story.' });
  await alice.request({ type: 'post', cid: 'a2', text: 'And a question on the board.' });
  const spam = await troll.request({ type: 'post', cid: 't1', text: 'Buy cheap stuff!' });
  await mod.request({ type: 'moderate', action: 'hide', seq: spam.seq });
  return { s, mod, close: () => [mod, alice, troll].forEach((c) => c.close()) };
}

const CONTENT = ['#PubPD', 'Browser test evening', 'Teachers in a pub', 'How do you start a lesson?', 'Homework: yes or no?', 'I start with a story.', 'And a question on the board.', 'Buy cheap stuff!', 'Alice A', 'Troll T', 'Host', 'alice', 'troll', 'host', 'owner'];

describe('the moderator console and the landing page', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('the console: dashboard, share panel, hidden post, headings, shortcuts, a11y', async () => {
    const { s, close } = await liveRound();
    const p = await page(DESKTOP);
    try {
      await openConsole(p, s.urls.moderate);
      // The heading is the hashtag and the title, never the id.
      const heading = await p.getByTestId('console-heading').textContent();
      assert.match(heading, /#PubPD/);
      assert.match(heading, /Browser test evening/);
      assert.ok(!heading.includes(s.id), heading);
      assert.equal(await p.locator('h1').count(), 1);

      // 1280x720: controls and feed side by side, nothing scrolls sideways.
      const spam = postLocator(p, 'Buy cheap stuff!');
      await spam.waitFor(WAIT);
      const wide = await layout(p);
      assert.ok(wide.side.right <= wide.feed.left, `side ${JSON.stringify(wide.side)} left of feed ${JSON.stringify(wide.feed)}`);
      assert.ok(wide.side.top < wide.feed.bottom && wide.feed.top < wide.side.bottom, 'side and feed share rows');
      assert.ok(wide.scrollWidth <= wide.width, `no horizontal scroll: ${wide.scrollWidth} > ${wide.width}`);
      const share = p.getByTestId('share');
      assert.equal(await share.getByTestId('join-link').getAttribute('href'), `${suite.base}/s/${s.id}`);
      assert.equal(await share.getByTestId('screen-link').getAttribute('href'), `${suite.base}/s/${s.id}/screen`);

      // A hidden post offers only what the server accepts: unhide, delete (once), and the author's
      // mute and ban; no like, reply, edit or pin.
      await spam.getByTestId('hidden-badge').waitFor(WAIT);
      const testids = await spam.locator('button').evaluateAll((bs) => bs.map((b) => b.dataset.testid));
      assert.deepEqual(testids.sort(), ['ban', 'delete', 'mute', 'unhide']);
      const visible = await postLocator(p, 'I start with a story.').locator('button').evaluateAll((bs) => bs.map((b) => b.dataset.testid));
      for (const id of ['like', 'reply', 'hide', 'pin', 'delete']) assert.ok(visible.includes(id), `${id} on a visible post: ${visible}`);

      // Shortcuts are listed, work from the keyboard, and stay out of a field being typed in.
      const listed = await p.getByTestId('shortcuts').locator('li').allTextContents();
      assert.deepEqual(listed, ['N: next part', 'E: extend', 'P: pause or resume']);
      const phase = p.getByTestId('phase');
      await p.locator('body').click({ position: { x: 5, y: 5 } });
      await p.keyboard.press('n');
      await phase.filter({ hasText: 'Q2' }).waitFor(WAIT);
      const announce = p.getByTestId('announce-text');
      await announce.click();
      await p.keyboard.type('np');
      assert.equal(await announce.inputValue(), 'np');
      assert.equal(await p.getByTestId('ctl-pause').isEnabled(), true, 'typing "p" in a field does not pause');
      await announce.fill('');
      await announce.blur();
      await p.keyboard.press('p');
      await until('paused by P', () => p.getByTestId('ctl-resume').isEnabled());
      await p.keyboard.press('p');
      await until('resumed by P', () => p.getByTestId('ctl-pause').isEnabled());
      const controls = () => p.locator('[data-testid=mod-entry][data-kind=control]').count();
      const before = await controls();
      await p.keyboard.press('e');
      await until('extended by E', async () => (await controls()) === before + 1);

      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await checkA11y(p, `console 1280x720 ${scheme}`);
        await screenshot(p, `console-1280x720-${scheme}`);
      }

      // 360x640: one column (the feed under the controls), the share panel visible and not
      // covered by the answer box.
      await p.setViewportSize(PHONE);
      const narrow = await layout(p);
      assert.ok(narrow.feed.top >= narrow.side.bottom, 'the feed under the side column');
      assert.ok(narrow.scrollWidth <= narrow.width, `no horizontal scroll at 360: ${narrow.scrollWidth}`);
      await share.scrollIntoViewIfNeeded();
      for (const what of ['share-qr', 'join-link', 'screen-link']) {
        const uncovered = await share.getByTestId(what).evaluate((el) => {
          const r = el.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return r.top >= 0 && r.bottom <= innerHeight && (hit === el || el.contains(hit));
        });
        assert.ok(uncovered, `${what} visible and not covered at 360x640`);
      }
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await checkA11y(p, `console 360x640 ${scheme}`);
        await screenshot(p, `console-360x640-${scheme}`);
      }
    } finally {
      await p.context().close();
      close();
    }
  });

  test('the console in French', async () => {
    const { s, close } = await liveRound();
    const p = await page(DESKTOP, { locale: 'fr-CA' });
    try {
      await openConsole(p, s.urls.moderate);
      await postLocator(p, 'Buy cheap stuff!').getByTestId('hidden-badge').waitFor(WAIT);
      const urls = [`${suite.base}/s/${s.id}`, `${suite.base}/s/${s.id}/screen`];
      await checkLanguage(p, 'fr', 'console', [...CONTENT, ...urls]);
      await screenshot(p, 'console-1280x720-fr');

      // The co-moderator keys: the list, a new key and its link.
      const panel = p.getByTestId('keys-panel');
      await panel.locator('summary').click();
      await panel.getByTestId('key-row').first().waitFor(WAIT);
      await panel.getByTestId('key-label').fill('Sam');
      await panel.getByTestId('key-create').click();
      const link = await panel.getByTestId('new-key-link').getAttribute('href', WAIT);
      await panel.getByTestId('key-row').filter({ hasText: 'Sam' }).waitFor(WAIT);
      await checkLanguage(p, 'fr', 'console with a new co-moderator key', [...CONTENT, ...urls, link, 'Sam']);

      // The ban dialog.
      await postLocator(p, 'Buy cheap stuff!').getByTestId('ban').click();
      const dialog = p.getByTestId('ban-dialog');
      await dialog.waitFor(WAIT);
      await checkLanguage(p, 'fr', 'the ban dialog', [...CONTENT, ...urls, link, 'Sam']);
      await screenshot(p, 'console-ban-dialog-1280x720-fr');
      await dialog.getByTestId('ban-cancel').click();
      await dialog.waitFor({ state: 'hidden', ...WAIT });

      // The key form of a moderator link opened without its key (on another device), with a
      // wrong key refused.
      const q = await page(PHONE, { locale: 'fr-CA' });
      try {
        await q.goto(`${suite.base}/s/${s.id}/moderate`);
        await q.getByTestId('join-heading').filter({ hasText: '#PubPD' }).waitFor(WAIT);
        await q.getByTestId('key').fill('not-the-key');
        await q.getByTestId('handle').fill('host');
        await q.getByTestId('join').click();
        await q.getByTestId('join-error').filter({ hasText: /\S/ }).waitFor(WAIT);
        await checkLanguage(q, 'fr', 'the moderator key form with a wrong key', CONTENT);
        await screenshot(q, 'console-key-form-360x640-fr');
      } finally {
        await q.context().close();
      }
    } finally {
      await p.context().close();
      close();
    }
  });

  test('the landing page: join and create above the fold, creation and series as steps', async () => {
    const s = await createSession();
    const p = await page(PHONE, { hasTouch: true, isMobile: true });
    try {
      await p.goto(`${suite.base}/`);
      const join = p.getByTestId('join-chat');
      const create = p.getByTestId('landing-create');
      await create.waitFor(WAIT);
      for (const [what, el] of [['join field', join], ['join button', p.getByTestId('join-chat-go')], ['create button', create]]) {
        const box = await el.boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `${what} above the fold: ${JSON.stringify(box)}`);
        assert.ok(box.height >= 44, `${what} is a 44 px target: ${box.height}`);
      }
      assert.equal(await p.getByTestId('create-form').isVisible(), false);
      assert.equal(await p.getByTestId('series-form').isVisible(), false);
      await p.getByTestId('sessions').getByText('Browser test evening').first().waitFor(WAIT);
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await checkA11y(p, `landing 360x640 ${scheme}`);
        await screenshot(p, `landing-360x640-${scheme}`);
      }
      await p.emulateMedia({ colorScheme: 'light' });

      // Joining by a pasted link.
      await join.fill(`${suite.base}/s/${s.id}`);
      await p.getByTestId('join-chat-go').click();
      await p.waitForURL(`${suite.base}/s/${s.id}`);
      await p.goBack();
      await create.waitFor(WAIT);

      // "Create a chat" opens the form; the series form is its own step.
      await create.click();
      const form = p.getByTestId('create-form');
      await form.waitFor(WAIT);
      assert.equal(await create.getAttribute('aria-expanded'), 'true');
      await form.locator('input[name=hashtag]').fill('#LandingTest');
      await form.locator('input[name=title]').fill('Made on a phone');
      await form.locator('textarea[name=questions]').fill('What did you try this week?');
      await form.getByTestId('create-submit').click();
      const created = p.getByTestId('created');
      await created.waitFor(WAIT);
      assert.match(await created.getByTestId('join-link').getAttribute('href'), new RegExp(`^${suite.base}/s/landingtest-`));
      await screenshot(p, 'landing-created-360x640');

      await p.getByTestId('landing-series').click();
      await p.getByTestId('series-form').waitFor(WAIT);
      assert.equal(await form.isVisible(), false, 'one step at a time');
      await screenshot(p, 'landing-series-360x640');

      await p.setViewportSize(DESKTOP);
      await p.goto(`${suite.base}/`);
      await create.waitFor(WAIT);
      for (const scheme of ['light', 'dark']) {
        await p.emulateMedia({ colorScheme: scheme });
        await checkA11y(p, `landing 1280x720 ${scheme}`);
        await screenshot(p, `landing-1280x720-${scheme}`);
      }
    } finally {
      await p.context().close();
    }

    const fr = await page(PHONE, { locale: 'fr-CA' });
    try {
      await fr.goto(`${suite.base}/`);
      await fr.getByTestId('sessions').getByText('Made on a phone').first().waitFor(WAIT);
      await fr.getByTestId('landing-create').click();
      await checkLanguage(fr, 'fr', 'landing', [...CONTENT, '#LandingTest', 'Made on a phone', 'What did you try this week?']);
      await screenshot(fr, 'landing-360x640-fr');
    } finally {
      await fr.context().close();
    }
  });
});
