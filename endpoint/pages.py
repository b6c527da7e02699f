"""Pages for people and Linked Data clients: query page, resource pages, ontology, VoID, dumps.

Dereferencing policy (also printed in every page footer): a data IRI ``<base><path>`` is served
at ``/id/<path>`` with a direct ``200 OK`` (no 303 redirect) in the representation chosen from
the ``Accept`` header or a ``format`` parameter; unknown IRIs and unclean paths are ``404``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NoReturn

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from endpoint import describe, errors, jsonld, redirects
from endpoint.gallery import Example, load_gallery
from endpoint.negotiation import Format, parse_accept, quality
from endpoint.prefixes import known as known_prefixes
from mappings.iris import ONTOLOGY_IRI
from release.layout import ONTOLOGY_FILE, ONTOLOGY_HTML, VOID_FILE

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")


PAGE = "page"  # the kind of these formats, beside negotiation's RESULTS and GRAPH
HTML = Format("html", PAGE, ("text/html", "application/xhtml+xml"))
TURTLE = Format("ttl", PAGE, ("text/turtle", "application/x-turtle"))
NTRIPLES = Format("nt", PAGE, ("application/n-triples", "text/plain"))
JSONLD = Format("jsonld", PAGE, ("application/ld+json", "application/json"))  # JSON clients get JSON-LD
RDFXML = Format("rdfxml", PAGE, ("application/rdf+xml",))
RDF_FORMATS = (HTML, TURTLE, NTRIPLES, JSONLD, RDFXML)  # server preference: the first wins a tie
_OX = {
    TURTLE: ox.RdfFormat.TURTLE,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    JSONLD: ox.RdfFormat.JSON_LD,
    RDFXML: ox.RdfFormat.RDF_XML,
}
_LABELS = {HTML: "HTML", TURTLE: "Turtle", NTRIPLES: "N-Triples", JSONLD: "JSON-LD", RDFXML: "RDF/XML"}
_ALIASES = {
    "html": HTML,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "rdf": RDFXML,
    "rdfxml": RDFXML,
    "xml": RDFXML,
}
# The /sparql ``format`` values offered as download links, by query form.
RESULT_DOWNLOADS = {"select": ("json", "xml", "csv", "tsv"), "graph": ("turtle", "ntriples", "jsonld")}
_BODY = re.compile(r"<body[^>]*>(.*?)(?:</body>|\Z)", re.S | re.I)
PLAIN = Format("text", PAGE, ("text/plain",))  # the errors' usual form
DUMP_TYPES = {
    ".nq": "application/n-quads",
    ".nt": "application/n-triples",
    ".ttl": "text/turtle",
    ".gz": "application/gzip",
}


def negotiate(offers: tuple[Format, ...]) -> Format | None:
    """The offer the client wants most: a ``format`` parameter, else ``Accept`` q-values.

    No Accept header means the first offer; ties go to the earlier offer; None means 406.
    """
    wanted = request.args.get("format")
    if wanted is not None:
        fmt = _ALIASES.get(wanted.strip().lower())
        return fmt if fmt in offers else None
    ranges = parse_accept(request.headers.get("Accept"))
    if not ranges:
        return offers[0]
    q, _, fmt = max(((quality(f, ranges), -i, f) for i, f in enumerate(offers)), key=lambda t: (t[0], t[1]))
    return fmt if q > 0 else None


def _not_acceptable(offers: tuple[Format, ...]) -> NoReturn:
    abort(
        406,
        description="acceptable here: "
        + ", ".join(f.media_types[0] for f in offers)
        + " (or ?format="
        + "|".join(f.name for f in offers)
        + ")",
    )


def _kg() -> Any:
    """The loaded knowledge graph, or a 503 when the app has none."""
    kg = current_app.extensions.get("henan_kg")
    if kg is None:
        abort(503, description="No published graph is loaded.")
    return kg


def _base() -> str:
    """The data namespace of the loaded graph (as built), else of the configuration."""
    kg = current_app.extensions.get("henan_kg")
    manifest = getattr(kg, "manifest", None) or {}
    base = manifest.get("base") or current_app.config["BASE"]
    return base if base.endswith("/") else base + "/"


def _linker() -> describe.Linker:
    return describe.Linker(_base(), lambda p: url_for("pages.resource", path=p), url_for("pages.ontology"))


def _finish(resp: Response, fmt: Format | None = None) -> Response:
    """Vary, and for graph-derived representations an ETag from the graph checksum (304s)."""
    resp.vary.add("Accept")
    kg = current_app.extensions.get("henan_kg")
    checksum = getattr(kg, "checksum", None)
    if fmt is not None and checksum and resp.status_code == 200:
        resp.set_etag(f"{checksum[:32]}-{fmt.name}")
        resp.make_conditional(request)
    return resp


def _rdf_response(triples: list[ox.Triple], fmt: Format) -> Response:
    """Serialise triples with the project prefixes (Turtle, RDF/XML), compacted with an ``@context``
    (JSON-LD), or with none (N-Triples). Turtle leaves out ``hgd:``: data IRIs are paths, and a
    prefixed name must escape each slash (``hgd:doc\\/henan\\/yuzheng\\/2026\\/4``), so they are written in full."""
    prefixes = describe.site_prefixes(_base()) if fmt in (TURTLE, JSONLD, RDFXML) else None
    if fmt is TURTLE and prefixes:
        prefixes = {p: ns for p, ns in prefixes.items() if p != "hgd"}
    body = ox.serialize(triples, format=_OX[fmt], prefixes=prefixes) if triples else b""
    assert body is not None  # serialize() without an output returns the bytes
    if fmt is JSONLD and prefixes:
        body = jsonld.compact(body, prefixes)
    return Response(body, content_type=fmt.content_type)


def _alternates(path: str, offers: tuple[Format, ...]) -> list[dict[str, str]]:
    return [{"label": _LABELS[f], "href": f"{path}?format={f.name}", "type": f.media_types[0]} for f in offers]


def _page_context() -> dict[str, Any]:
    """What every page's footer shows about the loaded graph."""
    kg = current_app.extensions.get("henan_kg")
    manifest = getattr(kg, "manifest", None) or {}
    return {"base": _base(), "manifest": manifest, "checksum": getattr(kg, "checksum", None)}


@bp.get("/")
def query_page() -> Response:
    """The query page: YASGUI editor, result downloads and the example gallery."""
    base = _base()
    examples = load_gallery(base=base)
    prefixes = describe.site_prefixes(base)
    start_query = _start_query(examples, prefixes)
    config = {
        "endpoint": url_for("sparql.sparql") if "sparql.sparql" in current_app.view_functions else "/sparql",
        "prefixesUrl": url_for("pages.prefixes_json"),
        "prefixes": prefixes,
        "dataBase": base,
        "ontologyNs": str(ONTOLOGY_IRI) + "#",
        "resourcePath": url_for("pages.resource", path="x")[:-1],
        "ontologyPath": url_for("pages.ontology"),
        "downloads": RESULT_DOWNLOADS,
        "query": start_query,
        "examples": [
            {"name": e.name, "title": e.title, "description": e.description, "sparql": e.sparql} for e in examples
        ],
    }
    html = render_template(
        "query.html",
        examples=examples,
        config=config,
        downloads=RESULT_DOWNLOADS,
        start_query=start_query,
        **_page_context(),
    )
    return _finish(Response(html, mimetype="text/html"))


def _start_query(examples: list[Example], prefixes: dict[str, str]) -> str:
    """The editor's first query: ``?query=``, else ``?example=NN`` (or a name), else example one."""
    if request.args.get("query"):
        return request.args["query"]
    chosen = request.args.get("example")
    for example in examples:
        if chosen in (example.number, example.name):
            return example.sparql
    if examples:
        return examples[0].sparql
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items() if p in ("hgd", "hgv", "rdfs"))
    return head + "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o .\n} LIMIT 10\n"


@bp.get("/prefixes.json")
def prefixes_json() -> Response:
    """The editor's prefix completion list (no call to prefix.cc): every prefix the endpoint would
    also declare for a query that leaves it out, so completion and auto-declaration agree."""
    body = json.dumps(known_prefixes(_base()), ensure_ascii=False, sort_keys=True)
    return Response(body, mimetype="application/json")


@bp.get("/examples/<name>.rq")
def example_file(name: str) -> Response:
    """One gallery query as a file, for copying into other tools."""
    for example in load_gallery(base=_base()):
        if example.name == name:
            return Response(
                example.sparql,
                mimetype="application/sparql-query",
                content_type="application/sparql-query; charset=utf-8",
            )
    abort(404, description=f"No example query named {name!r}.")


@bp.get("/id/<path:path>")
def resource(path: str) -> Response:
    """A data resource: HTML page, or its description in Turtle, N-Triples or JSON-LD."""
    base = _base()
    iri = describe.local_iri(base, path)
    kg = _kg()
    new = redirects.moved((kg.manifest or {}).get("redirects", {}), path) if iri is not None else None
    if new is not None:  # an IRI of an earlier release (endpoint/redirects.py)
        return redirects.permanent(url_for("pages.resource", path=new), request.query_string)
    if iri is None or not describe.exists(kg.query, iri):
        abort(404, description=f"No resource <{base}{path}> in this graph.")
    fmt = negotiate(RDF_FORMATS)
    if fmt is None:
        _not_acceptable(RDF_FORMATS)
    if fmt is HTML:
        linker = _linker()
        page = describe.view(kg.query, iri, linker)
        html = render_template(
            "resource.html",
            page=page,
            curie=linker.curie(iri),
            alternates=_alternates(request.path, RDF_FORMATS[1:]),
            **_page_context(),
        )
        resp = Response(html, mimetype="text/html")
    else:
        resp = _rdf_response(describe.description(kg.query, iri), fmt)
    resp.headers["Link"] = ", ".join(
        f'<{request.path}?format={f.name}>; rel="alternate"; type="{f.media_types[0]}"' for f in RDF_FORMATS
    )
    return _finish(resp, fmt)


def _release_file(name: str) -> Path:
    """A file of the published release directory, or a 404 naming it."""
    path = Path(_kg().release_dir) / name
    if not path.is_file():
        abort(404, description=f"The published release has no {name}.")
    return path


def _file_triples(path: Path) -> list[ox.Triple]:
    return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


@bp.get("/def")
def ontology() -> Response:
    """The ontology at its namespace IRI: the generated HTML documentation, or its Turtle."""
    return _turtle_file(ONTOLOGY_FILE, "Ontology", RDF_FORMATS, html_file=ONTOLOGY_HTML)


@bp.get("/.well-known/void")
def void() -> Response:
    """The dataset's VoID/DCAT description, with the dump downloads."""
    return _turtle_file(VOID_FILE, "Dataset description (VoID / DCAT)", (TURTLE, HTML, NTRIPLES, JSONLD, RDFXML))


def _turtle_file(name: str, title: str, offers: tuple[Format, ...], html_file: str | None = None) -> Response:
    """A Turtle file of the release by negotiation: as is, converted, or as an HTML page (a ready
    ``html_file`` of the release when there is one, else a page of its triples)."""
    fmt = negotiate(offers)
    if fmt is None:
        _not_acceptable(offers)
    if fmt is HTML:
        docs = Path(_kg().release_dir) / html_file if html_file else None
        if docs is not None and docs.is_file():
            resp = _docs_page(docs, title, offers)
        else:
            resp = _triples_page(name, title, offers)
    elif fmt is TURTLE:
        resp = send_file(_release_file(name), mimetype="text/turtle")
        resp.headers["Content-Type"] = "text/turtle; charset=utf-8"
    else:
        resp = _rdf_response(_file_triples(_release_file(name)), fmt)
    return _finish(resp, fmt)


def _docs_page(docs: Path, title: str, offers: tuple[Format, ...]) -> Response:
    """A release's standalone HTML documentation inside the site's page (header, links back)."""
    text = docs.read_text(encoding="utf-8")
    body = _BODY.search(text)  # the build writes the whole page; its own head and style are left out
    html = render_template(
        "docs.html",
        title=title,
        docs=Markup(body.group(1) if body else text),
        alternates=_alternates(request.path, tuple(f for f in offers if f is not HTML)),
        **_page_context(),
    )
    return Response(html, mimetype="text/html")


def _triples_page(name: str, title: str, offers: tuple[Format, ...]) -> Response:
    """An HTML page listing every subject of a release's Turtle file with its properties."""
    linker = _linker()
    views = describe.views_from_triples(_file_triples(_release_file(name)), linker, _kg().query)
    html = render_template(
        "triples.html",
        title=title,
        views=views,
        dumps=_dumps(),
        alternates=_alternates(request.path, tuple(f for f in offers if f is not HTML)),
        **_page_context(),
    )
    return Response(html, mimetype="text/html")


def _dumps() -> list[dict[str, Any]]:
    """The manifest's dump files that exist, with size and download path."""
    kg = current_app.extensions.get("henan_kg")
    if kg is None:
        return []
    out = []
    for name in (kg.manifest or {}).get("dumps", []):
        path = Path(kg.release_dir) / name
        if path.is_file():
            out.append({"name": name, "bytes": path.stat().st_size, "href": url_for("pages.dump", name=name)})
    return out


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump file of the release, only if the manifest lists it."""
    kg = _kg()
    if name not in (kg.manifest or {}).get("dumps", []) or "/" in name or name.startswith("."):
        abort(404, description=f"No dump named {name!r}; see /.well-known/void for the list.")
    path = _release_file(name)
    mimetype = DUMP_TYPES.get(path.suffix, "application/octet-stream")
    return send_file(
        path, mimetype=mimetype, as_attachment=path.suffix == ".gz", download_name=name, conditional=True, etag=True
    )


@bp.app_errorhandler(404)
def not_found(exc: NotFound) -> Response:
    """A 404 for a browser is a page of the site with a way back; other clients get the plain text."""
    ranges = parse_accept(request.headers.get("Accept"))
    if not ranges or quality(HTML, ranges) <= quality(PLAIN, ranges):
        return errors.render(errors.from_http_exception(exc))
    html = render_template("error.html", status=404, title="Not found", message=exc.description, **_page_context())
    return Response(html, status=404, mimetype="text/html")
