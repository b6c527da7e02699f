"""Content negotiation: pick a result format from ``Accept`` (q-values) or a ``format`` parameter.

SELECT and ASK give *results* (SPARQL JSON, XML, CSV, TSV); CONSTRUCT and DESCRIBE give a *graph*
(Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads). The query kind is only known once the engine has
parsed the query, so :func:`negotiate` answers for both kinds at once and the engine uses the one
that fits. A ``format`` name may mean one format of each kind, as clients send it whatever the
query form: ``xml`` is SPARQL XML or RDF/XML, ``json`` SPARQL JSON or JSON-LD (SPARQLWrapper sends
``format=xml`` by default), ``n3`` is answered in Turtle (N3's subset that pyoxigraph writes).
Each format also answers to the looser media types clients ask for (``text/xml``, ``text/plain``
for N-Triples, ``application/json``) but names its registered type in ``Content-Type``.
The serialisers themselves are pyoxigraph's; this module only names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from endpoint.errors import EndpointError

RESULTS = "results"
GRAPH = "graph"


@dataclass(frozen=True)
class Format:
    """A serialisation the endpoint offers: ``media_types[0]`` is what the response says."""

    name: str
    kind: str
    media_types: tuple[str, ...]

    @property
    def content_type(self) -> str:
        return f"{self.media_types[0]}; charset=utf-8"

    def oxigraph(self) -> ox.QueryResultsFormat | ox.RdfFormat:
        """The pyoxigraph serialiser for this format."""
        return _OXIGRAPH[self.name]


# Order matters: on equal preference the earlier format wins (the first is the default).
FORMATS: tuple[Format, ...] = (
    Format("json", RESULTS, ("application/sparql-results+json", "application/json")),
    Format("csv", RESULTS, ("text/csv",)),
    Format("tsv", RESULTS, ("text/tab-separated-values",)),
    Format("xml", RESULTS, ("application/sparql-results+xml", "application/xml", "text/xml")),  # after CSV for text/*
    Format("turtle", GRAPH, ("text/turtle", "application/x-turtle", "application/turtle")),
    Format("ntriples", GRAPH, ("application/n-triples", "text/plain")),
    Format("rdfxml", GRAPH, ("application/rdf+xml", "application/xml")),
    Format("jsonld", GRAPH, ("application/ld+json", "application/json")),
    Format("nquads", GRAPH, ("application/n-quads",)),
)
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}

_OXIGRAPH: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
}
# ``format`` values that name formats by another name; a pair names one format of each kind.
_FORMAT_ALIASES: dict[str, tuple[str, ...]] = {
    "xml": ("xml", "rdfxml"),
    "json": ("json", "jsonld"),
    "n3": ("turtle",),
    "nt": ("ntriples",),
    "n-triples": ("ntriples",),
    "ttl": ("turtle",),
    "rdf": ("rdfxml",),
    "rdf+xml": ("rdfxml",),
    "json-ld": ("jsonld",),
    "srj": ("json",),
    "srx": ("xml",),
    "nq": ("nquads",),
    "n-quads": ("nquads",),
}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """-1 if this range does not cover ``media_type``; else 0 (``*/*``), 1 (``type/*``), 2 (exact)."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse ``Accept``; malformed entries are skipped, a bad q-value counts as 1 (lenient, like browsers)."""
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        main, slash, sub = fields[0].lower().partition("/")
        if not main or not slash or not sub:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(main, sub, q))
    return ranges


def _match(media_type: str, ranges: list[MediaRange]) -> tuple[int, float] | None:
    """(specificity, q) of the most specific range covering ``media_type`` (the higher q on a tie)."""
    found = [(r.specificity(media_type), r.q) for r in ranges if r.specificity(media_type) >= 0]
    return max(found) if found else None


def quality(fmt: Format, ranges: list[MediaRange]) -> float:
    """The q the client gives ``fmt``: the most specific range covering any of its media types.

    So ``application/sparql-results+json;q=0, */*`` refuses SPARQL JSON although ``*/*`` also
    covers its alias ``application/json``; and the type the response would name, refused by name
    (q=0), refuses the format whatever its aliases get.
    """
    matches = [_match(m, ranges) for m in fmt.media_types]
    if matches[0] == (2, 0.0):
        return 0.0
    found = [m for m in matches if m is not None]
    return max(found)[1] if found else 0.0


def best_format(kind: str, ranges: list[MediaRange]) -> Format | None:
    """The client's preferred format of ``kind``; ``None`` if it accepts none (→ 406)."""
    candidates = [f for f in FORMATS if f.kind == kind]
    if not ranges:
        return candidates[0]
    scored = [(quality(f, ranges), -i, f) for i, f in enumerate(candidates)]
    q, _, fmt = max(scored, key=lambda t: (t[0], t[1]))
    return fmt if q > 0 else None


def format_from_parameter(value: str) -> list[Format]:
    """Formats named by ``format=`` (a short name such as ``turtle`` or a media type)."""
    key = value.strip().lower()
    names = _FORMAT_ALIASES.get(key, (key,))
    if all(name in BY_NAME for name in names):
        return [BY_NAME[name] for name in names]
    media_type = key.split(";")[0].strip()
    found = [f for f in FORMATS if media_type in f.media_types]
    if not found:
        known = ", ".join(BY_NAME)
        raise EndpointError.bad_request(f"unknown format {value!r}; use one of {known} or a media type")
    return found


@dataclass(frozen=True)
class Choice:
    """The negotiated format for each result kind (``None``: not acceptable for that kind)."""

    results: Format | None
    graph: Format | None

    def for_kind(self, kind: str) -> Format | None:
        return self.results if kind == RESULTS else self.graph


@lru_cache(maxsize=512)
def negotiate(accept: str | None, format_param: str | None) -> Choice:
    """Pick formats for both kinds; ``format`` overrides ``Accept``. Raises 406 if neither kind fits."""
    if format_param:
        named = format_from_parameter(format_param)
        results = next((f for f in named if f.kind == RESULTS), None)
        graph = next((f for f in named if f.kind == GRAPH), None)
    else:
        ranges = parse_accept(accept)
        results, graph = best_format(RESULTS, ranges), best_format(GRAPH, ranges)
    if results is None and graph is None:
        raise not_acceptable(None, accept, format_param)
    return Choice(results, graph)


def not_acceptable(kind: str | None, accept: str | None, format_param: str | None) -> EndpointError:
    """406 naming what was asked and what this kind of result (or any, if ``None``) can be."""
    offered = ", ".join(f.media_types[0] for f in FORMATS if kind in (None, f.kind))
    asked = f"format={format_param!r}" if format_param else f"Accept: {accept!r}"
    what = {RESULTS: "SELECT/ASK results", GRAPH: "CONSTRUCT/DESCRIBE graphs", None: "results"}[kind]
    return EndpointError.not_acceptable(f"cannot answer {asked}; {what} are offered as {offered}")
