// hashchat's service worker (written into the build by vite.config.ts, which fills in VERSION and
// PRECACHE): the app shell and every chunk (each screen, each catalogue) are cached at install, so
// any page opens with no signal; a page navigation is answered with the cached index.html (the app
// is one page for every route). The API and the WebSocket never go through a cache: live data comes
// from the server, and the last state of a chat from the page's own IndexedDB copy.
//
// A new version installs in the background while the old one serves, and takes over at once; the
// page still open keeps running the old code, and the old version's cache is kept (the newest two
// are) so that page can still load its remaining chunks. The next load is the new version, which
// says so once (app_update.ts).

const VERSION = __VERSION__;
const PRECACHE = __PRECACHE__;
const CACHE = `hashchat-${VERSION}`;
/** A marker in each cache: when it was installed, to keep the newest two. */
const STAMP = '/__hashchat_installed__';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'no-cache' })));
      await cache.put(STAMP, new Response(String(Date.now())));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = (await caches.keys()).filter((n) => n.startsWith('hashchat-'));
      const stamped = await Promise.all(
        names.map(async (name) => {
          const r = await (await caches.open(name)).match(STAMP);
          return { name, at: r ? Number(await r.text()) : 0 };
        }),
      );
      stamped.sort((a, b) => b.at - a.at);
      const keep = new Set([CACHE, ...stamped.filter((s) => s.name !== CACHE).slice(0, 1).map((s) => s.name)]);
      await Promise.all(names.filter((n) => !keep.has(n)).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

/** The app's pages (the server answers them all with index.html; see static_files.cpp). */
function isAppPage(path) {
  return path === '/' || path.startsWith('/s/') || path === '/archive' || path.startsWith('/archive/') || path === '/new' || path.startsWith('/series/');
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/') || url.pathname === '/ws') return;
  if (req.mode === 'navigate') {
    if (!isAppPage(url.pathname)) return;
    event.respondWith(
      (async () => (await (await caches.open(CACHE)).match('/index.html')) ?? fetch(req))(),
    );
    return;
  }
  event.respondWith((async () => (await caches.match(req, { ignoreSearch: true })) ?? fetch(req))());
});

self.addEventListener('message', (event) => {
  if (event.data === 'version' && event.ports[0]) event.ports[0].postMessage(VERSION);
});
