/* Signing out removes the pages the officer's phone kept for working without a signal
 * (the verval service worker's caches: lists and forms with names and addresses), so the
 * next person on a shared phone cannot open them. Drafts not yet sent stay on the device:
 * they are the officer's unsent work, sent after the officer signs in again. */
"use strict";
(function () {
  var form = document.querySelector("form.signout");
  if (!form || !("caches" in window)) { return; }
  var cleared = false;
  form.addEventListener("submit", function (event) {
    if (cleared) { return; }
    event.preventDefault();
    // The worker is unregistered first, so a page it was still storing cannot come back
    // after the caches are deleted.
    var workers = "serviceWorker" in navigator
      ? navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (registration) {
            return registration.unregister();
          }));
        })
      : Promise.resolve();
    workers
      .then(function () { return caches.keys(); })
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("entas-") === 0;
        }).map(function (name) { return caches.delete(name); }));
      })
      .catch(function () { /* signing out must never be blocked by the cache */ })
      .then(function () { cleared = true; form.submit(); });
  });
})();
