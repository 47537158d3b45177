// Chat series in the browser: the series page (rule in words, sessions in the viewer's zone,
// questions or "questions to come", calendar links), the moderator's "Edit questions" form before
// the start (and the server's refusal shown), and the landing page's "Create a chat series" form.
// The series page passes axe-core at phone and desktop sizes in light and dark, and speaks only
// French in a French browser (the calendars it links stay English).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, checkA11y, checkLanguage, screenshot, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-series-');
const { api, newPage } = suite;

// London 20:00 is 15:00 in New York (both on winter time in November).
const VIEWER = { timezoneId: 'America/New_York', locale: 'en-GB' };

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

describe('chat series in the browser', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('series page, editing a session’s questions, calendar links', async () => {
    // The test clock stands at 2026-11-26T19:00:00Z, a Thursday: the first session is tonight.
    const res = await api('POST', '/api/series', {
      hashtag: '#ukedchat',
      title: 'UKEdChat',
      description: 'Teachers on Thursdays',
      timezone: 'Europe/London',
      weekday: 'thursday',
      time: '20:00',
      every_weeks: 1,
      count: 3,
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const series = res.json;
    assert.equal(series.sessions.length, 3);
    const [first, second] = series.sessions;

    const page = await newPage(VIEWER);
    const mod = await newPage(VIEWER);
    try {
      await page.goto(`${suite.base}/series/${encodeURIComponent(series.id)}`);
      await page.getByTestId('series-rule').waitFor(WAIT);
      assert.equal(await page.getByTestId('series-hashtag').textContent(), '#ukedchat');
      assert.equal(await page.getByTestId('series-title').textContent(), 'UKEdChat');
      assert.equal(await page.getByTestId('series-rule').textContent(), 'Thursdays 20:00 Europe/London time, every week');
      const upcoming = page.getByTestId('series-upcoming').getByTestId('series-session');
      assert.equal(await upcoming.count(), 3);
      const row = upcoming.first();
      assert.equal(await row.getAttribute('data-id'), first.id);
      assert.equal(await row.getByTestId('session-when').textContent(), 'Thu 26 Nov, 15:00 your time (chat runs in Europe/London)');
      assert.equal(await row.getByTestId('questions-to-come').textContent(), 'Questions to come.');
      assert.equal(await row.getByTestId('session-join').getAttribute('href'), `/s/${first.id}`);
      assert.equal(await row.getByTestId('session-ics').getAttribute('href'), `/api/sessions/${first.id}/calendar.ics`);
      assert.equal(await upcoming.nth(1).getByTestId('session-when').textContent(), 'Thu 3 Dec, 15:00 your time (chat runs in Europe/London)');
      assert.equal(await page.getByTestId('series-past').getByTestId('series-session').count(), 0);

      // The calendar subscription link answers with iCalendar.
      const calHref = await page.getByTestId('series-calendar').getAttribute('href');
      assert.equal(calHref, `/api/series/${series.id}/calendar.ics`);
      const cal = await fetch(suite.base + calHref);
      assert.equal(cal.status, 200);
      const ics = await cal.text();
      assert.match(ics, /BEGIN:VCALENDAR/);
      assert.match(ics, new RegExp(`UID:${first.id}@hashchat`));

      // The moderator of the first session writes its questions before the start.
      await mod.goto(suite.base + first.urls.moderate);
      await mod.getByTestId('join').click();
      const editor = mod.getByTestId('edit-questions');
      await mod.locator('[data-testid=edit-questions][open]').waitFor(WAIT); // no questions yet: open
      await mod.getByTestId('questions-text').fill('What went well this week?\nOne thing to try next week?\n');
      await mod.getByTestId('questions-save').click();
      await mod.getByTestId('questions-saved').filter({ hasText: 'Saved: 2 questions.' }).waitFor(WAIT);
      const after = await api('GET', `/api/sessions/${first.id}`);
      assert.deepEqual(
        after.json.questions.map((q) => q.text),
        ['What went well this week?', 'One thing to try next week?'],
      );

      // The server's refusal (a question over 1,000 code points) is shown in the client's own words
      // for its code, never as the server's English message.
      await mod.getByTestId('questions-text').fill('x'.repeat(1001));
      await mod.getByTestId('questions-save').click();
      const err = mod.getByTestId('questions-error');
      await err.filter({ hasText: /^Could not save the questions: .+/ }).waitFor(WAIT);
      const refusal = await fetch(`${suite.base}/api/sessions/${first.id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${series.moderator_key}` },
        body: JSON.stringify({ questions: ['x'.repeat(1001)] }),
      });
      assert.equal(refusal.status, 400);
      const refused = await refusal.json();
      assert.equal(refused.error, 'bad_request');
      assert.ok(!(await err.textContent()).includes(refused.message), await err.textContent());
      assert.ok((await err.textContent()).endsWith('The server could not do that: the request is not valid.'), await err.textContent());
      assert.deepEqual((await api('GET', `/api/sessions/${first.id}`)).json.questions.length, 2);

      // The series page now lists them; the second session still waits for its questions.
      await page.reload();
      const row1 = page.getByTestId('series-upcoming').getByTestId('series-session').first();
      await row1.getByTestId('session-questions').waitFor(WAIT);
      assert.deepEqual(await row1.locator('[data-testid=session-questions] li').allTextContents(), [
        'What went well this week?',
        'One thing to try next week?',
      ]);
      const row2 = page.locator(`[data-testid=series-session][data-id="${second.id}"]`);
      assert.equal(await row2.getByTestId('questions-to-come').count(), 1);

      // Once the chat has started, the editor is gone (the server would refuse).
      const clock = await api('POST', '/api/test/clock', { advance_seconds: 3600 });
      assert.equal(clock.status, 200, JSON.stringify(clock.json));
      await editor.waitFor({ state: 'hidden', ...WAIT });

      // Hours later it is over: listed under "Past", the others still upcoming.
      assert.equal((await api('POST', '/api/test/clock', { advance_seconds: 3 * 3600 })).status, 200);
      assert.equal((await api('GET', `/api/sessions/${first.id}`)).json.phase.phase, 'closed');
      await page.reload();
      const pastRow = page.getByTestId('series-past').getByTestId('series-session');
      await pastRow.first().waitFor(WAIT);
      assert.equal(await pastRow.count(), 1);
      assert.equal(await pastRow.first().getAttribute('data-id'), first.id);
      assert.equal(await pastRow.first().getByTestId('session-state').textContent(), 'Over');
      assert.equal(await pastRow.first().getByTestId('session-archive').getAttribute('href'), `/archive/${first.id}`);
      assert.equal(await page.getByTestId('series-archive').getAttribute('href'), `/archive?series=${series.id}`);
      assert.equal(await page.getByTestId('series-upcoming').getByTestId('series-session').count(), 2);
      assert.equal(await page.locator('header [data-testid=prefs]').count(), 1);
      await looks(page, 'series');

      // In French: the rule, the times (Intl's French, in the viewer's zone), the states.
      const fr = await newPage({ ...VIEWER, locale: 'fr-CA' });
      try {
        await fr.goto(`${suite.base}/series/${encodeURIComponent(series.id)}`);
        await fr.getByTestId('series-rule').waitFor(WAIT);
        assert.equal(await fr.getByTestId('series-rule').textContent(), 'Le jeudi à 20:00, heure de Europe/London, chaque semaine');
        const upcomingWhen = await fr.getByTestId('series-upcoming').getByTestId('session-when').allTextContents();
        assert.equal(upcomingWhen[0], 'jeu. 3 déc., 15:00, votre heure (le clavardage suit le fuseau Europe/London)');
        assert.equal(await fr.getByTestId('series-past').getByTestId('session-state').textContent(), 'Terminée');
        assert.equal(await fr.getByTestId('series-calendar').getAttribute('hreflang'), 'en');
        const content = ['#ukedchat', 'UKEdChat', 'Teachers on Thursdays', 'What went well this week?', 'One thing to try next week?', 'Europe/London', await fr.getByTestId('series-calendar-url').textContent()];
        // The dates are Intl's own French; the rest must be catalogue messages.
        const dates = await fr.locator('time').allTextContents();
        await checkLanguage(fr, 'fr', 'a series page in French', [...content, ...dates]);
        await checkA11y(fr, 'a series page in French');
        await screenshot(fr, 'series-fr-360');
      } finally {
        await fr.context().close();
      }
    } finally {
      await page.context().close();
      await mod.context().close();
    }
  });

  test('the landing page creates a series and shows its links and key', async () => {
    const page = await newPage(VIEWER);
    try {
      await page.goto(suite.base + '/');
      await page.getByTestId('landing-series').click();
      const form = page.getByTestId('series-form');
      await form.getByTestId('series-hashtag-input').fill('#edchatNY');
      await form.getByTestId('series-title-input').fill('EdChat New York');
      await form.getByTestId('series-timezone').fill('America/New_York');
      await form.getByTestId('series-weekday').selectOption('monday');
      await form.getByTestId('series-time').fill('19:30');
      await form.getByTestId('series-every').fill('2');
      await form.getByTestId('series-count').fill('2');
      assert.equal(await form.getByTestId('series-rule-preview').textContent(), 'Mondays 19:30 America/New_York time, every 2 weeks');
      await form.getByTestId('series-create').click();
      await page.getByTestId('series-created').waitFor(WAIT);
      const link = await page.getByTestId('series-link').textContent();
      assert.equal(link, `${suite.base}/series/edchatny`);
      const key = await page.getByTestId('series-key').textContent();
      assert.ok(key && key.length >= 20, key);
      const mods = page.getByTestId('series-moderate-link');
      assert.equal(await mods.count(), 2);
      for (const text of await mods.allTextContents()) assert.match(text, new RegExp(`/s/edchatny-[0-9-]+/moderate#key=${key}$`));

      // The series page opens from the link, two weeks apart.
      await page.getByTestId('series-link').click();
      await page.getByTestId('series-rule').filter({ hasText: 'Mondays 19:30 America/New_York time, every 2 weeks' }).waitFor(WAIT);
      const whens = await page.getByTestId('series-upcoming').getByTestId('session-when').allTextContents();
      assert.deepEqual(whens, ['Mon 30 Nov, 19:30 your time (chat runs in America/New_York)', 'Mon 14 Dec, 19:30 your time (chat runs in America/New_York)']);

      // An unknown series.
      await page.goto(`${suite.base}/series/nope`);
      await page.getByTestId('series-error').filter({ hasText: 'There is no such chat series.' }).waitFor(WAIT);
    } finally {
      await page.context().close();
    }
  });
});
