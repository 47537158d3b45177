// Browser test: the real hashchat binary serving web-client/dist, driven through Debian's
// Chromium with playwright-core. Run `npm run build` first (and build the server).
//   HASHCHAT_BIN=build/debug/hashchat npm run test:browser
// Nothing here sleeps for time to pass: it waits for conditions, and moves the server's test clock.

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

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.resolve(repo, process.env.HASHCHAT_BIN ?? 'build/debug/hashchat');
const WAIT = { timeout: 15000 };

let server = null;
let serverLog = '';
let base = '';
let dataDir = '';
let browser = null;
const pageErrors = [];

function killServer() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
}
process.on('exit', killServer);

function startServer(port = 0) {
  return new Promise((resolve, reject) => {
    server = spawn(
      bin,
      [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--data-dir', dataDir,
        '--test-clock=2026-11-26T19:00:00Z',
        '--web-root', 'web-client/dist',
      ],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const timer = setTimeout(() => reject(new Error(`server did not say where it listens:\n${serverLog}`)), 20000);
    const logStart = serverLog.length;
    const onData = (chunk) => {
      serverLog += chunk.toString();
      const m = /listening on http:\/\/[^\s:]+:(\d+)/.exec(serverLog.slice(logStart));
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData); // a logger may print the line on stderr
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
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function createSession(extra = {}) {
  const res = await api('POST', '/api/sessions', {
    hashtag: '#PubPD',
    title: 'Browser test evening',
    description: 'Teachers in a pub',
    mode: 'live',
    timezone: 'America/Toronto',
    questions: ['How do you start a lesson?', 'Homework: yes or no?'],
    intro_minutes: 5,
    round_minutes: 8,
    talk_minutes: 0,
    wrapup_minutes: 5,
    ...extra,
  });
  assert.equal(res.status, 201, `create session: ${JSON.stringify(res.json)}`);
  assert.ok(res.json.id && res.json.moderator_key && res.json.urls?.join, JSON.stringify(res.json));
  return res.json;
}

/** A moderator on a plain WebSocket: hello with the key, then requests answered by rid. */
async function moderatorSocket(id, key, handle = 'host') {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const waiting = new Map();
  let rid = 0;
  let welcome = null;
  const welcomed = new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'welcome') {
        welcome = msg;
        resolve(msg);
      }
      if (msg.type === 'error' && msg.rid === 'hello') reject(new Error(`moderator hello: ${msg.code} ${msg.message}`));
      if (msg.rid && waiting.has(msg.rid)) {
        const w = waiting.get(msg.rid);
        waiting.delete(msg.rid);
        if (msg.type === 'error') w.reject(new Error(`${msg.code}: ${msg.message}`));
        else w.resolve(msg);
      }
    });
    ws.on('error', reject);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', session: id, handle, name: 'Host', key, rid: 'hello' }));
  await welcomed;
  assert.equal(welcome.you.role, 'moderator');
  return {
    welcome,
    request(msg) {
      const r = `m${++rid}`;
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

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

async function joinAs(page, joinPath, handle, name) {
  await page.goto(base + joinPath);
  await page.getByTestId('handle').fill(handle);
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
}

function postLocator(page, text) {
  return page.locator('article[data-testid=post]', { has: page.locator(`[data-testid=post-text]:text-is(${JSON.stringify(text)})`) });
}

describe('hashchat in a browser', () => {
  before(async () => {
    assert.ok(existsSync(bin), `no server binary at ${bin} (set HASHCHAT_BIN or build it)`);
    assert.ok(existsSync(path.join(repo, 'web-client/dist/index.html')), 'run `npm run build` first');
    dataDir = await mkdtemp(path.join(tmpdir(), 'hashchat-browser-'));
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

  test('the pages are served', async () => {
    for (const p of ['/', '/s/nope', '/s/nope/moderate', '/s/nope/screen']) {
      const res = await fetch(base + p);
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
      await moderator.goto(base + s.urls.moderate);
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

      const port = Number(new URL(base).port);
      await stopServer();
      await erin.locator('[data-testid=conn]:not(:text-is("online"))').waitFor(WAIT);
      const offline = 'Typed while the server was down.';
      await erin.getByTestId('composer-text').fill(offline);
      await erin.getByTestId('send').click();
      await erin.locator('[data-testid=pending] .pending', { hasText: offline }).waitFor(WAIT);

      base = await startServer(port);
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
    const screen = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const dave = await newPage();
    try {
      await mod.request({ type: 'control', action: 'start' });
      await mod.request({ type: 'control', action: 'next' });
      await screen.goto(`${base}/s/${encodeURIComponent(s.id)}/screen`);
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
