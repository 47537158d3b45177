// The pub screen as a room sees it, at 1280x720 and 1920x1080: nothing scrolls, the countdown is
// large, the talk part says so, the QR code decodes to the join link (light and dark colour
// schemes), the newest answers fit whole with pinned ones kept, announcements, the schedule
// before and the archive after, F for full screen, axe-core clean; the screen counts nowhere.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, checkA11y, checkLanguage, decodeQr, screenshot, until, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-screen-');
const { api, createSession, moderatorSocket, wsClient } = suite;

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

async function openScreen(id, viewport, colorScheme = 'light', options = {}) {
  const context = await suite.browser.newContext({ viewport, colorScheme, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => suite.pageErrors.push(e.message));
  await page.goto(`${suite.base}/s/${encodeURIComponent(id)}/screen`);
  await page.getByTestId('hashtag').filter({ hasText: '#PubPD' }).waitFor(WAIT);
  return page;
}

/** Nothing scrolls: the document is no larger than the viewport. */
async function assertNoScroll(page, what) {
  const m = await page.evaluate(() => ({
    sh: document.scrollingElement.scrollHeight,
    sw: document.scrollingElement.scrollWidth,
    h: innerHeight,
    w: innerWidth,
  }));
  assert.ok(m.sh <= m.h && m.sw <= m.w, `${what}: the page is ${m.sw}x${m.sh} in a ${m.w}x${m.h} window`);
}

/** Every answer card shown lies whole inside the answers area; resolves their seqs in order. */
async function visibleAnswers(page) {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid=screen-answers]').getBoundingClientRect();
    return [...document.querySelectorAll('.screen-answer')].map((el) => {
      const r = el.getBoundingClientRect();
      const text = el.querySelector('.text');
      return {
        seq: Number(el.dataset.seq),
        pinned: el.classList.contains('pinned'),
        inside: r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5 && r.right <= window.innerWidth,
        // a clamped text shows whole lines: its height is a multiple of its line height
        wholeLines: Math.abs(text.clientHeight / parseFloat(getComputedStyle(text).lineHeight) - Math.round(text.clientHeight / parseFloat(getComputedStyle(text).lineHeight))) < 0.05,
      };
    });
  });
}

describe('the pub screen', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('a scheduled chat shows its schedule, then the talk part, answers, pins, the end', async () => {
    const s = await createSession({ start: '2026-11-26T14:30:00', talk_minutes: 3, questions: ['How do you start a lesson?', 'Homework: yes or no?', 'What will you try next week?'] });
    const id = s.id;
    const pages = [];
    const sockets = [];
    try {
      for (const size of SIZES) pages.push(await openScreen(id, size));
      const [small, big] = pages;

      // Before the start (19:00Z now, 14:30 Toronto = 19:30Z): the schedule and a countdown.
      for (const [i, page] of pages.entries()) {
        // In the chat's zone (the test browser runs in UTC, where it is 19:30).
        await page.getByTestId('schedule').filter({ hasText: /^Starts Thursday 26 November.* 14:30 \(America\/Toronto\)$/ }).waitFor(WAIT);
        assert.match(await page.getByTestId('screen-note').textContent(), /3 questions, about \d+ minutes/);
        assert.match(await page.getByTestId('caption').textContent(), /Starting in/);
        assert.match(await page.getByTestId('countdown').textContent(), /^(29|30):\d\d$/);
        await assertNoScroll(page, `scheduled at ${SIZES[i].width}`);
        await screenshot(page, `screen-scheduled-${SIZES[i].width}x${SIZES[i].height}`);
      }

      // The QR code decodes to the join link, in both colour schemes (it stays dark on light).
      const joinUrl = `${suite.base}/s/${id}`;
      assert.equal(await small.getByTestId('join-url').textContent(), joinUrl.replace(/^http:\/\//, ''));
      for (const scheme of ['light', 'dark']) {
        const page = scheme === 'light' ? small : await openScreen(id, SIZES[0], 'dark');
        const qr = page.getByTestId('qr');
        await until('the QR code loaded', () => qr.evaluate((img) => img.complete && img.naturalWidth > 0));
        const png = await screenshot(page, `screen-qr-${scheme}`, qr);
        assert.equal(await decodeQr(png), joinUrl, `the QR code in the ${scheme} scheme`);
        assert.match(await qr.getAttribute('alt'), /QR code to join #PubPD/);
        if (scheme === 'dark') await page.context().close();
      }

      // The screen is a viewer: it counts in no presence figure.
      const mod = await moderatorSocket(id, s.moderator_key);
      sockets.push(mod);
      assert.equal((await api('GET', `/api/sessions/${id}`)).json.online, 1, 'only the moderator is here');
      await checkA11y(small, 'screen before the start');

      // Start, then Q1's table talk: "Talk at your table; posting opens in 3:00" counting down.
      await mod.request({ type: 'control', action: 'start' });
      await mod.request({ type: 'control', action: 'next' });
      for (const [i, page] of pages.entries()) {
        await page.getByTestId('question').filter({ hasText: 'How do you start a lesson?' }).waitFor(WAIT);
        await page.getByTestId('caption').filter({ hasText: 'Talk at your table; posting opens in' }).waitFor(WAIT);
        const digits = await page.getByTestId('countdown').textContent();
        assert.match(digits, /^[23]:\d\d$/, `talk countdown ${digits}`);
        assert.equal(await page.getByTestId('stage').textContent(), 'Question 1 of 3');
        // The digits read from the back: at least half the question's height (here larger).
        const sizes = await page.evaluate(() => ({
          clock: parseFloat(getComputedStyle(document.querySelector('[data-testid=countdown]')).fontSize),
          question: parseFloat(getComputedStyle(document.querySelector('[data-testid=question]')).fontSize),
        }));
        assert.ok(sizes.clock >= sizes.question, `countdown ${sizes.clock}px, question ${sizes.question}px`);
        assert.ok(sizes.clock >= SIZES[i].height / 10, `countdown ${sizes.clock}px at ${SIZES[i].height}px high`);
        await assertNoScroll(page, `talk at ${SIZES[i].width}`);
        await screenshot(page, `screen-talk-${SIZES[i].width}x${SIZES[i].height}`);
      }

      // Posting opens: answers of every length come in; one early answer is pinned.
      await mod.request({ type: 'control', action: 'next' });
      await small.getByTestId('caption').filter({ hasText: 'Answer with A1' }).waitFor(WAIT);
      const people = [];
      for (let i = 0; i < 6; i++) {
        const c = await wsClient({ type: 'hello', session: id, handle: `teacher${i}`, name: `Teacher ${i}` });
        sockets.push(c);
        people.push(c);
      }
      const seqs = [];
      for (let i = 0; i < 14; i++) {
        const text = i % 3 === 0
          ? `A1 Answer ${i}: ${'we begin with a question on the board and let the class argue about it, '.repeat(4)}`
          : `A1 Answer ${i}: a short one`;
        const ack = await people[i % people.length].request({ type: 'post', cid: `c${i}`, text });
        seqs.push(ack.seq);
      }
      await mod.request({ type: 'moderate', action: 'pin', seq: seqs[1] });
      await mod.request({ type: 'announce', text: 'Drinks are on the house after Q2!' });
      for (const [i, page] of pages.entries()) {
        await page.locator(`.screen-answer[data-seq="${seqs[13]}"]`).waitFor(WAIT);
        await page.locator(`.screen-answer.pinned[data-seq="${seqs[1]}"]`).waitFor(WAIT);
        await page.getByTestId('screen-announce').filter({ hasText: 'Drinks are on the house after Q2!' }).waitFor(WAIT);
        const shown = await visibleAnswers(page);
        assert.ok(shown.length >= 4, `${shown.length} answers at ${SIZES[i].width}x${SIZES[i].height}`);
        for (const a of shown) {
          assert.ok(a.inside, `answer ${a.seq} lies whole inside the answers area at ${SIZES[i].width}`);
          assert.ok(a.wholeLines, `answer ${a.seq} shows whole lines at ${SIZES[i].width}`);
        }
        assert.equal(shown[0].seq, seqs[1], 'the pinned answer comes first');
        assert.equal(shown[1].seq, seqs[13], 'then the newest');
        const order = shown.slice(1).map((a) => a.seq);
        assert.deepEqual(order, [...order].sort((x, y) => y - x), 'newest first');
        await assertNoScroll(page, `answers at ${SIZES[i].width}`);
        await screenshot(page, `screen-answers-${SIZES[i].width}x${SIZES[i].height}`);
      }
      const bigShown = (await visibleAnswers(big)).length;
      const smallShown = (await visibleAnswers(small)).length;
      assert.ok(bigShown >= smallShown, `1080p shows ${bigShown}, 720p ${smallShown}`);
      assert.equal((await api('GET', `/api/sessions/${id}`)).json.online, 7, 'the moderator and six teachers; no screen');
      await checkA11y(small, 'screen during a round');
      await checkA11y(big, 'screen during a round, 1080p');

      // F: full screen, and back.
      await small.keyboard.press('f');
      await until('full screen', () => small.evaluate(() => document.fullscreenElement !== null));
      await small.keyboard.press('f');
      await until('full screen left', () => small.evaluate(() => document.fullscreenElement === null));

      // The end: thanks and the archive's address.
      await mod.request({ type: 'control', action: 'end' });
      for (const [i, page] of pages.entries()) {
        await page.getByTestId('question').filter({ hasText: 'Thank you for joining #PubPD!' }).waitFor(WAIT);
        assert.equal(await page.getByTestId('archive-url').textContent(), `${suite.base.replace(/^http:\/\//, '')}/archive/${id}`);
        await assertNoScroll(page, `closed at ${SIZES[i].width}`);
        await screenshot(page, `screen-closed-${SIZES[i].width}x${SIZES[i].height}`);
      }
      await checkA11y(small, 'screen after the end');
    } finally {
      for (const c of sockets) c.close();
      for (const p of pages) await p.context().close();
    }
  });

  test('the pub screen in French: before, during the talk, answers, after', async () => {
    const questions = ['How do you start a lesson?', 'Homework: yes or no?'];
    const s = await createSession({ start: '2026-11-26T14:30:00', talk_minutes: 3, questions });
    const page = await openScreen(s.id, SIZES[0], 'light', { locale: 'fr-CA' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    const alice = await wsClient({ type: 'hello', session: s.id, handle: 'alice', name: 'Alice A' });
    const content = ['#PubPD', 'Browser test evening', 'Teachers in a pub', ...questions, 'Alice A', '@alice', 'alice', 'A1 We start with a story.', 'Les verres après Q2 !',
      `${suite.base}/s/${s.id}`.replace(/^http:\/\//, ''), `${suite.base}/archive/${s.id}`.replace(/^http:\/\//, ''),
      suite.base.replace(/^http:\/\//, ''), `/s/${s.id}`, `/archive/${s.id}`]; // the link is drawn as host and path
    try {
      await page.getByTestId('schedule').filter({ hasText: /^Début/ }).waitFor(WAIT);
      await checkLanguage(page, 'fr', 'the pub screen before the start, in French', content);
      await screenshot(page, 'screen-scheduled-1280x720-fr');

      await mod.request({ type: 'control', action: 'start' });
      await mod.request({ type: 'control', action: 'next' });
      await page.getByTestId('question').filter({ hasText: questions[0] }).waitFor(WAIT);
      await checkLanguage(page, 'fr', 'the pub screen during the talk, in French', content);

      await mod.request({ type: 'control', action: 'next' });
      const ack = await alice.request({ type: 'post', cid: 'a1', text: 'A1 We start with a story.' });
      await mod.request({ type: 'moderate', action: 'pin', seq: ack.seq });
      await mod.request({ type: 'announce', text: 'Les verres après Q2 !' });
      await page.locator(`.screen-answer.pinned[data-seq="${ack.seq}"]`).waitFor(WAIT);
      await page.getByTestId('screen-announce').filter({ hasText: 'Les verres après Q2 !' }).waitFor(WAIT);
      await checkLanguage(page, 'fr', 'the pub screen with answers, in French', content);
      await screenshot(page, 'screen-answers-1280x720-fr');

      await mod.request({ type: 'control', action: 'end' });
      await page.getByTestId('archive-url').waitFor(WAIT);
      await checkLanguage(page, 'fr', 'the pub screen after the end, in French', content);
      await screenshot(page, 'screen-closed-1280x720-fr');
    } finally {
      mod.close();
      alice.close();
      await page.context().close();
    }
  });

  test('the creation page and the moderator console show the join link and its QR code', async () => {
    for (const scheme of ['light', 'dark']) {
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
      const page = await context.newPage();
      page.on('pageerror', (e) => suite.pageErrors.push(e.message));
      try {
        await page.goto(`${suite.base}/`);
        await page.getByTestId('landing-create').click();
        const form = page.getByTestId('create-form');
        await form.locator('input[name=hashtag]').fill('#PubPD');
        await form.locator('input[name=title]').fill(`Share ${scheme}`);
        await form.locator('textarea[name=questions]').fill('How do you start a lesson?');
        await form.locator('button[type=submit]').click();
        const created = page.getByTestId('created');
        await created.waitFor(WAIT);
        const join = await created.getByTestId('join-link').getAttribute('href');
        assert.match(join, new RegExp(`^${suite.base}/s/pubpd-2026-11-26(-\\d+)?$`));
        assert.equal(await created.getByTestId('screen-link').getAttribute('href'), `${join}/screen`);
        const qr = created.getByTestId('share-qr');
        await until('the QR code loaded', () => qr.evaluate((img) => img.complete && img.naturalWidth > 0));
        assert.equal(await decodeQr(await screenshot(page, `created-qr-${scheme}`, qr)), join, `creation page, ${scheme}`);
        await created.scrollIntoViewIfNeeded();
        await screenshot(page, `created-1280x720-${scheme}`);

        await page.goto(await page.getByTestId('moderate-link').getAttribute('href'));
        await page.waitForFunction(() => location.hash === '');
        await page.getByTestId('handle').fill('host');
        await page.getByTestId('join').click();
        const share = page.getByTestId('share');
        await share.waitFor(WAIT);
        assert.equal(await share.getByTestId('join-link').getAttribute('href'), join);
        const modQr = share.getByTestId('share-qr');
        await until('the console QR code loaded', () => modQr.evaluate((img) => img.complete && img.naturalWidth > 0));
        assert.equal(await decodeQr(await screenshot(page, `moderator-qr-${scheme}`, modQr)), join, `moderator console, ${scheme}`);
        await share.scrollIntoViewIfNeeded();
        await screenshot(page, `moderator-share-1280x720-${scheme}`);
        await page.setViewportSize({ width: 360, height: 640 });
        await share.scrollIntoViewIfNeeded();
        await screenshot(page, `moderator-share-360x640-${scheme}`);
      } finally {
        await context.close();
      }
    }
  });
});
