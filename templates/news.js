// Gazette news client: the breaking banner of every page and the entries of live pages.
// Banner: polls the language's breaking.json (data-src of #breaking) and shows the stories whose
// since..until window holds the reader's clock, hiding each when its window ends, with no rebuild.
// Live page: polls the page's small live.json (data-live-status); only when its entry count or
// newest entry changed does it fetch the page itself and take the entry list from it, so entries
// are rendered once, by the build. Text goes in through textContent; nodes come from the page the
// build made, parsed by DOMParser (which runs no script). No framework.
// This file is copied through the theme as is: it must not contain template delimiters.
(function () {
  'use strict';
  var BREAKING_EVERY = 60000;
  var LIVE_EVERY = 15000;

  function getJSON(url) {
    return fetch(url, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // ---- Breaking banner ---------------------------------------------------------------------

  var slot = document.getElementById('breaking');
  var stories = [];
  var expiry = null;

  function showBreaking() {
    var now = Date.now();
    var open = stories.filter(function (s) {
      return Date.parse(s.since) <= now && now < Date.parse(s.until);
    });
    slot.textContent = '';
    open.slice(0, 3).forEach(function (s) {
      var p = document.createElement('p');
      var label = document.createElement('strong');
      label.textContent = slot.getAttribute('data-label') || '';
      var a = document.createElement('a');
      a.href = s.url;
      a.textContent = s.headline;
      p.appendChild(label);
      p.appendChild(a);
      slot.appendChild(p);
    });
    slot.hidden = open.length === 0;
    // Re-check when the next window opens or closes (the clock moves without a poll).
    if (expiry) clearTimeout(expiry);
    var next = stories.map(function (s) { return [Date.parse(s.since), Date.parse(s.until)]; })
      .reduce(function (a, b) { return a.concat(b); }, [])
      .filter(function (t) { return t > now; });
    if (next.length) expiry = setTimeout(showBreaking, Math.min.apply(null, next) - now + 50);
  }

  function pollBreaking() {
    getJSON(slot.getAttribute('data-src')).then(function (doc) {
      stories = Array.isArray(doc.stories) ? doc.stories : [];
      showBreaking();
    }, function () { /* keep what is shown; try again at the next poll */ });
  }

  if (slot && slot.getAttribute('data-src')) {
    pollBreaking();
    setInterval(pollBreaking, BREAKING_EVERY);
  }

  // ---- Live page ---------------------------------------------------------------------------

  var live = document.querySelector('[data-live-status]');
  var badge = document.querySelector('[data-live-badge]');

  function hideBadgeWhenDue() {
    if (!badge) return;
    var until = badge.getAttribute('data-until');
    if (until && Date.parse(until) <= Date.now()) badge.hidden = true;
  }

  function refreshEntries() {
    return fetch(location.pathname, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var fresh = doc.getElementById('live-entries');
      var section = doc.querySelector('[data-live-status]');
      var list = document.getElementById('live-entries');
      if (!fresh || !section || !list) return;
      list.replaceWith(document.importNode(fresh, true));
      live.setAttribute('data-entries', section.getAttribute('data-entries'));
      live.setAttribute('data-newest', section.getAttribute('data-newest'));
    });
  }

  function pollLive() {
    getJSON(live.getAttribute('data-live-status')).then(function (s) {
      if (badge && !s.live) badge.hidden = true;
      var changed = String(s.entries) !== live.getAttribute('data-entries') ||
        (s.newest || '') !== live.getAttribute('data-newest');
      return changed ? refreshEntries() : null;
    }).catch(function () { /* try again at the next poll */ });
    hideBadgeWhenDue();
  }

  if (live) {
    hideBadgeWhenDue();
    setInterval(pollLive, LIVE_EVERY);
  }
})();
