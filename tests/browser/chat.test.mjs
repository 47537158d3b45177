// Browser test: the real hashchat binary serving web-client/dist, driven through Debian's
// Chromium with playwright-core. Run `npm run build` first (and build the server).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser
// Nothing here sleeps for time to pass: it waits for conditions, and moves the server's test clock.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, postLocator, WAIT } from './harness.mjs';

const suite = browserSuite('hashchat-browser-');
const { api, createSession, moderatorSocket, newPage, joinAs, startServer, stopServer } = suite;

describe('hashchat in a browser', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('the pages are served', async () => {
    for (const p of ['/', '/s/nope', '/s/nope/moderate', '/s/nope/screen']) {
      const res = await fetch(suite.base + p);
      assert.equal(res.status, 200, p);
      assert.match(await res.text(), /<div id="app">/, p);
    }
  });

  test('two participants answer, see, like and reply to each other live', async () => {
    const s = await createSession();
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    await mod.request({ type: 'control', action: 'next' }); // Q1, posting (no table talk)

    const alice = await newPage();
    const bob = await newPage();
    try {
      await joinAs(alice, s.urls.join, 'alice', 'Alice A');
      await joinAs(bob, s.urls.join, 'bob', 'Bob B');

      await bob.locator('[data-testid=phase]', { hasText: 'Q1' }).waitFor(WAIT);
      await bob.locator('[data-testid=question]', { hasText: 'How do you start a lesson?' }).waitFor(WAIT);
      assert.equal(await alice.getByTestId('composer-round').textContent(), 'A1');

      const answer = 'We start every lesson with a question.';
      await alice.getByTestId('composer-text').fill(answer);
      await alice.getByTestId('send').click();

      const seen = postLocator(bob, answer);
      await seen.waitFor(WAIT);
      assert.equal(await seen.locator('[data-testid=round]').textContent(), 'A1');
      assert.match(await seen.textContent(), /@alice/);
      // Alice's own pending copy is gone once the event arrived.
      await alice.locator('[data-testid=pending] .pending').waitFor({ state: 'detached', ...WAIT });
      await postLocator(alice, answer).waitFor(WAIT);
      // The marks scripts/bench web times (docs/performance.md): the join form, then the first post.
      await alice.waitForFunction(() => performance.getEntriesByName('first-post', 'mark').length === 1, null, WAIT);
      const [joinReady, firstPost] = await alice.evaluate(() => ['join-ready', 'first-post'].map((m) => performance.getEntriesByName(m, 'mark')[0]?.startTime));
      assert.ok(joinReady > 0 && firstPost > joinReady, `join-ready ${joinReady}, first-post ${firstPost}`);

      // Bob likes it; Alice sees the count.
      await seen.getByTestId('like').click();
      await postLocator(alice, answer).locator('[data-testid=like-count]:text-is("1")').waitFor(WAIT);
      await seen.locator('[data-testid=like][aria-pressed=true]').waitFor(WAIT);

      // Bob replies with hostile markup: it shows as text under Alice's post, and runs nothing.
      const hostile = '<img src=x onerror="window.__pwned=1"> me too';
      await seen.getByRole('button', { name: 'Reply' }).click();
      await bob.getByTestId('composer-text').fill(hostile);
      await bob.getByTestId('send').click();
      await postLocator(alice, answer).locator('.replies').locator(`[data-testid=post-text]:text-is(${JSON.stringify(hostile)})`).waitFor(WAIT);
      assert.equal(await alice.evaluate(() => window.__pwned), undefined);
      assert.equal(await alice.locator('.feed img').count(), 0);

      // An announcement reaches everyone.
      await mod.request({ type: 'announce', text: 'Q2 in two minutes!' });
      await alice.locator('[data-testid=announcement]', { hasText: 'Q2 in two minutes!' }).waitFor(WAIT);
      await bob.locator('[data-testid=announcement]', { hasText: 'Q2 in two minutes!' }).waitFor(WAIT);

      // A reload rejoins with the stored token and shows every post once.
      await alice.reload();
      await alice.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      await postLocator(alice, answer).waitFor(WAIT);
      await alice.locator('[data-testid=announcement]', { hasText: 'Q2 in two minutes!' }).waitFor(WAIT);
      assert.equal(await postLocator(alice, answer).count(), 1);
      assert.equal(await alice.locator('article[data-testid=post]').count(), 2);
    } finally {
      mod.close();
      await alice.context().close();
      await bob.context().close();
    }
  });

  test('the moderator page runs the chat; the timetable moves with the test clock', async () => {
    const s = await createSession({ title: 'Moderated from the page' });
    const moderator = await newPage();
    const carol = await newPage();
    try {
      moderator.on('dialog', (d) => d.accept());
      await moderator.goto(suite.base + s.urls.moderate);
      // The key leaves the address bar at once.
      await moderator.waitForFunction(() => location.hash === '');
      assert.ok(!moderator.url().includes('#'), moderator.url());
      await moderator.getByTestId('join').click();
      await moderator.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);

      await joinAs(carol, s.urls.join, 'carol', 'Carol C');
      await carol.locator('[data-testid=phase]', { hasText: 'Not started' }).waitFor(WAIT);

      await moderator.getByTestId('ctl-start').click();
      await carol.locator('[data-testid=phase]', { hasText: 'Introductions' }).waitFor(WAIT);
      await carol.locator('[data-testid=countdown]', { hasText: 'left' }).waitFor(WAIT);
      assert.equal(await carol.getByTestId('composer-round').textContent(), 'A0');

      // The intro lasts 5 minutes: move the server's clock, Q1 begins.
      const clock = await api('POST', '/api/test/clock', { advance_seconds: 300 });
      assert.equal(clock.status, 200, JSON.stringify(clock.json));
      await carol.locator('[data-testid=phase]', { hasText: 'Q1' }).waitFor(WAIT);
      await carol.locator('[data-testid=composer-round]:text-is("A1")').waitFor(WAIT);

      const answer = 'Exit tickets tell me where we are.';
      await carol.getByTestId('composer-text').fill(answer);
      await carol.getByTestId('send').click();
      // The moderator sees it under Q1.
      await moderator.locator('section[data-round="1"]').locator(`[data-testid=post-text]:text-is(${JSON.stringify(answer)})`).waitFor(WAIT);

      await moderator.getByTestId('ctl-next').click();
      await carol.locator('[data-testid=phase]', { hasText: 'Q2' }).waitFor(WAIT);

      await moderator.getByTestId('announce-text').fill('Thanks for coming!');
      await moderator.getByTestId('announce').click();
      await carol.locator('[data-testid=announcement]', { hasText: 'Thanks for coming!' }).waitFor(WAIT);

      await moderator.getByTestId('ctl-end').click();
      await carol.locator('[data-testid=phase]', { hasText: 'closed' }).waitFor(WAIT);
      assert.equal(await carol.getByTestId('send').isDisabled(), true);
    } finally {
      await moderator.context().close();
      await carol.context().close();
    }
  });

  test('a server restart costs nothing: resume, and a post typed offline arrives once', async () => {
    const s = await createSession({ title: 'Across a restart' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    mod.close();
    const erin = await newPage();
    const finn = await newPage();
    try {
      await joinAs(erin, s.urls.join, 'erin', 'Erin E');
      await joinAs(finn, s.urls.join, 'finn', 'Finn F');
      await erin.getByTestId('composer-text').fill('Hi, I teach year 5.');
      await erin.getByTestId('send').click();
      await postLocator(finn, 'Hi, I teach year 5.').waitFor(WAIT);

      const port = Number(new URL(suite.base).port);
      await stopServer();
      await erin.locator('[data-testid=conn]:not(:text-is("online"))').waitFor(WAIT);
      const offline = 'Typed while the server was down.';
      await erin.getByTestId('composer-text').fill(offline);
      await erin.getByTestId('send').click();
      await erin.locator('[data-testid=pending] .pending', { hasText: offline }).waitFor(WAIT);

      await startServer(port);
      const slow = { timeout: 40000 };
      await erin.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(slow);
      await finn.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(slow);
      await postLocator(finn, offline).waitFor(slow);
      await erin.locator('[data-testid=pending] .pending').waitFor({ state: 'detached', ...slow });
      assert.equal(await postLocator(finn, offline).count(), 1);
      assert.equal(await postLocator(erin, offline).count(), 1);
      assert.equal(await postLocator(finn, 'Hi, I teach year 5.').count(), 1);
      assert.equal(await finn.locator('article[data-testid=post]').count(), 2);
    } finally {
      await erin.context().close();
      await finn.context().close();
    }
  });

  test('the pub screen shows the question and the newest answers', async () => {
    const s = await createSession({ title: 'On the big screen' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    const screen = await suite.browser.newPage({ viewport: { width: 1280, height: 720 } });
    const dave = await newPage();
    try {
      await mod.request({ type: 'control', action: 'start' });
      await mod.request({ type: 'control', action: 'next' });
      await screen.goto(`${suite.base}/s/${encodeURIComponent(s.id)}/screen`);
      await screen.locator('[data-testid=question]', { hasText: 'How do you start a lesson?' }).waitFor(WAIT);
      await joinAs(dave, s.urls.join, 'dave', 'Dave D');
      await dave.getByTestId('composer-text').fill('Music as they walk in.');
      await dave.getByTestId('send').click();
      await screen.getByTestId('screen-answers').getByText('Music as they walk in.').waitFor(WAIT);
    } finally {
      mod.close();
      await screen.context().close();
      await dave.context().close();
    }
  });
});
