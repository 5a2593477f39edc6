/* entas service worker for the officer's pages ({{ scope }}): keeps today's list, the visit
 * forms and their CSS/JS on the device so they open without a signal. Pages: network
 * first, the cached copy when offline. Only GET is touched: visits are sent by the page
 * itself (field.js), which keeps them as drafts until the server confirms. */
"use strict";

const CACHE = "entas-lapangan-v1";
const ASSETS = {{ assets|safe }};
const LIST_URL = "{{ list_url|escapejs }}";
const SCOPE = "{{ scope|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("entas-lapangan-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function keep(cache, url, response) {
  // A redirect (to the login page) or an error is never kept in place of the page.
  if (response.ok && !response.redirected && response.type === "basic") {
    return cache.put(url, response.clone()).then(() => response);
  }
  return Promise.resolve(response);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "precache") { return; }
  const urls = (data.urls || []).filter((url) => new URL(url, self.location.origin).pathname.startsWith(SCOPE));
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.all(urls.map((url) =>
      fetch(url, { credentials: "same-origin", redirect: "follow" })
        .then((response) => keep(cache, url, response).then(() => response.ok && !response.redirected))
        .catch(() => false)
    ))).then((results) => {
      const ok = results.every(Boolean);
      if (event.ports[0]) { event.ports[0].postMessage({ ok: ok, count: results.length }); }
    })
  );
});

function page(request) {
  return caches.open(CACHE).then((cache) =>
    fetch(request)
      .then((response) => keep(cache, request.url, response))
      // Django answers "Vary: Cookie": the worker's copy is the signed-in officer's own.
      .catch(() => cache.match(request.url, { ignoreSearch: true, ignoreVary: true })
        .then((hit) => hit || cache.match(LIST_URL, { ignoreVary: true }))
        .then((hit) => hit || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } })))
  );
}

function asset(request) {
  return caches.match(request).then((hit) => hit || fetch(request));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE) && !url.pathname.endsWith("sw.js")) {
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request));
  }
});
