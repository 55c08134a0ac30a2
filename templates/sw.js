{% load static %}// MyRopo service worker: caches the static shell and shows an offline page.
// Invoice data is personal: pages are never cached, only the shell and the offline page.
const CACHE = "myropo-shell-v1";
const OFFLINE_URL = "{% url 'offline' %}";
const SHELL = [OFFLINE_URL{% for url in shell %}, "{{ url }}"{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
