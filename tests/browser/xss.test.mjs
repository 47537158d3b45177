// XSS: payloads that would set window.__xss (or open a dialog) if they ever ran are posted as post
// text, announcement text, display names, and a session's title, description and questions, then
// rendered by the landing, participant and moderator pages in Chromium (and, with pre-moderation,
// in the moderator's approval queue and the author's "waiting for a moderator" list). The sentinel
// stays unset, no dialog opens, and each payload's text is on the page literally.
// Handles are [A-Za-z0-9_] only, so they carry no payload.
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-xss-');
const { createSession, moderatorSocket, newPage, joinAs, wsClient } = suite;

export const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  '"><svg onload=window.__xss=1>',
  'javascript:window.__xss=1',
  '<a href="javascript:window.__xss=1">x</a>',
  "{{constructor.constructor('window.__xss=1')()}}",
  '<iframe srcdoc="<script>parent.__xss=1</script>">',
  '[x](javascript:window.__xss=1)',
  "'\"><img src=x onerror=alert(1)>",
  '</textarea></p><img src=x onerror=confirm(1)>',
  '@alice <img src=x onerror=window.__xss=1> @bob',
  '&lt;b&gt;not bold&lt;/b&gt; &amp; &#60;script&#62;',
  '${window.__xss=1} <style>body{display:none}</style>',
  'שלום עולם مرحبا بالعالم 👩‍🏫🎉 <b>x</b>',
];

/** Display names are at most 50 code points. */
const NAMES = PAYLOADS.filter((p) => [...p].length <= 50);

/** Watches a page for dialogs (alert/confirm/prompt): any is a failure. */
function guard(page) {
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return dialogs;
}

/** Waits until the page's text holds every string in `texts` (as text, not markup). */
async function waitForTexts(page, texts, what) {
  try {
    await page.waitForFunction((ts) => ts.every((t) => document.body.textContent.includes(t)), texts, WAIT);
  } catch (e) {
    const body = await page.evaluate(() => document.body.textContent);
    const missing = texts.filter((t) => !body.includes(t));
    throw new Error(`${what}: not on the page literally: ${JSON.stringify(missing)}\n${e.message}`);
  }
}

/** Nothing ran: no sentinel, no dialog, and no element a payload could have made. */
async function assertClean(page, dialogs, what) {
  // One more frame and a task, so that anything a payload queued would have run.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  assert.equal(await page.evaluate(() => window.__xss), undefined, `${what}: window.__xss was set`);
  assert.deepEqual(dialogs, [], `${what}: a dialog opened`);
  // The one image the app itself shows on these pages is the join link's QR code.
  const made = await page.evaluate(() => document.querySelectorAll('#app img:not([data-testid=share-qr]), #app svg, #app iframe, #app script, #app style, #app a[href^="javascript"]').length);
  assert.equal(made, 0, `${what}: markup from user text became elements`);
}

async function openModerator(page, s, name = 'Host') {
  await page.goto(suite.base + s.urls.moderate);
  await page.waitForFunction(() => location.hash === '');
  // The plain-socket moderator is @host: the page is another moderator.
  await page.getByTestId('handle').fill('console');
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
}

describe('no user text runs as markup', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('payloads as post text, announcements, names, title, description and questions', async () => {
    const s = await createSession({
      hashtag: '#XSS',
      title: PAYLOADS[0],
      description: PAYLOADS[6],
      questions: [PAYLOADS[1], PAYLOADS[4]],
    });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    await mod.request({ type: 'control', action: 'next' }); // Q1: its text is a payload

    // Everyone of them posts with a payload as the name and as the text; the host announces each.
    const posters = [];
    for (let i = 0; i < PAYLOADS.length; i++) {
      const name = NAMES[i % NAMES.length];
      const c = await wsClient({ type: 'hello', session: s.id, handle: `p${i}`, name }, `poster ${i}`);
      posters.push(c);
      const ack = await c.request({ type: 'post', cid: `x-${i}`, text: PAYLOADS[i] });
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      await mod.request({ type: 'announce', text: `${i}: ${PAYLOADS[i]}` });
    }
    const expected = [...PAYLOADS, ...NAMES, ...PAYLOADS.map((p, i) => `${i}: ${p}`)];

    // The join page shows title and description.
    const joiner = await newPage();
    const joinerDialogs = guard(joiner);
    const viewer = await newPage();
    const viewerDialogs = guard(viewer);
    const moderator = await newPage();
    const moderatorDialogs = guard(moderator);
    const landing = await newPage();
    const landingDialogs = guard(landing);
    try {
      await landing.goto(suite.base + '/');
      await waitForTexts(landing, [PAYLOADS[0]], 'landing');
      await assertClean(landing, landingDialogs, 'landing');

      await joiner.goto(suite.base + s.urls.join);
      await waitForTexts(joiner, [PAYLOADS[0], PAYLOADS[6]], 'join page');
      await assertClean(joiner, joinerDialogs, 'join page');

      // The participant page: also posts one itself, through the composer, with a payload name.
      await joinAs(viewer, s.urls.join, 'viewer', NAMES[2]);
      await waitForTexts(viewer, [...expected, PAYLOADS[0], PAYLOADS[1]], 'participant page');
      await viewer.getByTestId('composer-text').fill(PAYLOADS[9]);
      await viewer.getByTestId('send').click();
      await viewer.locator('article[data-testid=post].mine').waitFor(WAIT);
      // By question: the section titles are the (payload) questions.
      await viewer.getByRole('button', { name: 'By question' }).click();
      await waitForTexts(viewer, [...expected, PAYLOADS[4]], 'participant page, by question');
      await assertClean(viewer, viewerDialogs, 'participant page');

      // The moderator page (its own name a payload): answers grouped by question, the timetable.
      await openModerator(moderator, s, NAMES[0]);
      await waitForTexts(moderator, [...expected, PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]], 'moderator page');
      // The moderator hides one payload post and pins another: the log and the markers render too.
      const hidden = moderator.locator('article[data-testid=post]', { hasText: PAYLOADS[2] }).first();
      await hidden.getByTestId('hide').click();
      await hidden.getByTestId('hidden-badge').waitFor(WAIT);
      await moderator.locator('[data-testid=mod-entry][data-kind=hide]').waitFor({ state: 'attached', ...WAIT });
      await assertClean(moderator, moderatorDialogs, 'moderator page');
      await assertClean(viewer, viewerDialogs, 'participant page after the hide');
    } finally {
      for (const c of posters) c.close();
      mod.close();
      for (const p of [joiner, viewer, moderator, landing]) await p.context().close();
    }
  });

  test('a payload waiting for approval, in the queue and on its author\'s page', async () => {
    const s = await createSession({ hashtag: '#XSSq', title: 'Pre-moderated', options: { premoderation: true, slowdown_seconds: 0 } });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    const author = await newPage();
    const authorDialogs = guard(author);
    const moderator = await newPage();
    const moderatorDialogs = guard(moderator);
    try {
      await openModerator(moderator, s);
      await joinAs(author, s.urls.join, 'author', NAMES[1]);
      const waiting = [PAYLOADS[0], PAYLOADS[6], PAYLOADS[13]];
      for (const p of waiting) {
        await author.getByTestId('composer-text').fill(p);
        await author.getByTestId('send').click();
      }
      // The author sees them waiting for a moderator (not as posts, not being resent).
      await author.locator('[data-testid=held-post]').nth(waiting.length - 1).waitFor(WAIT);
      for (const label of await author.getByTestId('held-label').allTextContents()) assert.equal(label, 'waiting for a moderator');
      await waitForTexts(author, waiting, 'author page');
      assert.equal(await author.locator('article[data-testid=post]').count(), 0);

      // The moderator's queue shows them literally, with the author's payload name.
      await moderator.locator('[data-testid=queue-item]').nth(waiting.length - 1).waitFor(WAIT);
      await waitForTexts(moderator, [...waiting, NAMES[1]], 'moderator queue');
      assert.deepEqual(await moderator.getByTestId('queue-text').allTextContents(), waiting);
      await assertClean(moderator, moderatorDialogs, 'moderator queue');
      await assertClean(author, authorDialogs, 'author page');

      // Approve the first: it becomes a normal post; reject the second: "not approved", dismissable.
      await moderator.locator('[data-testid=queue-item]').first().getByTestId('approve').click();
      await author.locator('article[data-testid=post] [data-testid=post-text]', { hasText: waiting[0] }).waitFor(WAIT);
      await moderator.locator('[data-testid=queue-item]').nth(2).waitFor({ state: 'detached', ...WAIT });
      await moderator.locator('[data-testid=queue-item]').first().getByTestId('reject').click();
      const rejected = author.locator('[data-testid=held-post]', { hasText: waiting[1] });
      await rejected.locator('[data-testid=held-label]', { hasText: 'not approved' }).waitFor(WAIT);
      await rejected.getByTestId('dismiss').click();
      await rejected.waitFor({ state: 'detached', ...WAIT });
      assert.equal(await author.locator('[data-testid=held-post]').count(), 1);
      await moderator.locator('[data-testid=mod-entry][data-kind=reject]').waitFor({ state: 'attached', ...WAIT });
      await assertClean(moderator, moderatorDialogs, 'moderator page after approve and reject');
      await assertClean(author, authorDialogs, 'author page after approve and reject');
    } finally {
      mod.close();
      await author.context().close();
      await moderator.context().close();
    }
  });
});
