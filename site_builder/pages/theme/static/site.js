/* The built-in theme's only script. Everything it does is an extra: every page works without it.
   1. Reference cards: hovering or focusing a link to a fact sheet (a.ref) shows its name and summary,
      read once from the site's data/cards.json. Escape hides the card.
   2. Search: on the search page, queries the static Pagefind index when it was built; otherwise the
      page keeps its plain links to every list on the site. */
(function () {
  "use strict";
  var script = document.currentScript;
  var cardsUrl = script && script.getAttribute("data-cards");
  var searchUrl = script && script.getAttribute("data-search");

  /* ---------------------------------------------------------------- reference cards */
  var facts = null;        // id -> {name, kind, summary}
  var loading = null;
  var card = null;
  var current = null;      // the link whose card is shown
  var hideTimer = 0;

  function loadFacts() {
    if (facts) return Promise.resolve(facts);
    if (!loading) {
      loading = fetch(cardsUrl, {credentials: "same-origin"})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { facts = data.cards || {}; return facts; })
        .catch(function () { facts = {}; return facts; });
    }
    return loading;
  }

  function makeCard() {
    card = document.createElement("div");
    card.id = "ref-card";
    card.className = "ref-card";
    card.setAttribute("role", "tooltip");
    card.hidden = true;
    card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    card.addEventListener("mouseleave", function () { scheduleHide(); });
    document.body.appendChild(card);
  }

  function place(link) {
    var r = link.getBoundingClientRect();
    var width = Math.min(352, document.documentElement.clientWidth - 16);
    var left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8));
    card.style.width = width + "px";
    card.style.left = (left + window.scrollX) + "px";
    card.style.top = (r.bottom + window.scrollY + 6) + "px";
  }

  function show(link) {
    var id = link.getAttribute("data-ref");
    if (!id || !cardsUrl) return;
    clearTimeout(hideTimer);
    current = link;
    loadFacts().then(function (all) {
      var f = all[id];
      if (!f || current !== link) return;
      if (!card) makeCard();
      card.textContent = "";
      var kind = document.createElement("span");
      kind.className = "ref-card-kind";
      kind.textContent = f.kind;
      var name = document.createElement("strong");
      name.className = "ref-card-name";
      name.textContent = f.name;
      card.appendChild(kind);
      card.appendChild(name);
      if (f.summary) {
        var p = document.createElement("span");
        p.className = "ref-card-summary";
        p.textContent = f.summary;
        card.appendChild(p);
      }
      card.hidden = false;
      place(link);
      link.setAttribute("aria-describedby", "ref-card");
    });
  }

  function hide() {
    clearTimeout(hideTimer);
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    if (card) card.hidden = true;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  function refOf(target) {
    return target && target.closest ? target.closest("a.ref[data-ref]") : null;
  }

  document.addEventListener("pointerover", function (e) {
    var link = refOf(e.target);
    if (link && e.pointerType !== "touch" && link !== current) show(link);
  });
  document.addEventListener("pointerout", function (e) {
    var link = refOf(e.target);
    if (link && link === current && !link.contains(e.relatedTarget)) scheduleHide();
  });
  document.addEventListener("focusin", function (e) {
    var link = refOf(e.target);
    if (link) show(link); else if (current) hide();
  });
  document.addEventListener("focusout", function (e) {
    if (refOf(e.target) === current) hide();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && card && !card.hidden) hide();
  });
  window.addEventListener("resize", function () { if (current && card && !card.hidden) place(current); });

  /* ---------------------------------------------------------------- search page */
  var form = document.getElementById("search-form");
  if (!form || !searchUrl) return;
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var pagefind = null;
  var searchSeq = 0;

  status.textContent = "";

  function setStatus(text) { status.textContent = text; }

  // the status messages in the page's language, from the search form (English where a site's template gives none)
  function message(name, fallback, values) {
    var text = form.getAttribute("data-" + name) || fallback;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }

  function render(results, query) {
    list.textContent = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = (r.meta && r.meta.title) || r.url;
      var h = document.createElement("h2");
      h.className = "search-title";
      h.appendChild(a);
      li.appendChild(h);
      if (r.meta && r.meta.kind) {
        var k = document.createElement("span");
        k.className = "kind";
        k.textContent = r.meta.kind;
        h.appendChild(document.createTextNode(" "));
        h.appendChild(k);
      }
      var p = document.createElement("p");
      p.className = "search-excerpt";
      p.innerHTML = r.excerpt;  // Pagefind escapes the page text; it adds only <mark> around matches
      li.appendChild(p);
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    setStatus(results.length ? message("found", "Results for “{query}”: {count}.", {query: query, count: results.length})
                             : message("nothing", "Nothing found for “{query}”. Try another word, or browse the lists below.",
                                       {query: query}));
  }

  function run(query) {
    var seq = ++searchSeq;
    query = query.trim();
    if (!query) { list.hidden = true; list.textContent = ""; setStatus(""); return; }
    setStatus(message("searching", "Searching…"));
    var ready = pagefind ? Promise.resolve(pagefind) : import(searchUrl).then(function (mod) {
      pagefind = mod;
      // result URLs are stored relative to the site's root; the site may live in a sub-folder
      var base = searchUrl.replace(/pagefind\/pagefind\.js$/, "");
      // less weight on page length and repeated words, so a short source whose title has the word
      // does not outrank the fact sheet or explainer that is about it
      var options = {baseUrl: base, ranking: {pageLength: 0.2, termFrequency: 0.5}};
      return Promise.resolve(mod.options(options)).then(function () { return mod; });
    });
    ready.then(function (pf) { return pf.search(query); })
      .then(function (res) {
        return Promise.all(res.results.slice(0, 20).map(function (r) { return r.data(); }));
      })
      .then(function (results) { if (seq === searchSeq) render(results, query); })
      .catch(function () {
        if (seq === searchSeq) setStatus(message("unavailable", "Search is not available on this copy of the site. Browse the lists below."));
      });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  if (initial) run(initial);
  var typing = 0;
  input.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { run(input.value); }, 250);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    window.history.replaceState(null, "", url);
    run(input.value);
  });
})();
