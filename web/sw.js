/*
 * Service worker: the app and its models keep working offline after the first visit.
 * Network first (online you always get the current files), the cache when the network fails.
 * The build (src/web/build.ts) fills in the cache version and the list of app files.
 */
const CACHE = 'hwr-web-__BUILD_VERSION__';
const SHELL = __APP_SHELL__;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL);
    // Every model the index lists (a few MB at most), so any of them can be chosen offline.
    const res = await fetch('models.json', { cache: 'no-cache' });
    await cache.put('models.json', res.clone());
    const index = await res.json();
    for (const m of index.models) await cache.addAll(m.files.map((f) => m.path + f));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('hwr-web-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    try {
      const res = await fetch(req);
      if (res.status === 200) {
        const copy = res.clone();
        event.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
      }
      return res;
    } catch (err) {
      const hit = await caches.match(req, { ignoreSearch: true });
      if (hit) return hit;
      if (req.mode === 'navigate') {
        const page = await caches.match('index.html');
        if (page) return page;
      }
      throw err;
    }
  })());
});
