/* The field officer's phone: drafts kept on the device, sent when there is a signal.
 *
 * Every visit is stored in IndexedDB (keyed by its client_id) BEFORE it is sent, and is
 * deleted only after the server answered 201 (stored) or 200 (already stored). The server
 * keeps one visit per client_id, so a draft sent twice is still one visit. One sync loop
 * runs at a time (a Web Lock across tabs, a flag inside the page).
 */
(function () {
  "use strict";

  var DB_NAME = "entas-lapangan";
  var STORE = "drafts";
  var MAX_BYTES = 10 * 1024 * 1024;
  var MAX_PHOTOS = 4;
  var MET = ["layak", "mampu"];

  var page = document.getElementById("field-page");
  if (!page) { return; }
  var texts = (document.getElementById("field-texts") || {}).dataset || {};

  function text(name, values) {
    var value = texts[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      value = value.replace("%(" + key + ")s", values[key]);
    });
    return value;
  }

  // --- IndexedDB: the drafts --------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allDrafts() { return withStore("readonly", function (s) { return s.getAll(); }); }
  function putDraft(draft) { return withStore("readwrite", function (s) { s.put(draft); }); }
  function deleteDraft(id) { return withStore("readwrite", function (s) { s.delete(id); }); }

  // --- sending ---------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function payload(draft) {
    var body = new FormData();
    draft.fields.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken") { return; } // the current token goes in a header
      if (pair[1] instanceof Blob) { body.append(pair[0], pair[1], pair[2] || "foto.jpg"); }
      else { body.append(pair[0], pair[1]); }
    });
    return body;
  }

  /* Send one draft. Resolves to "sent" (deleted), "refused" (kept with the server's
   * message: the officer must fix it), "blocked" (kept as it was: signed out, no access
   * or a server error) or "offline" (kept as it was). Only a 201/200 answer deletes it. */
  function send(draft) {
    return fetch(page.dataset.submitUrl, {
      method: "POST", body: payload(draft), credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json || response.status === 401 || response.status >= 500) {
        notice(text("session"));
        return "blocked";
      }
      return response.json().then(function (answer) {
        if ((response.status === 201 || response.status === 200) &&
            (answer.status === "created" || answer.status === "duplicate")) {
          return deleteDraft(draft.client_id).then(function () { return "sent"; });
        }
        draft.error = { message: answer.error || response.statusText, field: answer.field || "" };
        return putDraft(draft).then(function () { return "refused"; });
      });
    }, function () { return "offline"; });
  }

  function notice(message) {
    var slot = document.getElementById("sync-notice");
    if (slot) { slot.textContent = message; slot.hidden = !message; }
  }

  var syncing = null;

  function syncAll() {
    if (syncing) { return syncing; }
    var run = function () {
      return allDrafts().then(function (drafts) {
        var pending = drafts.filter(function (d) { return !d.error; });
        var results = [];
        return pending.reduce(function (chain, draft) {
          return chain.then(function (previous) {
            if (previous === "offline" || previous === "blocked") { return previous; } // stop trying
            return send(draft).then(function (result) { results.push(result); return result; });
          });
        }, Promise.resolve("")).then(function () { return results; });
      });
    };
    syncing = (navigator.locks
      ? navigator.locks.request("entas-lapangan-sync", run)
      : run()
    ).finally(function () { syncing = null; });
    return syncing;
  }

  // --- service worker ----------------------------------------------------------------

  function activated(worker) {
    if (worker.state === "activated") { return Promise.resolve(worker); }
    return new Promise(function (resolve) {
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") { resolve(worker); }
      });
    });
  }

  /* Ask the worker to keep these pages; `done(ok)` once it answered. A worker that is
   * still starting may miss the message: ask again, a few times. */
  function precache(urls, done) {
    if (!("serviceWorker" in navigator)) { done(false); return; }
    var answered = false;
    function ask(worker, triesLeft) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (answered) { return; }
        answered = true;
        done(event.data && event.data.ok);
      };
      worker.postMessage({ type: "precache", urls: urls }, [channel.port2]);
      setTimeout(function () {
        if (!answered && triesLeft > 0) { ask(worker, triesLeft - 1); }
      }, 5000);
    }
    navigator.serviceWorker.register(page.dataset.swUrl, { scope: page.dataset.swScope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) { return activated(registration.active); })
      .then(function (worker) { ask(worker, 3); })
      .catch(function () { done(false); });
  }

  // --- the list --------------------------------------------------------------------

  function distanceKm(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180;
    var a = Math.pow(Math.sin((lat2 - lat1) * rad / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin((lng2 - lng1) * rad / 2), 2);
    return 12742 * Math.asin(Math.sqrt(a));
  }

  function sortByDistance(position) {
    var list = document.getElementById("open-visits");
    if (!list) { return; }
    var here = position.coords;
    var rows = Array.prototype.slice.call(list.children);
    rows.forEach(function (row, index) {
      row.dataset.order = index;
      if (!row.dataset.lat) { return; }
      var km = distanceKm(here.latitude, here.longitude, +row.dataset.lat, +row.dataset.lng);
      row.dataset.km = km;
      var label = row.querySelector("[data-distance]");
      label.textContent = km < 1 ? Math.round(km * 1000) + " " + text("m")
        : km.toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }) + " " + text("km");
      label.hidden = false;
    });
    // Returned visits stay first; then the nearest; households without a location last.
    rows.sort(function (a, b) {
      var returned = b.classList.contains("returned") - a.classList.contains("returned");
      if (returned) { return returned; }
      var ka = a.dataset.km ? +a.dataset.km : Infinity, kb = b.dataset.km ? +b.dataset.km : Infinity;
      return ka - kb || a.dataset.order - b.dataset.order;
    });
    rows.forEach(function (row) { list.appendChild(row); });
  }

  function showDrafts() {
    return allDrafts().then(function (drafts) {
      var byAssignment = {};
      drafts.forEach(function (d) { byAssignment[d.assignment] = d; });
      document.querySelectorAll("#open-visits [data-assignment]").forEach(function (row) {
        var label = row.querySelector("[data-state]");
        var draft = byAssignment[row.dataset.assignment];
        label.hidden = !draft;
        label.className = "state" + (draft && draft.error ? " error" : " draft");
        label.textContent = !draft ? "" : draft.error
          ? text("draftError") + ": " + draft.error.message : text("draft");
      });
      var waiting = drafts.filter(function (d) { return !d.error; }).length;
      var banner = document.getElementById("drafts-banner");
      banner.hidden = waiting === 0;
      document.getElementById("drafts-count").textContent =
        waiting === 1 ? text("draftsOne") : text("draftsMany", { n: waiting });
      return drafts;
    });
  }

  function syncAndRefresh() {
    return syncAll().then(function (results) {
      if (results && results.indexOf("sent") !== -1) {
        window.location.reload(); // the server's list now shows them as sent
        return;
      }
      return showDrafts();
    });
  }

  function initList() {
    var urls = [page.dataset.listUrl];
    document.querySelectorAll("[data-visit-url]").forEach(function (row) {
      urls.push(row.dataset.visitUrl);
    });
    var status = document.getElementById("offline-status");
    precache(urls, function (ok) {
      var copy = !ok && "serviceWorker" in navigator && navigator.serviceWorker.controller;
      status.textContent = ok ? text("ready") : copy ? text("stale") : text("noSw");
      if (ok) { page.dataset.offlineReady = "1"; }
    });
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(sortByDistance, function () {}, {
        enableHighAccuracy: false, timeout: 15000, maximumAge: 300000
      });
    }
    document.getElementById("send-now").addEventListener("click", syncAndRefresh);
    window.addEventListener("online", syncAndRefresh);
    showDrafts().then(syncAndRefresh);
  }

  // --- the visit form ------------------------------------------------------------------

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function showError(form, error) {
    var alert = document.getElementById("form-alert");
    alert.textContent = error ? error.message : "";
    alert.hidden = !error;
    form.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var mine = error && slot.dataset.errorFor === error.field;
      slot.textContent = mine ? error.message : "";
      var section = slot.closest("details");
      if (mine && section) { section.open = true; }
    });
    if (error) { alert.scrollIntoView({ block: "center" }); }
  }

  function applyOutcome(form) {
    var outcome = (form.querySelector("[name=outcome]:checked") || {}).value || "";
    var met = MET.indexOf(outcome) !== -1;
    form.querySelectorAll("[data-consent]").forEach(function (label) {
      var na = label.dataset.consent === "tidak_berlaku";
      label.hidden = met ? na : !na;
    });
    var consent = form.querySelector("[name=consent]:checked");
    if (outcome && !met) {
      form.querySelector("[name=consent][value=tidak_berlaku]").checked = true;
    } else if (met && consent && consent.value === "tidak_berlaku") {
      consent.checked = false;
    }
    var given = met && (form.querySelector("[name=consent]:checked") || {}).value === "setuju";
    form.querySelectorAll("[data-needs-consent] details, [data-needs-consent] fieldset").forEach(function (el) {
      el.toggleAttribute("data-off", !given);
      el.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !given; });
    });
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      el.hidden = el.dataset.showFor !== outcome;
      el.querySelectorAll("input").forEach(function (input) { input.disabled = el.hidden; });
    });
  }

  function fill(form, fields) {
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
    fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (value instanceof Blob || name === "csrfmiddlewaretoken") { return; }
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.value === value) { input.checked = true; }
        } else if (input.type !== "file") {
          input.value = value;
        }
      });
    });
    // A need's other members are behind a closed <details>: show the ones the draft has.
    form.querySelectorAll("details.need-more").forEach(function (more) {
      if (more.querySelector("input[type=checkbox]:checked")) { more.open = true; }
    });
  }

  function entries(form, keptPhotos) {
    var fields = [];
    var chosen = 0;
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (!value.size && !value.name) { return; } // the empty file input
        chosen += 1;
        fields.push([name, value, value.name]);
      } else {
        fields.push([name, value]);
      }
    });
    if (!chosen) {
      keptPhotos.forEach(function (photo) { fields.push(photo); });
    }
    return fields;
  }

  function checkPhotos(form) {
    var files = Array.prototype.slice.call(form.querySelector("[name=photos]").files || []);
    if (files.length > MAX_PHOTOS) { return { field: "photos", message: text("tooMany") }; }
    for (var i = 0; i < files.length; i += 1) {
      if (files[i].size > MAX_BYTES) {
        return { field: "photos", message: text("tooBig", { name: files[i].name }) };
      }
    }
    return null;
  }

  function locate(form) {
    var status = document.getElementById("location-status");
    if (!navigator.geolocation) { status.textContent = text("noLocation"); return; }
    status.textContent = text("locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      form.querySelector("[name=latitude]").value = c.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = c.longitude.toFixed(6);
      form.querySelector("[name=accuracy_m]").value = Math.round(c.accuracy);
      status.textContent = text("located", {
        lat: c.latitude.toFixed(6), lng: c.longitude.toFixed(6), acc: Math.round(c.accuracy)
      });
    }, function () { status.textContent = text("noLocation"); },
    { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
  }

  function initVisit() {
    var form = document.getElementById("visit-form");
    precache([page.dataset.listUrl, window.location.pathname], function () {});
    if (!form) { return; }
    var assignment = page.dataset.assignment;
    var keptPhotos = [];
    var clientId = form.querySelector("[name=client_id]");
    var draftStatus = document.getElementById("draft-status");
    var ready = allDrafts().then(function (drafts) {
      var draft = drafts.filter(function (d) { return d.assignment === assignment; })[0];
      if (!draft) {
        clientId.value = uuid4(); // a cached page must not reuse the id of an earlier visit
        return;
      }
      fill(form, draft.fields);
      clientId.value = draft.client_id; // the same visit: sending it again stays one visit
      keptPhotos = draft.fields.filter(function (pair) { return pair[1] instanceof Blob; });
      if (keptPhotos.length) {
        var note = document.getElementById("draft-photos");
        note.textContent = text("draftPhotos", { n: keptPhotos.length });
        note.hidden = false;
      }
      draftStatus.textContent = text("draftRestored");
      draftStatus.hidden = false;
      if (draft.error) { showError(form, draft.error); }
    }).catch(function () { clientId.value = clientId.value || uuid4(); })
      .then(function () { applyOutcome(form); });

    form.addEventListener("change", function (event) {
      if (event.target.name === "outcome" || event.target.name === "consent") { applyOutcome(form); }
    });
    document.getElementById("locate").addEventListener("click", function () { locate(form); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var problem = checkPhotos(form);
      if (problem) { showError(form, problem); return; }
      var visitedAt = form.querySelector("[name=visited_at]");
      if (!visitedAt.value) { visitedAt.value = new Date().toISOString(); }
      var draft = {
        client_id: clientId.value, assignment: assignment, household: page.dataset.household,
        saved_at: new Date().toISOString(), fields: entries(form, keptPhotos), error: null
      };
      ready.then(function () { return putDraft(draft); }).then(function () {
        return syncAll();
      }, function () {
        // No IndexedDB (private mode): send the form the ordinary way, nothing is lost.
        draftStatus.textContent = text("notSaved");
        form.submit();
        return null;
      }).then(function (results) {
        if (results === null) { return; }
        return allDrafts().then(function (drafts) {
          var mine = drafts.filter(function (d) { return d.client_id === draft.client_id; })[0];
          if (mine && mine.error) { showError(form, mine.error); return; }
          window.location.assign(page.dataset.listUrl);
        });
      });
    });
  }

  if (page.dataset.page === "list") { initList(); } else { initVisit(); }
})();
