"""The SPARQL 1.1 Protocol on ``/sparql`` (query only; updates are refused on every path).

``GET /sparql?query=…``, ``POST`` form-encoded (``query=…``) or ``POST`` with a body of type
``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` set the dataset, and
without them the default graph is the union of the named graphs. ``format=`` overrides ``Accept``.
Without a query, ``/sparql`` answers its SPARQL service description.

Reading the protocol parameters (:func:`read_request`) is kept apart from answering
(:func:`answer`); the query itself runs in :mod:`endpoint.executor`'s engines.

    curl -H 'Accept: text/csv' 'http://localhost:8000/sparql?query=SELECT+*+WHERE+{?s+?p+?o}+LIMIT+3'
    curl -H 'Content-Type: application/sparql-query' --data 'ASK {?s ?p ?o}' http://localhost:8000/sparql
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import MultiDict

from endpoint import compress, prefixes, screen
from endpoint.cache import ByteLRU
from endpoint.errors import EndpointError
from endpoint.executor import EngineBusy, EngineLost, Executor, Job, Outcome, QueryTimeout
from endpoint.graph import KnowledgeGraph
from endpoint.negotiation import BY_NAME, FORMATS, GRAPH, RESULTS, Choice, negotiate, not_acceptable

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update is not accepted (use the published dumps to build a writable copy)"
)


@dataclass(frozen=True)
class ProtocolRequest:
    """The protocol parameters of one request, checked but not yet acted on."""

    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    format: str | None


def _single(params: MultiDict[str, str], name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise EndpointError.bad_request(f"'{name}' given {len(values)} times; give it once")
    return values[0] if values else None


def _graph_iris(params: MultiDict[str, str], name: str) -> tuple[str, ...]:
    iris = tuple(params.getlist(name))
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise EndpointError.bad_request(f"'{name}' is not an absolute IRI: {iri!r} ({exc})") from exc
    return iris


def read_request(max_query_bytes: int) -> ProtocolRequest:
    """Read and check the protocol parameters of the current request (400/403/413/415 on misuse)."""
    args = request.args
    if "update" in args:
        raise EndpointError.forbidden(READ_ONLY)
    params: MultiDict[str, str] = MultiDict(args)
    query: str | None
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE:
            raise EndpointError.forbidden(READ_ONLY)
        if mimetype == FORM:
            _check_form_encoding(request.get_data(cache=True))
            form = request.form
            if "update" in form:
                raise EndpointError.forbidden(READ_ONLY)
            if "query" in form and "query" in args:
                raise EndpointError.bad_request("'query' given both in the URL and in the form body; give it once")
            for key, value in form.items(multi=True):
                params.add(key, value)
            query = _single(params, "query")
        elif mimetype == DIRECT:
            if "query" in args:
                raise EndpointError.bad_request(f"a {DIRECT} body is the query; do not also give 'query' in the URL")
            query = _read_body(max_query_bytes)
        else:
            shown = mimetype or "no Content-Type"
            raise EndpointError.unsupported_media_type(f"POST a body of type {FORM} or {DIRECT}, not {shown}")
    else:
        query = _single(params, "query")
    if query is not None and len(query.encode("utf-8", "surrogatepass")) > max_query_bytes:
        raise EndpointError.too_large(f"the query is longer than MAX_QUERY_BYTES = {max_query_bytes} bytes")
    default_graphs = _graph_iris(params, "default-graph-uri")
    named_graphs = _graph_iris(params, "named-graph-uri")
    dataset_given = bool(default_graphs or named_graphs)
    return ProtocolRequest(
        query=query,
        default_graphs=default_graphs if dataset_given else None,
        named_graphs=named_graphs if dataset_given else None,
        format=params.get("format"),  # some clients (SPARQLWrapper) send it twice; the first counts
    )


def _check_form_encoding(data: bytes) -> None:
    """400 naming the first byte that is not UTF-8, raw or percent-encoded: Werkzeug would drop a
    field with a raw bad byte (the client then reads "no 'query'") or put U+FFFD in its place."""
    bad = _bad_utf8(data)
    if bad is not None:
        raise EndpointError.bad_request(
            f"the form body is not valid UTF-8: byte 0x{bad[1]:02X} at offset {bad[0]}; "
            "send UTF-8, percent-encoded (application/x-www-form-urlencoded)"
        )
    for pair in data.split(b"&"):
        name, _, value = pair.partition(b"=")
        bad = _bad_utf8(unquote_to_bytes(value.replace(b"+", b" ")))
        if bad is not None:
            field = unquote_to_bytes(name).decode("utf-8", "replace")
            raise EndpointError.bad_request(
                f"the form field {field!r} is not UTF-8 once percent-decoded: byte 0x{bad[1]:02X} at offset "
                f"{bad[0]} of its value; percent-encode the UTF-8 bytes of the text"
            )


def _bad_utf8(data: bytes) -> tuple[int, int] | None:
    """Offset and value of the first byte that stops ``data`` being UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start, data[exc.start]
    return None


def _read_body(max_query_bytes: int) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise EndpointError.unsupported_media_type(f"the query must be UTF-8, not {charset}")
    if request.content_length is not None and request.content_length > max_query_bytes:
        raise EndpointError.too_large(f"the query is longer than MAX_QUERY_BYTES = {max_query_bytes} bytes")
    data = request.stream.read(max_query_bytes + 1)
    if len(data) > max_query_bytes:
        raise EndpointError.too_large(f"the query is longer than MAX_QUERY_BYTES = {max_query_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EndpointError.bad_request(f"the query is not valid UTF-8 (byte {exc.start})") from exc


@dataclass(frozen=True)
class Cached:
    """A cache entry: the engine's answer and its gzip form, made once when first asked for."""

    outcome: Outcome
    gzip: compress.GzipMemo


def _state() -> tuple[KnowledgeGraph, Executor, ByteLRU[Cached]]:
    ext = current_app.extensions
    return ext["henan_kg"], ext["henan_kg.executor"], ext["henan_kg.cache"]


def answer(preq: ProtocolRequest, text: str) -> Response:
    """Declare missing prefixes, screen, negotiate, run (or fetch from the cache) and render one query."""
    completion = prefixes.complete(text, _base())
    try:
        response = _answer(preq, completion)
    except EndpointError as error:
        error.headers.update(_added_header(completion))
        raise
    response.headers.update(_added_header(completion))
    return response


def _base() -> str:
    kg: KnowledgeGraph = current_app.extensions["henan_kg"]
    return kg.base or str(current_app.config["BASE"])


def _added_header(completion: prefixes.Completion) -> dict[str, str]:
    return {"X-Added-Prefixes": ", ".join(completion.added)} if completion.added else {}


def _answer(preq: ProtocolRequest, completion: prefixes.Completion) -> Response:
    config = current_app.config
    kg, executor, cache = _state()
    query = completion.query
    if screen.mentions_service(query):
        refused = screen.forbidden_services(screen.scan(query), config["SERVICE_ALLOWLIST"])
        if refused:
            raise EndpointError.bad_request(
                "SERVICE (federated query) is not allowed to "
                + ", ".join(refused)
                + "; only targets in SERVICE_ALLOWLIST may be called"
            )
    choice = negotiate(request.headers.get("Accept"), preq.format)
    etag = _etag(kg.checksum, query, preq, choice) if request.method == "GET" else None
    if etag is not None and _matches(etag):
        return _cacheable(Response(status=304), etag)
    key = (query, preq.default_graphs, preq.named_graphs, _name(choice, RESULTS), _name(choice, GRAPH))
    cached = cache.get(key)
    g.cache = "hit" if cached is not None else "miss"
    if cached is None:
        job = _job(kg, query, preq, key[3], key[4], int(config["MAX_RESULT_BYTES"]))
        outcome = _run(executor, job, float(config["QUERY_TIMEOUT_S"]))
        cached = Cached(outcome, compress.GzipMemo(outcome.body))
        if outcome.status != "error":
            # charged for both forms: the gzip kept beside the body is at most about its size
            cache.put(key, cached, 2 * len(outcome.body) + len(query) + 200)
    g.query_form = cached.outcome.form
    response = compress.attach(_render(cached.outcome, preq, completion), cached.gzip)
    return _cacheable(response, etag) if etag is not None else response


def _job(
    kg: KnowledgeGraph, query: str, preq: ProtocolRequest, results: str | None, graph: str | None, max_bytes: int
) -> Job:
    """The engine's job: the union flag (disk stores) unless the query names its dataset, and
    whether it may run on the store of the default graph alone (it cannot see a named graph)."""
    dataset = preq.default_graphs is not None
    union = kg.union_flag and not dataset and not _has_from(query)
    default_only = kg.default_store is not None and not dataset and not screen.may_read_named_graphs(query)
    return Job(query, preq.default_graphs, preq.named_graphs, union, results, graph, max_bytes, default_only)


def _etag(checksum: str, query: str, preq: ProtocolRequest, choice: Choice) -> str:
    """What one GET's answer depends on: the graph (its checksum), the query, the dataset and the
    negotiated media types. Weak, since the bytes differ between gzip and identity (compress.py)."""
    media = [f.media_types[0] if f is not None else "-" for f in (choice.results, choice.graph)]
    parts = [checksum, query, repr(preq.default_graphs), repr(preq.named_graphs), *media]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _matches(etag: str) -> bool:
    """``If-None-Match`` names this answer (``*`` is not enough: it could match an error)."""
    tags = request.if_none_match
    return not tags.star_tag and tags.contains_weak(etag)


def _cacheable(response: Response, etag: str) -> Response:
    """ETag and Cache-Control of a GET answer: public for CACHE_MAX_AGE_S, then revalidated."""
    response.set_etag(etag, weak=True)
    max_age = int(current_app.config["CACHE_MAX_AGE_S"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "public, no-cache"
    return response


def _name(choice: Choice, kind: str) -> str | None:
    fmt = choice.for_kind(kind)
    return fmt.name if fmt is not None else None


def _has_from(query: str) -> bool:
    return "from" in query.lower() and screen.scan(query).has_from


def _run(executor: Executor, job: Job, timeout_s: float) -> Outcome:
    """Run ``job`` within ``timeout_s`` of the request's arrival (waiting for an engine included)."""
    started = time.perf_counter()
    arrived = float(g.get("arrived", time.monotonic()))
    retry_after = max(1, math.ceil(timeout_s))
    try:
        return executor.run(job, deadline=arrived + timeout_s)
    except QueryTimeout as exc:
        waited = exc.started - arrived
        if waited >= 0.1 * timeout_s:
            raise EndpointError.unavailable(
                f"the server is busy: the query waited {waited:.1f} s for a free engine and did not finish within "
                f"the time limit QUERY_TIMEOUT_S = {timeout_s:g} s of its arrival; try again shortly",
                retry_after,
            ) from None
        raise EndpointError.unavailable(
            f"the query did not finish within the time limit QUERY_TIMEOUT_S = {timeout_s:g} s and was stopped; "
            "narrow it (LIMIT, more specific patterns) and try again"
        ) from None
    except EngineBusy:
        raise EndpointError.unavailable(
            f"the server is busy: no query engine became free within the time limit QUERY_TIMEOUT_S = "
            f"{timeout_s:g} s of the request's arrival; try again shortly",
            retry_after,
        ) from None
    except EngineLost:
        memory = current_app.config["ENGINE_MEMORY_MB"]
        raise EndpointError.unavailable(
            "the query engine stopped while answering, most likely because the query needed more memory "
            f"than ENGINE_MEMORY_MB = {memory} MB; narrow it (LIMIT, fewer variables, no ORDER BY on huge results)"
        ) from None
    finally:
        g.query_ms = (time.perf_counter() - started) * 1000


def _render(outcome: Outcome, preq: ProtocolRequest, completion: prefixes.Completion) -> Response:
    if outcome.status == "ok":
        fmt = BY_NAME[outcome.format or ""]
        g.result_bytes = len(outcome.body)
        return Response(outcome.body, content_type=fmt.content_type)
    if outcome.status == "syntax":
        if screen.scan(completion.query).looks_like_update:
            raise EndpointError.forbidden(READ_ONLY)
        unknown = prefixes.unknown_prefix_message(completion, outcome.message)
        if unknown is not None:
            raise EndpointError.bad_request(unknown)
        message = prefixes.shift_error_lines(outcome.message, completion.added)
        raise EndpointError.bad_request(f"malformed query: {message}")
    if outcome.status == "not_acceptable":
        raise not_acceptable(outcome.kind, request.headers.get("Accept"), preq.format)
    if outcome.status == "too_large":
        limit = current_app.config["MAX_RESULT_BYTES"]
        raise EndpointError.bad_request(
            f"the result is larger than MAX_RESULT_BYTES = {limit} bytes in {outcome.format}; "
            "add LIMIT, select fewer variables, or page with OFFSET"
        )
    raise EndpointError.bad_request(f"the query could not be evaluated: {outcome.message}")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """The protocol endpoint: a query, or the service description when there is none."""
    preq = read_request(int(current_app.config["MAX_QUERY_BYTES"]))
    if preq.query is None:
        if request.method == "POST":
            raise EndpointError.bad_request("no 'query' in the request; POST a query (form field or body)")
        return service_description()
    return answer(preq, preq.query)


@bp.route("/update", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def update() -> Response:
    """There is no update service; say so rather than 404."""
    raise EndpointError.forbidden(READ_ONLY)


# --- service description --------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
    "nquads": "N-Quads",
}


def service_triples(endpoint: str, kg: KnowledgeGraph, federated: bool) -> list[ox.Triple]:
    """The service description of this endpoint (hash IRIs under the endpoint, no blank nodes)."""

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(endpoint + "#dataset")
    default = ox.NamedNode(endpoint + "#default-graph")
    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
        ox.Triple(
            default,
            VOID_TRIPLES,
            ox.Literal(str(kg.triples), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
    ]
    if federated:
        out.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + _FORMAT_IRIS[f.name])) for f in FORMATS]
    for i, (iri, size) in enumerate(sorted(kg.graphs.items()), start=1):
        named, graph = ox.NamedNode(f"{endpoint}#named-graph-{i}"), ox.NamedNode(f"{endpoint}#graph-{i}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(
                graph,
                VOID_TRIPLES,
                ox.Literal(str(size), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ),
        ]
    return out


def service_description() -> Response:
    """``GET /sparql`` without a query: the service description, as Turtle unless asked otherwise."""
    fmt = negotiate(request.headers.get("Accept"), request.args.get("format")).graph
    if fmt is None:
        raise not_acceptable(GRAPH, request.headers.get("Accept"), request.args.get("format"))
    kg, _, _ = _state()
    triples = service_triples(request.base_url, kg, bool(current_app.config["SERVICE_ALLOWLIST"]))
    prefixes = {"sd": SD, "void": "http://rdfs.org/ns/void#", "formats": FORMATS_NS}
    rdf = fmt.oxigraph()
    assert isinstance(rdf, ox.RdfFormat), fmt.name  # negotiated as a graph format
    if fmt.name == "turtle":
        body = ox.serialize(triples, format=rdf, prefixes=prefixes)
    else:
        body = ox.serialize(triples, format=rdf)
    assert body is not None  # serialize() without an output returns the bytes
    g.result_bytes = len(body)
    return Response(body, content_type=fmt.content_type)
