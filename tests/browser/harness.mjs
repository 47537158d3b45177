// Browser test harness: runs the real hashchat binary (serving web-client/dist, with a test
// clock) and Debian's Chromium through playwright-core, talks HTTP and WebSocket to the server,
// and waits for conditions (never for time to pass).
//
// Binary: $HASHCHAT_BIN, else build/debug/hashchat relative to the repository root.
//
// A test file makes one suite and hands its set-up and tear-down to node:test:
//   const suite = browserSuite('hashchat-browser-');
//   before(suite.setUp);
//   after(suite.tearDown);
// The suite's helpers are arrow functions, so they may be destructured.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = path.resolve(repo, process.env.HASHCHAT_BIN ?? 'build/debug/hashchat');
/** The built web client the server serves: $HASHCHAT_WEB_ROOT, else web-client/dist. */
export const webRoot = path.resolve(repo, process.env.HASHCHAT_WEB_ROOT ?? 'web-client/dist');
/** Every bounded wait on a page uses this unless told otherwise. */
export const WAIT = { timeout: 15000 };

const CHROMIUM = {
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
};

/** Resolves when check() is true; polls (the conditions live in other processes), bounded. */
export async function until(what, check, timeoutMs = WAIT.timeout) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------------------------------------
// page helpers

/** The feed's post whose text is exactly `text`. */
export function postLocator(page, text) {
  return page.locator('article[data-testid=post]', { has: page.locator(`[data-testid=post-text]:text-is(${JSON.stringify(text)})`) });
}

/** The outbox's pending post whose text is exactly `text`. */
export function pendingLocator(page, text) {
  return page.locator('[data-testid=pending-post]', { has: page.locator(`.post-text:text-is(${JSON.stringify(text)})`) });
}

/** Opens a join page at `url`, joins as handle/name, and waits until the page is online. */
export async function joinAt(page, url, handle, name) {
  await page.goto(url);
  await page.getByTestId('handle').fill(handle);
  await page.getByTestId('name').fill(name);
  await page.getByTestId('join').click();
  await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(WAIT);
}

/** Types `text` into the composer and sends it. */
export async function send(page, text) {
  await page.getByTestId('composer-text').fill(text);
  await page.getByTestId('send').click();
}

// ---------------------------------------------------------------------------------------------
// what people see: screenshots, accessibility, QR codes

/** Screenshots of every screen land here for a reviewer (not committed). */
export const SHOTS = path.resolve(repo, process.env.HASHCHAT_SHOTS ?? 'test-results/screenshots');

/** Saves a screenshot of the page (or of `locator`) as SHOTS/name.png; resolves the PNG bytes. */
export async function screenshot(page, name, locator = null) {
  await mkdir(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  return locator ? locator.screenshot({ path: file }) : page.screenshot({ path: file });
}

/** The WCAG 2.2 A/AA rules the issue names. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = path.join(repo, 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core in the page and asserts no violation. Colour-contrast results axe could not decide
 * (`incomplete`: text over an image or a gradient, or a pseudo-element) are measured here: the
 * text's colour against the nearest opaque background of its ancestors, at least 4.5:1 (3:1 for
 * large text). Resolves axe's results.
 */
export async function checkA11y(page, what) {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy forbids inline
  // scripts, rightly, and stays on during the test.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(await readFile(AXE_SOURCE, 'utf8'));
  const results = await page.evaluate(async (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] }), AXE_TAGS);
  const lines = results.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(0, 3).join(' ')}`));
  assert.deepEqual(lines, [], `${what}: axe-core violations`);
  const contrast = results.incomplete.find((r) => r.id === 'color-contrast');
  if (contrast) {
    const bad = await page.evaluate((targets) => {
      const parse = (c) => {
        const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(c);
        return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
      };
      const lum = ({ r, g, b }) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const out = [];
      for (const sel of targets) {
        const el = document.querySelector(sel);
        if (!el) continue;
        const style = getComputedStyle(el);
        const fg = parse(style.color);
        let bg = null;
        for (let a = el; a && !bg; a = a.parentElement) {
          const c = parse(getComputedStyle(a).backgroundColor);
          if (c && c.a >= 0.99) bg = c;
        }
        bg ??= { r: 255, g: 255, b: 255, a: 1 };
        const [l1, l2] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(`${sel}: ${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}))`);
      }
      return out;
    }, contrast.nodes.map((n) => n.target.join(' ')));
    assert.deepEqual(bad, [], `${what}: colour contrast of what axe could not decide`);
  }
  return results;
}

/**
 * Every message of the language `lang` (web-client/src/i18n/{lang}/*.ts, transpiled with the
 * project's TypeScript), as a flat list of strings (both forms of a plural).
 */
export async function catalogue(lang) {
  const ts = (await import('typescript')).default;
  const dir = path.join(repo, 'web-client/src/i18n', lang);
  const out = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.ts')).sort()) {
    const js = ts.transpileModule(await readFile(path.join(dir, name), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const mod = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
    for (const v of Object.values(mod.default)) out.push(...(typeof v === 'string' ? [v] : [v.one, v.other]));
  }
  return out;
}

/**
 * Asserts that the page speaks only `lang`: every text node, aria-label, title, placeholder and alt
 * (visible or not) is a message of that language's catalogue, or a piece of one (a message whose
 * {placeholders} are filled by other elements), or chat content: one of the strings in `content`
 * (hashtags, titles, questions, posts, names, handles), or digits, times and punctuation only.
 * Elements with a `lang` of another language (the language switch) are skipped.
 */
export async function checkLanguage(page, lang, what, content = []) {
  const messages = await catalogue(lang);
  const found = await page.evaluate((lang) => {
    const out = [];
    const skip = (el) => el.closest('script, style, noscript') || (el.closest('[lang]')?.getAttribute('lang') ?? lang) !== lang;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      if (text && !skip(n.parentElement)) out.push(text);
    }
    for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
      if (skip(el)) continue;
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
        const v = el.getAttribute(a)?.trim();
        if (v) out.push(v);
      }
    }
    out.push(document.title);
    return out;
  }, lang);
  const literal = (m) => m.split(/\{\w+\}/).map((part) => part.trim()).filter(Boolean);
  const pattern = (m) => new RegExp(`^${m.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]+')}$`);
  const patterns = messages.map(pattern);
  const pieces = messages.flatMap(literal);
  const sorted = [...content].filter(Boolean).sort((a, b) => b.length - a.length);
  const bad = [];
  for (const s of new Set(found)) {
    let rest = s;
    for (const c of sorted) rest = rest.split(c).join(' ');
    if (!/[\p{L}]/u.test(rest)) continue;
    if (patterns.some((re) => re.test(s))) continue;
    const core = rest.replace(/^[\s\p{P}\p{S}\d]+|[\s\p{P}\p{S}\d]+$/gu, '');
    if (pieces.some((p) => p.includes(core) || patterns.some((re) => re.test(rest.trim())))) continue;
    bad.push(s);
  }
  assert.deepEqual(bad, [], `${what}: strings that are not ${lang} catalogue messages nor chat content`);
}

/** Decodes the QR code in a PNG with zbarimg (Debian's zbar-tools); resolves its text. */
export async function decodeQr(png) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hashchat-qr-'));
  try {
    const file = path.join(dir, 'qr.png');
    await writeFile(file, png);
    const out = await new Promise((resolve, reject) => {
      const p = spawn('zbarimg', ['--raw', '-q', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      let err = '';
      p.stdout.on('data', (c) => (text += c));
      p.stderr.on('data', (c) => (err += c));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`zbarimg exited ${code}: ${err || 'no code found'}`))));
    });
    return out.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// one server and one browser for a describe block

/**
 * The state of one browser suite: a data directory named with `tmpPrefix`, the server (which a
 * test may stop and start again), the browser, and the uncaught page errors that tearDown
 * asserts are none. The server serves the built client in `root` (scripts/bench web serves two).
 */
export function browserSuite(tmpPrefix, { root = webRoot } = {}) {
  let server = null;
  let dataDir = '';

  const suite = {
    /** http://127.0.0.1:PORT of the running server. */
    base: '',
    /** Everything the server printed, across restarts. */
    serverLog: '',
    browser: null,
    pageErrors: [],

    setUp: async () => {
      assert.ok(existsSync(bin), `no server binary at ${bin} (set HASHCHAT_BIN or build it)`);
      assert.ok(existsSync(path.join(root, 'index.html')), 'run `npm run build` first');
      dataDir = await mkdtemp(path.join(tmpdir(), tmpPrefix));
      await suite.startServer();
      suite.browser = await chromium.launch(CHROMIUM);
    },

    tearDown: async () => {
      try {
        await suite.browser?.close();
      } finally {
        await suite.stopServer();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      }
      assert.deepEqual(suite.pageErrors, [], 'uncaught errors in the pages');
    },

    /** Starts the server on `port` (0: any) over the suite's data directory; resolves with and sets `base`. */
    startServer: (port = 0) =>
      new Promise((resolve, reject) => {
        server = spawn(
          bin,
          [
            '--port', String(port),
            '--bind', '127.0.0.1',
            '--data-dir', dataDir,
            '--test-clock=2026-11-26T19:00:00Z',
            // The scripted sockets here post faster than a person; the limits have their own
            // tests (tests/integration/hostile.test.mjs).
            '--profile=loadtest',
            '--web-root', root,
          ],
          { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const timer = setTimeout(() => reject(new Error(`server did not say where it listens:\n${suite.serverLog}`)), 20000);
        const logStart = suite.serverLog.length;
        const onData = (chunk) => {
          suite.serverLog += chunk.toString();
          const m = /listening on http:\/\/[^\s:]+:(\d+)/.exec(suite.serverLog.slice(logStart));
          if (m) {
            clearTimeout(timer);
            suite.base = `http://127.0.0.1:${m[1]}`;
            resolve(suite.base);
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
          reject(new Error(`server exited (${code ?? signal}) before listening:\n${suite.serverLog}`));
        });
      }),

    /** SIGTERM, then SIGKILL after 10 s; resolves once the server has exited. */
    stopServer: async () => {
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },

    /** One HTTP request; `json` is the parsed body, or its text when it is not JSON. */
    api: async (method, urlPath, body) => {
      const res = await fetch(suite.base + urlPath, {
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
    },

    /** A live session with two questions; `extra` overrides fields (undefined leaves one out). */
    createSession: async (extra = {}) => {
      const res = await suite.api('POST', '/api/sessions', {
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
    },

    /**
     * A plain WebSocket client: hello, then collects every event. `request` sends with a rid and
     * resolves with the answer echoing it; `caughtUp` resolves once the backlog up to welcome.head
     * is in. `what` names the hello in its error.
     */
    wsClient: async (hello, what = 'hello') => {
      const ws = new WebSocket(`${suite.base.replace('http', 'ws')}/ws`);
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
          if (msg.type === 'error' && msg.rid === 'hello') reject(new Error(`${what}: ${msg.code} ${msg.message}`));
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
    },

    /** A moderator on a plain WebSocket: hello with the key, then requests answered by rid. */
    moderatorSocket: async (id, key, handle = 'host') => {
      const mod = await suite.wsClient({ type: 'hello', session: id, handle, name: 'Host', key }, 'moderator hello');
      assert.equal(mod.welcome.you.role, 'moderator');
      return mod;
    },

    /** The session's whole log, read by a fresh participant from since 0. */
    serverLogEvents: async (session, handle) => {
      const c = await suite.wsClient({ type: 'hello', session, handle, name: 'Auditor', since: 0 });
      let timer = null;
      try {
        await Promise.race([c.caughtUp, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('backlog did not arrive')), WAIT.timeout)))]);
      } finally {
        clearTimeout(timer);
        c.close();
      }
      return { head: c.welcome.head, events: c.events };
    },

    /**
     * A phone-sized page in a context of its own; its uncaught errors are collected. `options` go
     * to the context (e.g. `timezoneId`, `locale`).
     */
    newPage: async (options = {}) => {
      const context = await suite.browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, ...options });
      const page = await context.newPage();
      page.on('pageerror', (e) => suite.pageErrors.push(e.message));
      return page;
    },

    /** joinAt the server's `joinPath`. */
    joinAs: (page, joinPath, handle, name) => joinAt(page, suite.base + joinPath, handle, name),
  };

  process.on('exit', () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  });
  return suite;
}
