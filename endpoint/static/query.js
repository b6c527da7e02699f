// Query page: YASGUI on this server's /sparql, download and share links that follow the editor,
// the editor's text kept across reloads, gallery buttons, plain result values by default, and
// result links that stay on this server for the graph's own IRIs.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("kg-config").textContent);
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var params = new URLSearchParams(window.location.search);
  var root = document.getElementById("yasgui");
  var STORED = "henan-kg.query";  // localStorage key of the editor's text
  var EXTENSIONS = { json: "json", xml: "xml", csv: "csv", tsv: "tsv", turtle: "ttl", ntriples: "nt", jsonld: "jsonld" };
  if (!window.Yasgui || !root) return;

  // Table cells show lexical forms and prefixed names; the table's "Simple view" switch, when
  // turned off, shows the raw terms ("…"@zh, ^^xsd:integer, <…>). An explicit setting wins.
  var Table = Yasgui.Yasr.plugins.table;
  var drawTable = Table.prototype.draw;
  Table.prototype.draw = function (config) {
    return drawTable.call(this, Object.assign({ compact: true }, config));
  };
  // YASGUI's share button offers this page's own ?query= link (YASGUI's format is not read here).
  Yasgui.Tab.prototype.getShareableLink = function () { return shareUrl(this.getQuery(), false); };

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: {
      value: cfg.query,
      prefixCcApi: new URL(cfg.prefixesUrl, window.location.href).href,
      autocompleters: ["prefixes", "variables"],
      persistenceId: null,
      editorHeight: "320px"
    },
    yasr: { prefixes: cfg.prefixes, persistenceId: null }
  });

  function tab() { return yasgui.getTab(); }

  // A link to this page that opens `query` in the editor, and with run=1 also runs it.
  function shareUrl(query, run) {
    var u = new URL(window.location.pathname, window.location.href);
    u.searchParams.set("query", query);
    if (run) u.searchParams.set("run", "1");
    return u.href;
  }

  // 32-bit FNV-1a of the text, in hex: a short stable name for a query that is not an example.
  function shortHash(text) {
    var h = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return ("0000000" + h.toString(16)).slice(-8);
  }

  // Download file name (no extension): the gallery example's name, else "query-" and a hash.
  function downloadName(query) {
    var q = query.trim();
    var example = cfg.examples.find(function (e) { return e.sparql.trim() === q; });
    return example ? example.name : "query-" + shortHash(q);
  }

  // Download links: the /sparql `format` parameter for the editor's current query.
  function updateDownloads(q) {
    var kind = (tab().getYasqe().getQueryType() || "SELECT").toUpperCase();
    var graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    var name = downloadName(q);
    document.querySelectorAll("#downloads a[data-format]").forEach(function (a) {
      var u = new URL(endpoint);
      u.searchParams.set("query", q);
      u.searchParams.set("format", a.dataset.format);
      a.href = u.href;
      a.download = name + "." + EXTENSIONS[a.dataset.format];
    });
    document.querySelectorAll("#downloads [data-form]").forEach(function (span) {
      span.classList.toggle("dim", (span.dataset.form === "graph") !== graph);
    });
  }

  function updateShare(q) {
    document.getElementById("share-link").href = shareUrl(q, false);
    document.getElementById("share-run-link").href = shareUrl(q, true);
  }

  // localStorage may be missing or refuse writes (private windows, quota): then nothing is kept.
  function store(q) {
    try { window.localStorage.setItem(STORED, q); } catch (e) { /* not kept */ }
  }
  function stored() {
    try { return window.localStorage.getItem(STORED); } catch (e) { return null; }
  }

  function update() {
    var q = tab().getQuery();
    updateDownloads(q);
    updateShare(q);
    store(q);
  }

  // Per tab: follow its editor, and name the table's own downloads like the links above.
  function watch(t) {
    t.getYasqe().on("change", update);
    var yasr = t.getYasr && t.getYasr();
    if (yasr) yasr.config.getDownloadFileName = function () { return downloadName(t.getQuery()); };
  }

  // A ?query= or ?example= link names the query to show; otherwise the last text edited here.
  var saved = stored();
  if (!params.has("query") && !params.has("example") && saved) tab().setQuery(saved);
  watch(tab());
  yasgui.on("tabSelect", function () { setTimeout(function () { watch(tab()); update(); }, 0); });
  update();
  if (params.get("run") === "1") tab().query();

  // Gallery: load an example into the editor and run it.
  document.querySelectorAll("button.run-example").forEach(function (button) {
    button.addEventListener("click", function () {
      var example = cfg.examples.find(function (e) { return e.name === button.dataset.example; });
      if (!example) return;
      var t = tab();
      t.setQuery(example.sparql);
      update();
      root.scrollIntoView({ behavior: "smooth" });
      t.query();
    });
  });

  // Result IRIs of this graph and its ontology open here, not at the (possibly unresolved) w3id.org.
  function localHref(href) {
    if (href.indexOf(cfg.dataBase) === 0) return cfg.resourcePath + href.slice(cfg.dataBase.length);
    if (href.indexOf(cfg.ontologyNs) === 0) return cfg.ontologyPath + "#" + href.slice(cfg.ontologyNs.length);
    return null;
  }
  root.addEventListener("click", function (event) {
    var a = event.target.closest && event.target.closest("a[href]");
    if (!a || !root.querySelector(".yasr") || !root.querySelector(".yasr").contains(a)) return;
    var local = localHref(a.getAttribute("href"));
    if (local) { event.preventDefault(); window.open(local, "_blank", "noopener"); }
  });
})();
