// Gazette search client: reads the static index under /search/ (format: search-spec.md).
// In: the form's data-root, the URL's ?q= / section= / sort=, meta.json, term and doc chunks.
// Out: a results list built from DOM nodes and textContent only, never HTML strings.
// The tokeniser and the English stemmer must give the index's terms exactly (the Rust side is
// rust-stemmers' Snowball English); tests/browser/stem.js checks the stemmer against a table.
// This file is copied through the theme as is: it must not contain template delimiters.
(function () {
  'use strict';

  // ---- Fold and tokenise -------------------------------------------------------------------

  // NFD, drop marks, then NFC so Hangul jamo recompose into syllables (only Hangul composes
  // again once the marks are gone), lowercase, Arabic letter normalisation.
  function fold(s) {
    return s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase()
      .replace(/\u0640/g, '').replace(/\u0671/g, '\u0627')
      .replace(/\u0649/g, '\u064a').replace(/\u0629/g, '\u0647');
  }

  // A run: letters/digits of one script class; groups 1-4 are cut into character bigrams.
  // Hangul is the spec's three ranges exactly; Han and Kana are the Unicode Script property.
  const RUN = /([\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+)|(\p{Script=Han}+)|(\p{Script=Hiragana}+)|(\p{Script=Katakana}+)|((?:(?![\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])[\p{L}\p{N}])+)/gu;
  const DIGIT = /^\p{Nd}$/u;

  function bigrams(run, out) {
    const c = Array.from(run);
    if (c.length === 1) out.push(c[0]);
    for (let i = 0; i + 1 < c.length; i++) out.push(c[i] + c[i + 1]);
  }

  // Calls fn(kind, text, index) for each run of already folded text; kind 'b' (bigram) or 'w'.
  function eachRun(text, fn) {
    RUN.lastIndex = 0;
    let m;
    while ((m = RUN.exec(text))) fn(m[5] === undefined ? 'b' : 'w', m[0], m.index);
  }

  // The index terms of a text (in order, with repeats), as the Rust tokeniser makes them.
  function terms(text, stemmer) {
    const out = [];
    eachRun(fold(text), (kind, run) => {
      if (kind === 'b') return bigrams(run, out);
      if (Array.from(run).length === 1 && !DIGIT.test(run)) return;
      out.push(stemmer === 'english' ? stem(run) : run);
    });
    return out;
  }

  // ---- Porter2 (Snowball English), as generated into rust-stemmers 1.2 ---------------------

  const isV = (c) => c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y';
  const EXC1 = {
    skis: 'ski', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie', idly: 'idl',
    gently: 'gentl', ugly: 'ugli', early: 'earli', only: 'onli', singly: 'singl',
    sky: 'sky', news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos', bias: 'bias',
    andes: 'andes',
  };
  const EXC2 = ['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed'];
  // [suffix, replacement or null (delete), condition on the part before it] per step, longest first
  // within each step's lookup (the Snowball "among" takes the longest matching suffix only).
  const STEP2 = [
    ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['abli', 'able'],
    ['entli', 'ent'], ['izer', 'ize'], ['ization', 'ize'], ['ation', 'ate'], ['ator', 'ate'],
    ['alism', 'al'], ['aliti', 'al'], ['alli', 'al'], ['fulness', 'ful'], ['ousli', 'ous'],
    ['ousness', 'ous'], ['iveness', 'ive'], ['iviti', 'ive'], ['biliti', 'ble'], ['bli', 'ble'],
    ['ogi', 'og', (w) => w.endsWith('l')], ['fulli', 'ful'], ['lessli', 'less'],
    ['li', '', (w) => /[cdeghkmnrt]$/.test(w)],
  ];
  const STEP3 = [
    ['ational', 'ate'], ['tional', 'tion'], ['alize', 'al'], ['icate', 'ic'], ['iciti', 'ic'],
    ['ical', 'ic'], ['ful', ''], ['ness', ''], ['ative', '', null, true],
  ];
  const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent',
    'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion'].map((s) =>
    [s, '', s === 'ion' ? (w) => /[st]$/.test(w) : null, true]);
  for (const t of [STEP2, STEP3, STEP4]) t.sort((a, b) => b[0].length - a[0].length);

  // The longest rule whose suffix ends w, or null.
  const longest = (w, rules) => rules.find((r) => w.endsWith(r[0])) || null;

  // A short syllable ends at position e of w.
  function shortv(w, e) {
    const a = w[e - 1], b = w[e - 2], c = w[e - 3];
    if (e >= 3 && !isV(a) && a !== 'w' && a !== 'x' && a !== 'Y' && isV(b) && !isV(c)) return true;
    return e === 2 && !isV(a) && isV(b);
  }

  function regions(w) {
    let p1 = w.length, p2 = w.length;
    const m = /^(gener|commun|arsen)/.exec(w);
    const after = (from) => {
      let i = from;
      while (i < w.length && !isV(w[i])) i++;
      while (i < w.length && isV(w[i])) i++;
      return i < w.length ? i + 1 : -1;
    };
    let r = m ? m[0].length : after(0);
    if (r < 0) return [p1, p2];
    p1 = r;
    r = after(p1);
    if (r >= 0) p2 = r;
    return [p1, p2];
  }

  // One step of (suffix, replacement, condition, needsR2) rules; R1 is always required.
  function applyStep(w, rules, p1, p2, needR2All) {
    const r = longest(w, rules);
    if (!r) return w;
    const start = w.length - r[0].length;
    if (start < p1 || ((r[3] || needR2All) && start < p2)) return w;
    const before = w.slice(0, start);
    if (r[2] && !r[2](before)) return w;
    return before + r[1];
  }

  function step1a(w) {
    if (w.endsWith("'s'")) w = w.slice(0, -3);
    else if (w.endsWith("'s")) w = w.slice(0, -2);
    else if (w.endsWith("'")) w = w.slice(0, -1);
    if (w.endsWith('sses')) return w.slice(0, -2);
    if (w.endsWith('ied') || w.endsWith('ies')) {
      const before = w.slice(0, -3);
      return before + (Array.from(before).length >= 2 ? 'i' : 'ie');
    }
    if (w.endsWith('ss') || w.endsWith('us')) return w;
    if (w.endsWith('s') && /[aeiouy]/.test(w.slice(0, -2))) return w.slice(0, -1);
    return w;
  }

  function step1b(w, p1) {
    const m = /(eedly|ingly|edly|eed|ing|ed)$/.exec(w);
    if (!m) return w;
    const start = m.index;
    if (m[1] === 'eed' || m[1] === 'eedly') return start >= p1 ? w.slice(0, start) + 'ee' : w;
    const before = w.slice(0, start);
    if (!/[aeiouy]/.test(before)) return w;
    if (/(at|bl|iz)$/.test(before)) return before + 'e';
    if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(before)) return before.slice(0, -1);
    if (before.length === p1 && shortv(before, before.length)) return before + 'e';
    return before;
  }

  function step1c(w) {
    const n = w.length;
    if (n >= 3 && (w[n - 1] === 'y' || w[n - 1] === 'Y') && !isV(w[n - 2])) return w.slice(0, -1) + 'i';
    return w;
  }

  function step5(w, p1, p2) {
    const n = w.length - 1;
    if (w[n] === 'e' && (n >= p2 || (n >= p1 && !shortv(w, n)))) return w.slice(0, n);
    if (w[n] === 'l' && n >= p2 && w[n - 1] === 'l') return w.slice(0, n);
    return w;
  }

  function stem(word) {
    if (Object.prototype.hasOwnProperty.call(EXC1, word)) return EXC1[word];
    if (Array.from(word).length < 3) return word;
    let w = word[0] === "'" ? word.slice(1) : word;
    // Prelude: y at the start or after a vowel is a consonant, written Y until the end.
    let c = Array.from(w);
    for (let i = 0; i < c.length; i++) if (c[i] === 'y' && (i === 0 || isV(c[i - 1]))) c[i] = 'Y';
    w = c.join('');
    const [p1, p2] = regions(w);
    w = step1a(w);
    if (!EXC2.includes(w)) {
      w = step1b(w, p1);
      w = step1c(w);
      w = applyStep(w, STEP2, p1, p2, false);
      w = applyStep(w, STEP3, p1, p2, false);
      w = applyStep(w, STEP4, p1, p2, true);
      w = step5(w, p1, p2);
    }
    return w.replace(/Y/g, 'y');
  }

  // ---- Chunks ----------------------------------------------------------------------------

  function fnv1a32(s) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 16777619) >>> 0;
    return h >>> 0;
  }

  // An index at base (ending in /search/); every file is fetched at most once.
  function Index(base) {
    const cache = new Map();
    const get = (path) => {
      if (!cache.has(path)) {
        cache.set(path, fetch(base + path).then((r) => {
          if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
          return r.json();
        }));
      }
      return cache.get(path);
    };
    let meta = null;
    const self = {
      meta: () => get('meta.json').then((m) => (meta = m)),
      chunk: (term) => get('t/' + (fnv1a32(term) % meta.term_chunks) + '.json'),
      // Postings of a term as rank() takes them (see decode), or null when the term is unknown.
      postings: async (term, viaAlias) => {
        const own = await self.chunk(term);
        const v = Object.prototype.hasOwnProperty.call(own, term) ? own[term] : null;
        if (Array.isArray(v) || (v && typeof v === 'object')) return decode(v, meta.docs);
        if (!viaAlias) return null;
        const alias = await self.chunk('~' + term);
        const target = alias['~' + term];
        return typeof target === 'string' ? self.postings(target, false) : null;
      },
      doc: async (n) => {
        const chunk = await get('d/' + Math.floor(n / meta.doc_chunk) + '.json');
        return doc(chunk, n % meta.doc_chunk);
      },
    };
    return self;
  }

  // Docs holding every term, as [{id, score}], sorted by relevance (then newer) or newest.
  async function search(index, meta, query, sort) {
    const qterms = [...new Set(terms(query, meta.stemmer))];
    if (!qterms.length) return { qterms, hits: [] };
    // Sites without a stemmer in the client (Spanish, French) find seen forms through aliases.
    const alias = meta.stemmer !== null && meta.stemmer !== 'english';
    const lists = await Promise.all(qterms.map((t) => index.postings(t, alias)));
    return { qterms, hits: rank(lists, sort) };
  }

  // Document i of a d/N.json file's list of [headline, url, date, section, snippet], as
  // {t, u, d, s, x}. An empty date is the previous document's; a url without a leading slash was
  // written without its /SECTION/YYYY/MM/DD/ start.
  function doc(list, i) {
    if (!Array.isArray(list) || !Array.isArray(list[i])) return null;
    const [t, u, , s, x] = list[i];
    let k = i;
    while (k > 0 && !list[k][2]) k--;
    const d = list[k][2];
    return { t, u: u.startsWith('/') ? u : '/' + s + '/' + d.replace(/-/g, '/') + '/' + u, d, s, x };
  }

  // Undoes the distance coding of a sorted list: every step-th number after the first is written
  // as its distance from the one before.
  function undelta(list, step) {
    const out = list.slice();
    for (let i = step; i < out.length; i += step) out[i] += out[i - step];
    return out;
  }

  // A term file's entry, for rank(): postings [doc, score, ...] with their document numbers
  // restored, or a common term's {n, top, bits} with its members as a bitmap (the file writes
  // them as base64 bits or as a list of distances, whichever is shorter).
  function decode(v, docs) {
    if (Array.isArray(v)) return undelta(v, 2);
    let bits;
    if (typeof v.bits === 'string') {
      bits = bitmap(v.bits);
    } else {
      bits = new Uint8Array(Math.ceil(docs / 8));
      for (const d of undelta(v.ids, 1)) bits[d >> 3] |= 1 << (d & 7);
    }
    return { n: v.n, top: undelta(v.top, 2), bits };
  }

  // A common term's bitmap (base64; doc d is bit d % 8 of byte d / 8).
  function bitmap(b64) {
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // The docs having every term, scored by the sum of their scores, sorted by relevance (then
  // newer) or newest. Each list is a term's [doc, score, ...] postings, or a common term's
  // {n, top, bits} (as decode gives them): which docs have it (bits, a bitmap) and the
  // best-scored of them (top); null is a term no
  // doc has. Common terms filter by their bitmap and add their score where their top list has the
  // doc.
  function rank(lists, sort) {
    if (!lists.length || lists.some((l) => !l)) return [];
    const full = lists.filter(Array.isArray).sort((a, b) => a.length - b.length);
    const common = lists.filter((l) => !Array.isArray(l));
    const has = (id) => common.every((c) => (c.bits[id >> 3] >> (id & 7)) & 1);
    let acc = new Map();
    if (full.length) {
      for (let i = 0; i < full[0].length; i += 2) if (has(full[0][i])) acc.set(full[0][i], full[0][i + 1]);
      for (const l of full.slice(1)) {
        const next = new Map();
        for (let i = 0; i < l.length; i += 2) if (acc.has(l[i])) next.set(l[i], acc.get(l[i]) + l[i + 1]);
        acc = next;
      }
    } else {
      const bytes = Math.min(...common.map((c) => c.bits.length));
      for (let b = 0; b < bytes; b++) {
        let m = 255;
        for (const c of common) m &= c.bits[b];
        for (let k = 0; m && k < 8; k++) if ((m >> k) & 1) acc.set(b * 8 + k, 0);
      }
    }
    for (const c of common) {
      for (let i = 0; i < c.top.length; i += 2) if (acc.has(c.top[i])) acc.set(c.top[i], acc.get(c.top[i]) + c.top[i + 1]);
    }
    const hits = [...acc].map(([id, score]) => ({ id, score }));
    // Documents are numbered oldest first: newer is a higher id.
    hits.sort(sort === 'newest' ? (a, b) => b.id - a.id : (a, b) => b.score - a.score || b.id - a.id);
    return hits;
  }

  // ---- Snippet marking -------------------------------------------------------------------

  // Appends text to el with words (or bigram characters) that give a query term in <mark>.
  function appendMarked(el, text, qset, stemmer) {
    const marked = new Uint8Array(text.length);
    // Runs are found on the original text so that offsets stay true; each is folded on its own.
    const WORD = /[\p{L}\p{N}\p{M}]+/gu;
    let m;
    while ((m = WORD.exec(text))) {
      const word = m[0], at = m.index;
      eachRun(fold(word), (kind, run, idx) => {
        if (kind === 'w') {
          if (qset.has(stemmer === 'english' ? stem(run) : run)) marked.fill(1, at, at + word.length);
          return;
        }
        // Bigram runs: map folded characters back to the original ones (NFC keeps them 1:1).
        const orig = Array.from(word), folded = fold(word);
        if (orig.length !== Array.from(folded).length) return;
        let off = 0;
        const pos = orig.map((ch) => { const p = off; off += ch.length; return p; });
        const start = Array.from(folded.slice(0, idx)).length;
        const rc = Array.from(run);
        for (let i = 0; i < rc.length; i++) {
          const hit = (rc.length === 1 && qset.has(rc[0])) ||
            (i + 1 < rc.length && qset.has(rc[i] + rc[i + 1])) || (i > 0 && qset.has(rc[i - 1] + rc[i]));
          const k = start + i;
          if (hit && k >= 0 && k < orig.length) marked.fill(1, at + pos[k], at + pos[k] + orig[k].length);
        }
      });
    }
    let i = 0;
    while (i < text.length) {
      let j = i;
      while (j < text.length && marked[j] === marked[i]) j++;
      const part = text.slice(i, j);
      if (marked[i]) {
        const mk = document.createElement('mark');
        mk.textContent = part;
        el.appendChild(mk);
      } else {
        el.appendChild(document.createTextNode(part));
      }
      i = j;
    }
  }

  // ---- The page --------------------------------------------------------------------------

  const PAGE = 10;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function formatDate(d, lang) {
    const t = Date.parse(d.length === 10 ? d + 'T00:00:00Z' : d);
    if (isNaN(t)) return d;
    try {
      return new Intl.DateTimeFormat(lang || undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(t);
    } catch (e) {
      return d;
    }
  }

  function renderHit(doc, ctx) {
    const li = el('li', 'item search-result');
    const art = el('article');
    const h = el('h2', 'item-title');
    const a = el('a', null, doc.t);
    a.href = ctx.root + doc.u;
    h.appendChild(a);
    art.appendChild(h);
    const meta = el('p', 'item-meta');
    if (doc.d) {
      const time = el('time', null, formatDate(doc.d, ctx.lang));
      time.dateTime = doc.d;
      meta.appendChild(time);
    }
    if (doc.s) {
      if (doc.d) meta.appendChild(document.createTextNode(' '));
      meta.appendChild(el('span', 'item-section', ctx.sections.get(doc.s) || doc.s));
    }
    art.appendChild(meta);
    if (doc.x) {
      const p = el('p', 'item-summary');
      appendMarked(p, doc.x, ctx.qset, ctx.stemmer);
      art.appendChild(p);
    }
    li.appendChild(art);
    return li;
  }

  function init(form) {
    const root = (form.dataset.root || '').replace(/\/$/, '');
    const q = form.elements.q, section = form.elements.section, sort = form.elements.sort;
    const list = document.getElementById('search-results');
    const status = document.getElementById('search-status');
    const more = document.getElementById('search-more');
    // This language's index (`/search/`, `/ko/search/`) and its UI strings, from the form.
    const index = Index(form.dataset.index || root + '/search/');
    const lang = form.dataset.lang || document.documentElement.lang;
    const d = form.dataset;
    const tr = {
      one: d.tResultOne || 'result', other: d.tResultOther || 'results', for: d.tResultsFor || 'for',
      none: d.tNoResultsFor || 'No results for', more: d.tMoreThan || 'More than',
      searching: d.tSearching || 'Searching\u2026', unavailable: d.tUnavailable || 'Search is unavailable:', in: d.tIn || 'in',
    };
    const found = (n, qs) => n + ' ' + (n === 1 ? tr.one : tr.other) + ' ' + tr.for + ' ' + qs;
    const sections = new Map();
    let meta = null, state = null, run = 0;

    const setStatus = (text) => { status.textContent = text; };

    // Shows the next PAGE hits of state.hits whose doc is in the chosen section.
    async function showMore(my, focusNew) {
      more.hidden = true;
      const out = [];
      while (out.length < PAGE && state.next < state.hits.length) {
        const batch = state.hits.slice(state.next, state.next + (state.section ? PAGE * 2 : PAGE - out.length));
        const docs = await Promise.all(batch.map((h) => index.doc(h.id)));
        if (my !== run) return;
        for (let i = 0; i < batch.length; i++) {
          state.next++;
          if (!docs[i] || (state.section && docs[i].s !== state.section)) continue;
          out.push(docs[i]);
          state.shown++;
          if (out.length === PAGE) break;
        }
      }
      const nodes = out.map((d) => list.appendChild(renderHit(d, state.ctx)));
      // After "More results", keyboard users continue at the first new result.
      if (focusNew && nodes.length) nodes[0].querySelector('a').focus();
      more.hidden = state.next >= state.hits.length;
      const qs = '\u201c' + state.query + '\u201d';
      const where = state.section ? ' ' + tr.in + ' ' + (state.ctx.sections.get(state.section) || state.section) : '';
      if (!state.section) {
        const n = state.hits.length;
        setStatus(n ? found(n, qs) : tr.none + ' ' + qs);
      } else if (state.next >= state.hits.length) {
        const n = state.shown;
        setStatus(n ? found(n, qs) + where : tr.none + ' ' + qs + where);
      } else {
        setStatus(tr.more + ' ' + found(state.shown, qs) + where);
      }
    }

    async function go(updateUrl) {
      const my = ++run;
      const query = q.value.trim();
      if (updateUrl) {
        const u = new URL(location.href);
        u.searchParams.delete('q'); u.searchParams.delete('section'); u.searchParams.delete('sort');
        if (query) u.searchParams.set('q', query);
        if (section.value) u.searchParams.set('section', section.value);
        if (sort.value !== 'relevance') u.searchParams.set('sort', sort.value);
        history.replaceState(null, '', u);
      }
      list.textContent = '';
      more.hidden = true;
      if (!query) { setStatus(''); return; }
      setStatus(tr.searching);
      try {
        const { qterms, hits } = await search(index, meta, query, sort.value);
        if (my !== run) return;
        const ctx = { root, lang, stemmer: meta.stemmer, qset: new Set(qterms), sections };
        state = { query, hits, next: 0, shown: 0, section: section.value, ctx };
        await showMore(my);
      } catch (e) {
        if (my === run) setStatus(tr.unavailable + ' ' + e.message);
      }
    }

    index.meta().then((m) => {
      meta = m;
      for (const s of m.sections || []) {
        sections.set(s.slug, s.title);
        const o = el('option', null, s.title);
        o.value = s.slug;
        section.appendChild(o);
      }
      const p = new URLSearchParams(location.search);
      if (p.has('q')) q.value = p.get('q');
      if (p.has('section')) section.value = p.get('section');
      if (p.get('sort') === 'newest') sort.value = 'newest';
      form.classList.add('search-ready');
      if (q.value.trim()) go(false);
    }, (e) => setStatus(tr.unavailable + ' ' + e.message));

    form.addEventListener('submit', (e) => { e.preventDefault(); if (meta) go(true); });
    section.addEventListener('change', () => { if (meta && q.value.trim()) go(true); });
    sort.addEventListener('change', () => { if (meta && q.value.trim()) go(true); });
    more.addEventListener('click', () => { if (state) showMore(run, true); });
    document.addEventListener('keydown', (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      q.focus();
      q.select();
    });
  }

  if (typeof module === 'object' && module.exports) {
    module.exports = { fold, terms, stem, fnv1a32, rank, decode, doc };
  } else if (typeof document !== 'undefined') {
    const form = document.getElementById('search-form');
    if (form) init(form);
  }
})();
