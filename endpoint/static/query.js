// Query page: YASGUI on this server's /sparql, download links that follow the editor,
// gallery buttons, and result links that stay on this server for the graph's own IRIs.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("kg-config").textContent);
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var root = document.getElementById("yasgui");
  if (!window.Yasgui || !root) return;

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

  // Download links: the /sparql `format` parameter for the editor's current query.
  function updateDownloads() {
    var q = tab().getQuery();
    var kind = (tab().getYasqe().getQueryType() || "SELECT").toUpperCase();
    var graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    document.querySelectorAll("#downloads a[data-format]").forEach(function (a) {
      var u = new URL(endpoint);
      u.searchParams.set("query", q);
      u.searchParams.set("format", a.dataset.format);
      a.href = u.href;
    });
    document.querySelectorAll("#downloads [data-form]").forEach(function (span) {
      span.classList.toggle("dim", (span.dataset.form === "graph") !== graph);
    });
  }
  function watch(t) { t.getYasqe().on("change", updateDownloads); }
  watch(tab());
  yasgui.on("tabSelect", function () { setTimeout(function () { watch(tab()); updateDownloads(); }, 0); });
  updateDownloads();

  // Gallery: load an example into the editor and run it.
  document.querySelectorAll("button.run-example").forEach(function (button) {
    button.addEventListener("click", function () {
      var example = cfg.examples.find(function (e) { return e.name === button.dataset.example; });
      if (!example) return;
      var t = tab();
      t.setQuery(example.sparql);
      updateDownloads();
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
