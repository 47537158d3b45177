// Slow chats in the browser: questions released over days by the server's (test) clock, one tab
// per released question with its count of new answers, the composer answering the selected tab's
// question, the times in the viewer's zone, and the moderator's release / postpone.
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, postLocator, send, until, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-slow-');
const { api, newPage, joinAs, serverLogEvents } = suite;

const HOUR = 3600;
// The viewers sit in New York: 07:00 in London is 02:00 there (both on winter time in November).
const VIEWER = { timezoneId: 'America/New_York', locale: 'en-GB' };

async function advance(seconds) {
  const res = await api('POST', '/api/test/clock', { advance_seconds: seconds });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.now;
}

function tab(page, round) {
  return page.locator(`[data-testid=q-tab][data-round="${round}"]`);
}

describe('slow chats in the browser', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('tabs per released question, new-answer counts, answering an older question', async () => {
    // The test clock starts at 2026-11-26T19:00:00Z.
    const res = await api('POST', '/api/sessions', {
      hashtag: '#slowchatED',
      title: 'A slow week',
      description: '',
      mode: 'slow',
      timezone: 'Europe/London',
      start: '2026-11-27T07:00:00',
      release_time: '07:00',
      close_after_hours: 24,
      questions: ['What did you learn this week?', 'What will you try next week?', 'Who helped you?'],
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const s = res.json;

    const bob = await newPage(VIEWER);
    const ann = await newPage(VIEWER);
    const moderator = await newPage(VIEWER);
    try {
      // Before the first release: when it comes, in the viewer's time, and the chat's zone.
      await joinAs(bob, s.urls.join, 'bob', 'Bob B');
      const next = bob.getByTestId('next-release');
      await next.filter({ hasText: /chat runs in Europe\/London/ }).waitFor(WAIT);
      assert.match(await next.textContent(), /^Next question \(Q1\) Fri 27 Nov, 02:00 your time \(chat runs in Europe\/London\)$/);
      assert.match(await bob.getByTestId('closes-at').textContent(), /^Closes Mon 30 Nov, 02:00 your time/);
      assert.equal(await bob.locator('[data-testid=q-tab]').count(), 0);

      // Q1 at 07:00 London, Q2 a day later.
      assert.equal(await advance(12 * HOUR), '2026-11-27T07:00:00.000Z');
      await tab(bob, 1).waitFor(WAIT);
      assert.equal(await advance(24 * HOUR), '2026-11-28T07:00:00.000Z');
      await tab(bob, 2).waitFor(WAIT);
      // Bob follows the newest question.
      await bob.locator('[data-testid=q-tab][data-round="2"][aria-selected=true]').waitFor(WAIT);
      await next.filter({ hasText: /^Next question \(Q3\) Sun 29 Nov, 02:00 your time \(chat runs in Europe\/London\)$/ }).waitFor(WAIT);

      // Ann joins after Q2 is out: two tabs; she answers Q1 from its tab.
      await joinAs(ann, s.urls.join, 'ann', 'Ann A');
      await tab(ann, 2).waitFor(WAIT);
      assert.equal(await ann.locator('[data-testid=q-tab]').count(), 2);
      await tab(ann, 1).click();
      await ann.locator('[data-testid=q-tab][data-round="1"][aria-selected=true]').waitFor(WAIT);
      assert.equal(await ann.getByTestId('composer-round').textContent(), 'A1');
      await send(ann, 'Late thoughts on Q1');
      await postLocator(ann, 'Late thoughts on Q1').waitFor(WAIT);
      assert.equal(await postLocator(ann, 'Late thoughts on Q1').getAttribute('data-round'), '1');
      // Her own answer is not "new" to her.
      assert.equal(await tab(ann, 1).getByTestId('new-count').count(), 0);

      // On the server the post belongs to Q1, although Q2 is the newest question.
      const log = await serverLogEvents(s.id, 'auditor');
      const posted = log.events.filter((e) => e.kind === 'post' && e.text === 'Late thoughts on Q1');
      assert.equal(posted.length, 1);
      assert.equal(posted[0].round, 1);
      const releases = log.events.filter((e) => e.kind === 'release');
      assert.deepEqual(
        releases.map((e) => [e.round, e.scheduled_at]),
        [
          [1, '2026-11-27T07:00:00.000Z'],
          [2, '2026-11-28T07:00:00.000Z'],
        ],
      );

      // Bob is on Q2: Q1's tab says one answer is new; looking at it clears the count, for good.
      await tab(bob, 1).getByTestId('new-count').filter({ hasText: /^1 new$/ }).waitFor(WAIT);
      assert.equal(await tab(bob, 2).getByTestId('new-count').count(), 0);
      await tab(bob, 1).click();
      await postLocator(bob, 'Late thoughts on Q1').waitFor(WAIT);
      await tab(bob, 1).getByTestId('new-count').waitFor({ state: 'detached', ...WAIT });
      await bob.reload();
      await bob.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      await tab(bob, 2).waitFor(WAIT);
      await until('Bob\'s tabs after the reload', async () => (await bob.locator('[data-testid=q-tab]').count()) === 2);
      assert.equal(await bob.locator('[data-testid=new-count]').count(), 0);
      assert.ok(await bob.evaluate((id) => localStorage.getItem(`hashchat:seen:${id}:bob`), s.id));

      // Another answer to Q1 while Bob is on Q2 (after the reload he follows the newest again).
      await send(ann, 'And one more about Q1');
      await tab(bob, 1).getByTestId('new-count').filter({ hasText: /^1 new$/ }).waitFor(WAIT);

      // The moderator: the schedule in local times, postpone, release now.
      await moderator.goto(suite.base + s.urls.moderate);
      await moderator.waitForFunction(() => location.hash === '');
      await moderator.getByTestId('handle').fill('host');
      await moderator.getByTestId('join').click();
      await moderator.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      const upcoming = moderator.locator('[data-testid=schedule-upcoming][data-round="3"]');
      await upcoming.filter({ hasText: /Sun 29 Nov, 02:00/ }).waitFor(WAIT);
      assert.match(await moderator.getByTestId('schedule-zone').textContent(), /chat runs in Europe\/London/);
      assert.equal(await moderator.locator('[data-testid=schedule-released]').count(), 2);
      assert.equal(await moderator.getByTestId('ctl-next').isVisible(), false);

      await moderator.getByTestId('postpone-hours').fill('1');
      await moderator.getByTestId('postpone-minutes').fill('30');
      await moderator.getByTestId('ctl-postpone').click();
      await upcoming.filter({ hasText: /Sun 29 Nov, 03:30/ }).waitFor(WAIT);
      await next.filter({ hasText: /Sun 29 Nov, 03:30 your time/ }).waitFor(WAIT);

      await moderator.getByTestId('ctl-release').click();
      await tab(bob, 3).waitFor(WAIT);
      await tab(ann, 3).waitFor(WAIT);
      // Ann chose Q1 herself: a new release does not take her view away.
      assert.equal(await tab(ann, 1).getAttribute('aria-selected'), 'true');
      await bob.getByTestId('next-release').filter({ hasText: 'All questions are out.' }).waitFor(WAIT);
      await moderator.locator('[data-testid=schedule-released]').nth(2).waitFor(WAIT);
      assert.equal(await moderator.getByTestId('ctl-release').isDisabled(), true);
    } finally {
      await bob.context().close();
      await ann.context().close();
      await moderator.context().close();
    }
  });
});
