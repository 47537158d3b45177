// Browser test: a participant really loses its WebSocket (cut by a TCP proxy between Chromium and
// the real server), posts while offline, reloads while still offline, and comes back by itself;
// the post must then exist exactly once everywhere. Run `npm run build` first (and build the server).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser
// No sleeps: every wait is for a condition, bounded; the session is moved with the test clock.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { chromium } from 'playwright-core';
import { WsCutProxy } from './ws_cut_proxy.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.resolve(repo, process.env.HASHCHAT_BIN ?? 'build/debug/hashchat');
const WAIT = { timeout: 15000 };
/** The page's reconnect backoff for this test: 100 ms doubling to 400 ms (see web-client docs). */
const BACKOFF = '?test_backoff_ms=100';

let server = null;
let serverLog = '';
let base = '';
let dataDir = '';
let browser = null;
const pageErrors = [];

process.on('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
});

function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(
      bin,
      ['--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--test-clock=2026-11-26T19:00:00Z', '--web-root', 'web-client/dist'],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const timer = setTimeout(() => reject(new Error(`server did not say where it listens:\n${serverLog}`)), 20000);
    const onData = (chunk) => {
      serverLog += chunk.toString();
      const m = /listening on http:\/\/[^\s:]+:(\d+)/.exec(serverLog);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${serverLog}`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

async function api(method, urlPath, body) {
  const res = await fetch(base + urlPath, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json };
}

/** Resolves when check() is true; polls (the conditions live in other processes), bounded. */
async function until(what, check, timeoutMs = WAIT.timeout) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A plain WebSocket client: hello, then collects every event. `request` sends with a rid and
 * resolves with the answer echoing it; `caughtUp` resolves once the backlog up to welcome.head is in.
 */
async function wsClient(hello) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const events = [];
  const waiting = new Map();
  let rid = 0;
  let welcome = null;
  let caughtUp = null;
  const caught = new Promise((resolve) => (caughtUp = resolve));
  const check = () => {
    if (welcome && (events.length ? events[events.length - 1].seq : 0) >= welcome.head) caughtUp();
  };
  const welcomed = new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'welcome') {
        welcome = msg;
        resolve(msg);
      } else if (msg.type === 'event') events.push(msg);
      else if (msg.type === 'events') events.push(...msg.events);
      if (msg.type === 'error' && msg.rid === 'hello') reject(new Error(`hello: ${msg.code} ${msg.message}`));
      if (msg.rid && waiting.has(msg.rid)) {
        const w = waiting.get(msg.rid);
        waiting.delete(msg.rid);
        if (msg.type === 'error') w.reject(new Error(`${msg.code}: ${msg.message}`));
        else w.resolve(msg);
      }
      check();
    });
    ws.on('error', reject);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ ...hello, rid: 'hello' }));
  await welcomed;
  check();
  return {
    welcome,
    events,
    caughtUp: caught,
    request(msg) {
      const r = `q${++rid}`;
      return new Promise((resolve, reject) => {
        waiting.set(r, { resolve, reject });
        ws.send(JSON.stringify({ ...msg, rid: r }));
      });
    },
    close() {
      ws.close();
    },
  };
}

/** The session's whole log, read by a fresh participant from since 0. */
async function serverLogEvents(session, handle) {
  const c = await wsClient({ type: 'hello', session, handle, name: 'Auditor', since: 0 });
  let timer = null;
  try {
    await Promise.race([c.caughtUp, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('backlog did not arrive')), WAIT.timeout)))]);
  } finally {
    clearTimeout(timer);
    c.close();
  }
  return { head: c.welcome.head, events: c.events };
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

function postLocator(page, text) {
  return page.locator('article[data-testid=post]', { has: page.locator(`[data-testid=post-text]:text-is(${JSON.stringify(text)})`) });
}

function pendingLocator(page, text) {
  return page.locator('[data-testid=pending-post]', { has: page.locator(`.post-text:text-is(${JSON.stringify(text)})`) });
}

async function joinAt(page, url, handle, name) {
  await page.goto(url);
  await page.getByTestId('handle').fill(handle);
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
}

async function send(page, text) {
  await page.getByTestId('composer-text').fill(text);
  await page.getByTestId('send').click();
}

describe('a participant whose connection really drops', () => {
  before(async () => {
    assert.ok(existsSync(bin), `no server binary at ${bin} (set HASHCHAT_BIN or build it)`);
    assert.ok(existsSync(path.join(repo, 'web-client/dist/index.html')), 'run `npm run build` first');
    dataDir = await mkdtemp(path.join(tmpdir(), 'hashchat-offline-'));
    base = await startServer();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      await stopServer();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
    assert.deepEqual(pageErrors, [], 'uncaught errors in the pages');
  });

  test('posts while cut off, reloads while cut off, comes back by itself: the post exists exactly once', async () => {
    const created = await api('POST', '/api/sessions', {
      hashtag: '#PubPD',
      title: 'Bad signal in the pub',
      mode: 'live',
      timezone: 'America/Toronto',
      questions: ['How do you start a lesson?', 'Homework: yes or no?'],
      intro_minutes: 5,
      round_minutes: 8,
      talk_minutes: 0,
      wrapup_minutes: 5,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const s = created.json;
    const mod = await wsClient({ type: 'hello', session: s.id, handle: 'host', name: 'Host', key: s.moderator_key });
    await mod.request({ type: 'control', action: 'start' });
    mod.close();
    // The intro lasts 5 minutes: move the server's clock into Q1's posting time.
    const clock = await api('POST', '/api/test/clock', { advance_seconds: 300 });
    assert.equal(clock.status, 200, JSON.stringify(clock.json));

    const proxy = new WsCutProxy(Number(new URL(base).port));
    const proxyPort = await proxy.listen();
    const alice = await newPage(); // through the proxy
    const bob = await newPage(); // direct
    try {
      await joinAt(alice, `http://127.0.0.1:${proxyPort}${s.urls.join}${BACKOFF}`, 'alice', 'Alice A');
      await joinAt(bob, `${base}${s.urls.join}`, 'bob', 'Bob B');
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
      console.error('server log tail:', serverLog.slice(-2000));
      throw e;
    } finally {
      await alice.context().close();
      await bob.context().close();
      await proxy.close();
    }
  });
});
