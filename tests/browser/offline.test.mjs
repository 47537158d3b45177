// Browser test: a participant really loses its WebSocket (cut by a TCP proxy between Chromium and
// the real server), posts while offline, reloads while still offline, and comes back by itself;
// the post must then exist exactly once everywhere. Run `npm run build` first (and build the server).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser
// No sleeps: every wait is for a condition, bounded; the session is moved with the test clock.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { browserSuite, checkA11y, checkLanguage, joinAt, pendingLocator, postLocator, repo, screenshot, send, until, WAIT, webRoot } from './harness.mjs';
import { WsCutProxy } from './ws_cut_proxy.mjs';

/** The page's reconnect backoff for this test: 100 ms doubling to 400 ms (see web-client docs). */
const BACKOFF = '?test_backoff_ms=100';

// The server serves a copy of the built client, so the last test can put a new version in its
// place while the server runs (as a deploy does).
const root = mkdtempSync(path.join(tmpdir(), 'hashchat-offline-web-'));
cpSync(webRoot, root, { recursive: true });
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const suite = browserSuite('hashchat-offline-', { root });
const { api, createSession, moderatorSocket, newPage, serverLogEvents } = suite;

describe('a participant whose connection really drops', () => {
  before(suite.setUp);
  after(suite.tearDown);

  test('a screen reader hears live answers one by one and a reconnect catch-up as one summary', async () => {
    const s = await createSession({ title: 'Heard, not seen' });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    await mod.request({ type: 'control', action: 'next' }); // Q1, posting (no table talk)
    const bob = await suite.wsClient({ type: 'hello', session: s.id, handle: 'bob', name: 'Bob B' });
    const proxy = new WsCutProxy(Number(new URL(suite.base).port));
    const proxyPort = await proxy.listen();
    const alice = await newPage();
    const heard = () => alice.getByTestId('announcer').locator('p').allTextContents();
    const waitHeard = (line) => until(`the live region to say ${JSON.stringify(line)}`, async () => (await heard()).includes(line));
    try {
      await joinAt(alice, `http://127.0.0.1:${proxyPort}${s.urls.join}${BACKOFF}`, 'alice', 'Alice A');
      await alice.locator('[data-testid=phase]', { hasText: 'Q1' }).waitFor(WAIT);
      let cid = 0;
      const post = (text) => bob.request({ type: 'post', cid: `b${++cid}`, text });

      await post('A1 Live before the cut.');
      await waitHeard('Bob B: A1 Live before the cut.');

      // Cut: three answers come in while alice is away; on her return she hears one summary.
      proxy.refuseWebSockets = true;
      assert.equal(proxy.cutWebSockets(), 1);
      await alice.getByTestId('offline-banner').waitFor({ state: 'visible', ...WAIT });
      const away = ['A1 First while away.', 'A1 Second while away.', 'A1 Third while away.'];
      for (const text of away) await post(text);
      proxy.refuseWebSockets = false;
      await alice.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      for (const text of away) await postLocator(alice, text).waitFor(WAIT);
      await waitHeard('3 new answers');
      const lines = await heard();
      for (const text of away) assert.ok(!lines.some((l) => l.includes(text)), `"${text}" is not read one by one: ${JSON.stringify(lines)}`);

      // Live again: one by one.
      await post('A1 Live after the return.');
      await waitHeard('Bob B: A1 Live after the return.');
      assert.equal((await heard()).filter((l) => /new answers?$/.test(l)).length, 1, 'one summary only');
    } finally {
      bob.close();
      mod.close();
      await alice.context().close();
      await proxy.close();
    }
  });

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

      // Reload while still disconnected: the post survives in the outbox, still pending, and the
      // chat is not empty: it shows as it was, from the copy on the device.
      await alice.reload();
      await pendingLocator(alice, offline).waitFor(WAIT);
      await postLocator(alice, before).waitFor(WAIT);
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

  test('offline as a phone lives it: at once, reload with no signal, cached chat, outbox once, new version', async () => {
    const s = await createSession({ title: 'No signal at the back of the pub', description: undefined });
    const mod = await moderatorSocket(s.id, s.moderator_key);
    await mod.request({ type: 'control', action: 'start' });
    const clock = await api('POST', '/api/test/clock', { advance_seconds: 300 });
    assert.equal(clock.status, 200, JSON.stringify(clock.json));
    const dave = await suite.wsClient({ type: 'hello', session: s.id, handle: 'dave', name: 'Dave D' });
    let cids = 0;
    const post = async (text) => (await dave.request({ type: 'post', cid: `d${++cids}`, text, round: 1 })).seq;

    const page = await newPage();
    const context = page.context();
    // What the page's sockets say: the hello after the reload must resume from the cached seq.
    const hellos = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => {
      const msg = JSON.parse(String(f.payload));
      if (msg.type === 'hello') hellos.push(msg);
    }));
    try {
      await joinAt(page, `${suite.base}${s.urls.join}${BACKOFF}`, 'carol', 'Carol C');
      await page.locator('[data-testid=phase]', { hasText: 'Q1' }).waitFor(WAIT);
      // The service worker installed (every chunk precached) and controls the page.
      await until('the service worker controls the page', () => page.evaluate(() => navigator.serviceWorker.controller !== null));
      const manifest = await page.evaluate(async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json());
      assert.equal(manifest.display, 'standalone');
      assert.deepEqual(manifest.icons.map((i) => i.sizes), ['192x192', '512x512']);

      // An edited, a deleted and a hidden post, and one left alone.
      const kept = 'A1: Kept as it was.';
      const before = 'A1: Frist draft.';
      const edited = 'A1: First draft, edited.';
      const gone = 'A1: Posted by mistake.';
      const hidden = 'A1: Buy cheap watches.';
      await post(kept);
      const editSeq = await post(before);
      const goneSeq = await post(gone);
      const hiddenSeq = await post(hidden);
      await dave.request({ type: 'edit', seq: editSeq, text: edited });
      await dave.request({ type: 'delete', seq: goneSeq });
      await mod.request({ type: 'moderate', action: 'hide', seq: hiddenSeq });
      const shown = async () => {
        await postLocator(page, kept).waitFor(WAIT);
        await postLocator(page, edited).waitFor(WAIT);
        assert.equal(await postLocator(page, before).count(), 0, 'the edit replaced the text');
        assert.equal(await postLocator(page, gone).count(), 0, 'the deleted post shows no text');
        assert.equal(await page.locator('article[data-testid=post].deleted').count(), 1);
        assert.equal(await postLocator(page, hidden).isVisible(), false, 'the hidden post is out of sight');
      };
      await shown();
      const head = (await serverLogEvents(s.id, 'auditor3')).head;
      // The page keeps the whole log on the device (one IndexedDB record per chat).
      const cachedSeq = () => page.evaluate((key) => new Promise((resolve) => {
        const open = indexedDB.open('hashchat');
        open.onsuccess = () => {
          const get = open.result.transaction('chats').objectStore('chats').get(key);
          get.onsuccess = () => resolve(get.result ? [get.result.seq, get.result.events.length] : null);
        };
      }), `${s.id}:carol`);
      await until('the chat is cached up to the head', async () => JSON.stringify(await cachedSeq()) === JSON.stringify([head, head]));

      // The network goes: the banner and the outbox say so at once (not after a ping times out).
      await context.setOffline(true);
      const AT_ONCE = { timeout: 2000 };
      const banner = page.getByTestId('offline-banner');
      await banner.filter({ hasText: 'No network' }).waitFor({ state: 'visible', ...AT_ONCE });
      await page.locator('[data-testid=conn]', { hasText: /^offline$/ }).waitFor(AT_ONCE);
      const offline = 'A1: Typed with no signal at all.';
      await send(page, offline);
      await pendingLocator(page, offline).getByTestId('pending-label').filter({ hasText: /not sent yet/ }).waitFor(AT_ONCE);
      await banner.filter({ hasText: '1 post waits on this device' }).waitFor(AT_ONCE);

      // Reload with no signal: the page opens (service worker) with the chat as it was, the
      // edit, the deletion and the hide applied, and the post still waiting.
      await page.reload();
      await shown();
      await pendingLocator(page, offline).waitFor(WAIT);
      await banner.filter({ hasText: 'No network' }).waitFor({ state: 'visible', ...WAIT });
      // "Retry now" fits one line on a 360 px phone.
      const lines = await page.getByTestId('retry-now').evaluate((b) => {
        const r = document.createRange();
        r.selectNodeContents(b);
        return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
      });
      assert.equal(lines, 1, '"Retry now" is on one line');
      await screenshot(page, 'offline-phone-cached');
      await checkA11y(page, 'the chat reloaded with no signal');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'offline-phone-cached-dark');
      await checkA11y(page, 'the chat reloaded with no signal, dark');
      await page.emulateMedia({ colorScheme: 'light' });

      // Meanwhile the chat goes on; back online, the page resumes from what it holds.
      const meanwhile = 'A1: Said while carol had no signal.';
      await post(meanwhile);
      const hellosBefore = hellos.length;
      await context.setOffline(false);
      await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      await postLocator(page, meanwhile).waitFor(WAIT);
      await postLocator(page, offline).waitFor(WAIT);
      await page.locator('[data-testid=pending-post]').waitFor({ state: 'detached', ...WAIT });
      assert.equal(hellos.length > hellosBefore, true);
      assert.equal(hellos[hellosBefore].since, head, 'the reloaded page resumed with since = the cached seq');
      const log = await serverLogEvents(s.id, 'auditor4');
      const posts = log.events.filter((e) => e.kind === 'post');
      assert.equal(posts.filter((e) => e.text === offline).length, 1, 'the offline post went out once');
      for (const text of [kept, edited, meanwhile, offline]) assert.equal(await postLocator(page, text).count(), 1, `"${text}" once`);

      // A French phone losing the network reads it in French.
      const fr = await newPage({ locale: 'fr-CA' });
      try {
        await fr.goto(`${suite.base}${s.urls.join}`);
        await fr.getByTestId('handle').fill('lea');
        await fr.getByTestId('name').fill('Léa Roy');
        await fr.getByTestId('join').click();
        await fr.locator('[data-testid=conn]', { hasText: /^en ligne$/ }).waitFor(WAIT);
        await fr.context().setOffline(true);
        await fr.getByTestId('offline-banner').filter({ hasText: 'Aucun réseau' }).waitFor({ state: 'visible', ...AT_ONCE });
        await fr.getByTestId('retry-now').filter({ hasText: 'Réessayer' }).waitFor(AT_ONCE);
        const content = ['#PubPD', 'No signal at the back of the pub', 'Teachers in a pub', 'How do you start a lesson?', kept, edited, meanwhile, offline, 'Dave D', 'Carol C', 'Léa Roy', '@dave', '@carol', '@lea', 'lea', 'America/Toronto', 'A1', 'Q1'];
        await checkLanguage(fr, 'fr', 'participant page in French with no network', content);
      } finally {
        await fr.context().close();
      }

      // A new version is deployed: the open page keeps running; its next load is the new
      // version, which says so once.
      const v2 = mkdtempSync(path.join(tmpdir(), 'hashchat-offline-v2-'));
      try {
        execFileSync('npx', ['vite', 'build', '--config', 'web-client/vite.config.ts', '--outDir', v2, '--emptyOutDir', '--logLevel', 'error'], {
          cwd: repo,
          env: { ...process.env, HASHCHAT_CLIENT_VERSION: 'offline-test-2' },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        cpSync(v2, root, { recursive: true });
      } finally {
        rmSync(v2, { recursive: true, force: true });
      }
      const version = () => page.evaluate(() => document.querySelector('meta[name=hashchat-version]').content);
      const v1 = await version();
      await page.reload();
      await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      assert.equal(await version(), v1, 'this load still ran the version it had');
      await until('the new version is installed and active', () =>
        page.evaluate(async () => (await caches.keys()).includes('hashchat-offline-test-2') && (await navigator.serviceWorker.getRegistration()).installing === null));
      await page.reload();
      await page.locator('#toast', { hasText: 'hashchat was updated.' }).waitFor(WAIT);
      assert.equal(await version(), 'offline-test-2');
      await postLocator(page, offline).waitFor(WAIT);
      await page.reload();
      await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
      assert.equal(await page.locator('#toast', { hasText: 'hashchat was updated.' }).count(), 0, 'said once');
    } catch (e) {
      console.error('page', await page.evaluate(() => ({
        url: location.href,
        conn: document.querySelector('[data-testid=conn]')?.textContent,
        banner: document.querySelector('[data-testid=offline-banner]')?.textContent,
        body: document.body.innerText.slice(0, 500),
      })).catch((err) => String(err)));
      console.error('server log tail:', suite.serverLog.slice(-1500));
      throw e;
    } finally {
      dave.close();
      mod.close();
      await context.close();
    }
  });
});
