// Browser test: a participant really loses its WebSocket (cut by a TCP proxy between Chromium and
// the real server), posts while offline, reloads while still offline, and comes back by itself;
// the post must then exist exactly once everywhere. Run `npm run build` first (and build the server).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser
// No sleeps: every wait is for a condition, bounded; the session is moved with the test clock.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, joinAt, pendingLocator, postLocator, send, until, WAIT } from './harness.mjs';
import { WsCutProxy } from './ws_cut_proxy.mjs';

/** The page's reconnect backoff for this test: 100 ms doubling to 400 ms (see web-client docs). */
const BACKOFF = '?test_backoff_ms=100';

const suite = browserSuite('hashchat-offline-');
const { api, createSession, moderatorSocket, newPage, serverLogEvents } = suite;

describe('a participant whose connection really drops', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('posts while cut off, reloads while cut off, comes back by itself: the post exists exactly once', async () => {
    // No description: undefined leaves the field out of the request.
    const s = await createSession({ title: 'Bad signal in the pub', description: undefined });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    mod.close();
    // The intro lasts 5 minutes: move the server's clock into Q1's posting time.
    const clock = await api('POST', '/api/test/clock', { advance_seconds: 300 });
    assert.equal(clock.status, 200, JSON.stringify(clock.json));

    const proxy = new WsCutProxy(Number(new URL(suite.base).port));
    const proxyPort = await proxy.listen();
    const alice = await newPage(); // through the proxy
    const bob = await newPage(); // direct
    try {
      await joinAt(alice, `http://127.0.0.1:${proxyPort}${s.urls.join}${BACKOFF}`, 'alice', 'Alice A');
      await joinAt(bob, `${suite.base}${s.urls.join}`, 'bob', 'Bob B');
      for (const p of [alice, bob]) await p.locator('[data-testid=phase]', { hasText: 'Q1' }).waitFor(WAIT);
      assert.equal(proxy.openWebSockets(), 1, "alice's WebSocket goes through the proxy");
      assert.equal(await alice.getByTestId('offline-banner').isVisible(), false);

      const before = 'A1: Before the cut, a question on the board.';
      await send(alice, before);
      await postLocator(bob, before).waitFor(WAIT);

      // Cut alice's WebSocket and refuse her reconnects; HTTP still passes.
      proxy.refuseWebSockets = true;
      assert.equal(proxy.cutWebSockets(), 1);
      const banner = alice.getByTestId('offline-banner');
      await banner.waitFor({ state: 'visible', ...WAIT });
      assert.match(await banner.textContent(), /You are offline/);
      await alice.locator('[data-testid=conn]:not(:text-is("online"))').waitFor(WAIT);
      await banner.getByRole('button', { name: 'Retry now' }).waitFor(WAIT);
      // The client keeps trying by itself (and is refused).
      const refusedBefore = proxy.stats.wsRefused;
      await until('a refused reconnect', () => proxy.stats.wsRefused > refusedBefore);

      // Bob posts while alice is away: she must get it on resume.
      const whileAway = 'A1: I ask them to guess the topic.';
      await send(bob, whileAway);
      await postLocator(bob, whileAway).waitFor(WAIT);

      // Alice posts while disconnected: shown as pending, with its text.
      const offline = 'A1: Typed on the bus with no signal.';
      await send(alice, offline);
      await pendingLocator(alice, offline).waitFor(WAIT);
      assert.match(await pendingLocator(alice, offline).getByTestId('pending-label').textContent(), /not sent yet/);
      await banner.filter({ hasText: '1 post waits on this device' }).waitFor(WAIT);
      assert.equal(await postLocator(alice, offline).count(), 0);

      // Reload while still disconnected: the post survives in the outbox, still pending.
      await alice.reload();
      await pendingLocator(alice, offline).waitFor(WAIT);
      await banner.waitFor({ state: 'visible', ...WAIT });
      const refusedAfterReload = proxy.stats.wsRefused;
      await until('a refused reconnect from the reloaded page', () => proxy.stats.wsRefused > refusedAfterReload);
      assert.equal(await pendingLocator(alice, offline).count(), 1);
      assert.equal(await alice.locator('[data-testid=conn]').textContent() === 'online', false);
      // Nothing of it reached the server.
      const mid = await serverLogEvents(s.id, 'auditor1');
      assert.equal(mid.events.filter((e) => e.kind === 'post' && e.text === offline).length, 0);

      // Allow reconnects: alice comes back by herself (no click), the post is sent and acked.
      proxy.refuseWebSockets = false;
      await alice.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      await banner.waitFor({ state: 'hidden', ...WAIT });
      await postLocator(bob, offline).waitFor(WAIT);
      await postLocator(alice, offline).waitFor(WAIT);
      await postLocator(alice, whileAway).waitFor(WAIT);
      await alice.locator('[data-testid=pending-post]').waitFor({ state: 'detached', ...WAIT });
      assert.equal(proxy.openWebSockets(), 1);

      // Exactly once on both pages and in the server's log.
      const log = await serverLogEvents(s.id, 'auditor2');
      assert.deepEqual(
        log.events.map((e) => e.seq),
        Array.from({ length: log.head }, (_, i) => i + 1),
        'the log is gap-free from 1',
      );
      const posts = log.events.filter((e) => e.kind === 'post');
      assert.equal(posts.filter((e) => e.text === offline).length, 1, 'the offline post is in the log once');
      assert.equal(posts.find((e) => e.text === offline).author, 'alice');
      assert.equal(posts.find((e) => e.text === offline).round, 1);
      for (const text of [before, whileAway, offline]) {
        assert.equal(await postLocator(alice, text).count(), 1, `alice sees "${text}" once`);
        assert.equal(await postLocator(bob, text).count(), 1, `bob sees "${text}" once`);
      }
      assert.equal(await alice.locator('article[data-testid=post]').count(), posts.length);
      assert.equal(await bob.locator('article[data-testid=post]').count(), posts.length);
      assert.equal(await alice.locator('[data-testid=conn]').textContent(), 'online');
      assert.equal(await alice.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('hashchat:outbox:')).length), 0);
    } catch (e) {
      // What the page and the proxy saw, to tell a client bug from a harness one.
      const state = async (p) => p.evaluate(() => ({
        conn: document.querySelector('[data-testid=conn]')?.textContent,
        banner: document.querySelector('[data-testid=offline-banner]')?.textContent,
        pending: [...document.querySelectorAll('[data-testid=pending-post]')].map((x) => x.textContent),
      })).catch((err) => String(err));
      console.error('proxy', JSON.stringify(proxy.stats), 'open ws', proxy.openWebSockets());
      console.error('alice', JSON.stringify(await state(alice)), 'bob', JSON.stringify(await state(bob)));
      console.error('server log tail:', suite.serverLog.slice(-2000));
      throw e;
    } finally {
      await alice.context().close();
      await bob.context().close();
      await proxy.close();
    }
  });
});
