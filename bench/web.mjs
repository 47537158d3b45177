// scripts/bench web: the participant's page on a cheap phone, two builds of the web client in one
// run. Each client is served by its own hashchat server (the same binary, loopback only, test
// clock) over a chat with posts; Debian's Chromium loads it under the conditions of issue 13:
// 400 ms round trip, 50,000 bytes/s each way, CPU 4x slower, a 360x640 touch screen.
//
//   node bench/web.mjs --bin build/release/hashchat --client new=DIR --client prev=DIR --out FILE
//
// A run is a fresh browser context (cold cache) that
//   1. opens the join link: the JS received before `join-ready` (bytes as sent, and gzip), and the
//      time of `join-ready`;
//   2. joins, waits for the first post, and for the service worker when the client has one;
//   3. opens the link again as the returning participant: the time of `first-post`, and whether a
//      service worker controls the page;
//   4. the same with the HTTP cache emptied (what the previous client's returning participant
//      waited for when the browser had dropped its bundle).
// Runs alternate between the clients so that both see the same machine. The marks are the
// client's own performance.mark('join-ready' | 'first-post'); a client without them (the previous
// one) is timed by a MutationObserver at the same places: the join form in the document (its
// handler is attached before it is), the first post after the frame that paints it.
// Every wait is bounded and the whole run has a deadline: it stops by itself.

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values: args } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/release/hashchat' },
    client: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', multiple: true, default: [] },
    runs: { type: 'string', default: '5' },
    posts: { type: 'string', default: '40' },
    out: { type: 'string' },
    'deadline-s': { type: 'string', default: '900' },
  },
});
// The harness reads the binary from the environment when it is imported.
process.env.HASHCHAT_BIN = path.resolve(args.bin);
const { browserSuite } = await import('../tests/browser/harness.mjs');

const CONDITIONS = {
  network: { offline: false, latency: 400, downloadThroughput: 50000, uploadThroughput: 50000 },
  cpu: { rate: 4 },
  viewport: { width: 360, height: 640 },
};
const TARGETS = { js_gzip_bytes: 20000, join_ready_ms: 2500, returning_first_post_ms: 1000 };
/** A page's bounded waits: the previous client takes about 4 s to its join form here. */
const SLOW = { timeout: 60000 };

const clients = args.client.map((c) => {
  const [name, dir] = c.split('=');
  if (!name || !dir || !existsSync(path.join(dir, 'index.html'))) throw new Error(`--client NAME=DIR with a built client: ${c}`);
  return { name, dir: path.resolve(dir), runs: [], errors: [] };
});
if (clients.length === 0) throw new Error('give at least one --client NAME=DIR');
for (const l of args.label) {
  const [name, ...text] = l.split('=');
  const c = clients.find((x) => x.name === name);
  if (c) c.label = text.join('=');
}
const runs = Number(args.runs);

const deadline = setTimeout(() => {
  console.error(`scripts/bench web: not done after ${args['deadline-s']} s, stopping`);
  process.exit(1);
}, Number(args['deadline-s']) * 1000);
deadline.unref();

/** Marks the two moments from outside the client (for a client without its own marks). */
function observeMarks() {
  let form = false;
  let post = false;
  const seen = new MutationObserver(() => {
    if (!form && document.querySelector('[data-testid=join-form]')) {
      form = true;
      performance.mark('bench:join-form');
    }
    if (!post && document.querySelector('article[data-testid=post]')) {
      post = true;
      requestAnimationFrame(() => setTimeout(() => performance.mark('bench:first-post')));
    }
    if (form && post) seen.disconnect();
  });
  seen.observe(document, { childList: true, subtree: true });
}

/**
 * The first of the client's mark `name`, else the observer's `fallback`: { ms, source, observer }
 * (`observer`: the observer's time as well, which shows how close it comes to the client's mark).
 */
async function markTime(page, name, fallback) {
  return page.evaluate(
    ([name, fallback]) => {
      const own = performance.getEntriesByName(name, 'mark')[0];
      const seen = performance.getEntriesByName(fallback, 'mark')[0];
      return { ms: (own ?? seen).startTime, source: own ? 'mark' : 'observer', observer: seen?.startTime ?? null };
    },
    [name, fallback],
  );
}

async function waitMark(page, name, fallback) {
  try {
    await page.waitForFunction(([n, f]) => performance.getEntriesByName(n, 'mark').length > 0 || performance.getEntriesByName(f, 'mark').length > 0, [name, fallback], SLOW);
  } catch (e) {
    const seen = await page.evaluate(() => ({ marks: performance.getEntriesByType('mark').map((m) => m.name), text: document.body.innerText.slice(0, 400) }));
    throw new Error(`no ${name} mark at ${page.url()}: ${e.message}\n${JSON.stringify(seen, null, 2)}`);
  }
}

/**
 * In the page: whether the client's copy of the chat (IndexedDB "hashchat", chat_cache.ts) holds
 * the log up to `seq`; true at once for a client that keeps no copy (nothing to wait for).
 */
async function chatCached(seq) {
  if (!(await indexedDB.databases()).some((d) => d.name === 'hashchat')) return 'none';
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('hashchat');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    if (!db.objectStoreNames.contains('chats')) return false;
    const all = await new Promise((resolve, reject) => {
      const req = db.transaction('chats').objectStore('chats').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return all.some((r) => r.seq >= seq);
  } finally {
    db.close();
  }
}

/** The gzip size of a built file: its precompressed .gz, else gzip -9 of it (the old client has none). */
function gzipBytes(dir, urlPath) {
  const file = path.join(dir, decodeURIComponent(urlPath));
  if (!file.startsWith(dir) || !existsSync(file)) return null;
  return existsSync(`${file}.gz`) ? readFileSync(`${file}.gz`).length : gzipSync(readFileSync(file), { level: 9 }).length;
}

/** A chat in its first round with `n` posts from four people: its join link and last post's seq. */
async function chatWithPosts(suite, n) {
  const s = await suite.createSession();
  const mod = await suite.moderatorSocket(s.id, s.moderator_key);
  await mod.request({ type: 'control', action: 'start' });
  await mod.request({ type: 'control', action: 'next' }); // Q1, posting
  const people = [];
  let lastSeq = 0;
  for (const [handle, name] of [['amira', 'Amira Haddad'], ['ben', 'Ben Tremblay'], ['chloe', 'Chloé Gagnon'], ['dev', 'Dev Patel']]) {
    people.push(await suite.wsClient({ type: 'hello', session: s.id, handle, name }));
  }
  const lines = [
    'I start with a question on the board before they sit down.',
    'A two-minute silent write, then we share with a partner.',
    'Exit tickets from yesterday decide how I open the next lesson.',
    'Music as they come in: it sets the tone better than my voice.',
    'A picture and "what do you notice?" works from grade 3 to 12.',
  ];
  for (let i = 0; i < n; i++) {
    const ack = await people[i % people.length].request({ type: 'post', cid: `b${i}`, text: `${lines[i % lines.length]} (${i + 1})` });
    if (typeof ack.seq !== 'number') throw new Error(`post refused: ${JSON.stringify(ack)}`);
    lastSeq = ack.seq;
  }
  for (const p of [mod, ...people]) p.close();
  return { joinUrl: suite.base + s.urls.join, lastSeq };
}

/** One cold-cache run of `client` against its join link. */
async function run(browser, client, joinUrl, i) {
  const context = await browser.newContext({ viewport: CONDITIONS.viewport, hasTouch: true, isMobile: true, serviceWorkers: 'allow' });
  try {
    await context.addInitScript(observeMarks);
    const page = await context.newPage();
    page.on('pageerror', (e) => client.errors.push(e.message));
    const cdp = await context.newCDPSession(page);
    const encoding = new Map();
    cdp.on('Network.responseReceived', (e) => {
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      encoding.set(e.response.url, h['content-encoding'] ?? 'identity');
    });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', CONDITIONS.network);
    await cdp.send('Emulation.setCPUThrottlingRate', CONDITIONS.cpu);

    // 1. First visit, cold cache.
    await page.goto(joinUrl, { waitUntil: 'commit' });
    await waitMark(page, 'join-ready', 'bench:join-form');
    const joinReady = await markTime(page, 'join-ready', 'bench:join-form');
    const scripts = await page.evaluate(
      (before) =>
        performance
          .getEntriesByType('resource')
          .filter((r) => new URL(r.name).pathname.endsWith('.js') && r.responseEnd <= before)
          .map((r) => ({ url: r.name, sent_bytes: r.encodedBodySize })),
      joinReady.ms,
    );
    const js = scripts.map((s) => ({
      path: new URL(s.url).pathname,
      encoding: encoding.get(s.url) ?? 'unknown',
      sent_bytes: s.sent_bytes,
      gzip_bytes: gzipBytes(client.dir, new URL(s.url).pathname),
    }));

    // 2. Join, see the chat, let the service worker (if any) take its copy.
    // Both clients draw the form again when the chat's details arrive, which empties it: fill it
    // after that.
    await page.locator('header h1', { hasText: '#PubPD' }).waitFor(SLOW);
    const handle = `bench_${client.name}_${i}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 20);
    await page.getByTestId('handle').fill(handle);
    await page.getByTestId('name').fill(`Bench ${i}`);
    await page.getByTestId('join').click();
    await waitMark(page, 'first-post', 'bench:first-post');
    await page.locator('[data-testid=conn]', { hasText: /^online$/ }).waitFor(SLOW);
    const worker = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker?.getRegistration();
      if (!reg) return false;
      await navigator.serviceWorker.ready;
      return true;
    });
    const cached = await page
      .waitForFunction(chatCached, client.lastSeq, { timeout: 20000, polling: 200 })
      .then((h) => h.jsonValue())
      .catch(() => false);

    // 3. The returning participant: the same link, the same browser.
    await page.goto(joinUrl, { waitUntil: 'commit' });
    await waitMark(page, 'first-post', 'bench:first-post');
    const firstPost = await markTime(page, 'first-post', 'bench:first-post');
    const controlled = await page.evaluate(() => Boolean(navigator.serviceWorker?.controller));

    // 4. Returning with the HTTP cache emptied (the service worker's caches and the stored
    // identity stay): what a returning participant waited for before the service worker.
    await cdp.send('Network.clearBrowserCache');
    await page.goto(joinUrl, { waitUntil: 'commit' });
    await waitMark(page, 'first-post', 'bench:first-post');
    const emptied = await markTime(page, 'first-post', 'bench:first-post');
    return {
      run: i,
      join_ready_ms: Math.round(joinReady.ms),
      join_ready_source: joinReady.source,
      join_ready_observer_ms: joinReady.observer === null ? null : Math.round(joinReady.observer),
      js_files: js,
      js_sent_bytes: js.reduce((a, f) => a + f.sent_bytes, 0),
      js_gzip_bytes: js.reduce((a, f) => a + (f.gzip_bytes ?? 0), 0),
      service_worker_registered: worker,
      chat_cached: cached,
      returning_first_post_ms: Math.round(firstPost.ms),
      returning_first_post_source: firstPost.source,
      returning_first_post_observer_ms: firstPost.observer === null ? null : Math.round(firstPost.observer),
      returning_service_worker: controlled,
      returning_http_cache_emptied_first_post_ms: Math.round(emptied.ms),
    };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};

const suites = [];
let chromiumVersion = '';
try {
  for (const c of clients) {
    const suite = browserSuite(`hashchat-bench-web-${c.name}-`, { root: c.dir });
    suites.push(suite);
    await suite.setUp();
    // One browser drives every client: the other suites' own browsers are not needed.
    if (suites.length > 1) {
      await suite.browser.close();
      suite.browser = null;
    }
    Object.assign(c, await chatWithPosts(suite, Number(args.posts)));
  }
  const { browser } = suites[0];
  chromiumVersion = browser.version();
  for (let i = 1; i <= runs; i++) {
    for (const c of clients) {
      const r = await run(browser, c, c.joinUrl, i);
      c.runs.push(r);
      console.error(
        `  run ${i} ${c.name}: join-ready ${r.join_ready_ms} ms (${r.join_ready_source}), JS ${r.js_gzip_bytes} B gzip, ` +
          `returning first-post ${r.returning_first_post_ms} ms${r.returning_service_worker ? ' (service worker)' : ''}, HTTP cache emptied ${r.returning_http_cache_emptied_first_post_ms} ms`,
      );
    }
  }
} finally {
  for (const s of suites) {
    // Page errors are reported below rather than thrown by the harness.
    s.pageErrors.length = 0;
    await s.tearDown();
  }
}

const result = { conditions: { ...CONDITIONS, chromium: chromiumVersion, runs, posts: Number(args.posts), cache: 'cold first visit; the returning visit in the same context' }, targets: TARGETS, clients: {} };
for (const c of clients) {
  const m = (k) => median(c.runs.map((r) => r[k]));
  const sw = c.runs.every((r) => r.returning_service_worker);
  result.clients[c.name] = {
    label: c.label ?? null,
    dir: c.dir,
    js_encodings: [...new Set(c.runs.flatMap((r) => r.js_files.map((f) => f.encoding)))],
    median: {
      js_sent_bytes: m('js_sent_bytes'),
      js_gzip_bytes: m('js_gzip_bytes'),
      join_ready_ms: m('join_ready_ms'),
      returning_first_post_ms: m('returning_first_post_ms'),
      returning_http_cache_emptied_first_post_ms: m('returning_http_cache_emptied_first_post_ms'),
      returning_service_worker: sw,
    },
    met: {
      js_gzip_bytes: m('js_gzip_bytes') <= TARGETS.js_gzip_bytes,
      join_ready_ms: m('join_ready_ms') <= TARGETS.join_ready_ms,
      // Only a page the service worker serves counts for this target.
      returning_first_post_ms: sw ? m('returning_first_post_ms') <= TARGETS.returning_first_post_ms : null,
    },
    page_errors: c.errors,
    runs: c.runs,
  };
}
const json = JSON.stringify(result, null, 2);
if (args.out) await writeFile(args.out, `${json}\n`);
else console.log(json);
printTable(result);
clearTimeout(deadline);

/** The medians side by side, and each client's verdict against the targets. */
function printTable(res) {
  const names = Object.keys(res.clients);
  const n = (x) => (x === null ? '-' : x.toLocaleString('en-US'));
  const verdict = (met, c) => (met === null ? (c.median.returning_service_worker ? '' : 'no service worker') : met ? 'met' : 'MISSED');
  const rows = [
    ['', ...names.map((k) => `${k}${res.clients[k].label ? ` (${res.clients[k].label})` : ''}`), 'target'],
    ['JS before join-ready, gzip', ...names.map((k) => `${n(res.clients[k].median.js_gzip_bytes)} B`), `<= ${n(TARGETS.js_gzip_bytes)} B`],
    ['  as sent', ...names.map((k) => `${n(res.clients[k].median.js_sent_bytes)} B ${res.clients[k].js_encodings.join('/')}`), ''],
    ['join-ready, first visit', ...names.map((k) => `${n(res.clients[k].median.join_ready_ms)} ms`), `<= ${n(TARGETS.join_ready_ms)} ms`],
    [
      'first-post, returning',
      ...names.map((k) => `${n(res.clients[k].median.returning_first_post_ms)} ms${res.clients[k].median.returning_service_worker ? ' (service worker)' : ' (no service worker)'}`),
      `<= ${n(TARGETS.returning_first_post_ms)} ms`,
    ],
    ['  HTTP cache emptied', ...names.map((k) => `${n(res.clients[k].median.returning_http_cache_emptied_first_post_ms)} ms`), ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.error(`\nmedian of ${res.conditions.runs} runs; ${res.conditions.network.latency} ms latency, ${n(res.conditions.network.downloadThroughput)} B/s, CPU ${res.conditions.cpu.rate}x slower`);
  for (const r of rows) console.error(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '));
  for (const k of names) {
    const c = res.clients[k];
    console.error(
      `${k}: JS ${verdict(c.met.js_gzip_bytes, c)}, join-ready ${verdict(c.met.join_ready_ms, c)}, returning first-post ${verdict(c.met.returning_first_post_ms, c)}` +
        (c.page_errors.length ? `; page errors: ${c.page_errors.join(' | ')}` : ''),
    );
  }
}
