"""Validate a graph against the SHACL shapes in ``shapes/*.ttl`` and report in the documents' terms.

The shapes' IRI patterns are written for the default data base; :func:`load_shapes` rewrites them
for the base it is given, so a mirror with its own data base validates the same way.
``sh:class`` and ``sh:targetClass`` follow ``rdfs:subClassOf`` in the *data* graph (pyshacl, no
inference): the build validates the union with the ontology graph, and :func:`validate` mixes the
ontology in itself when a graph without it (a single document's dump, say) is given.
"""

from __future__ import annotations

import functools
import gzip
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Store
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, SKOS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from mappings.iris import DEFAULT_BASE, HGV, PREFIXES
from release.files import ONTOLOGY_TTL, SHAPES_DIR
from shapes import HSH
from shapes.candidates import narrow, store_of

SH = Namespace("http://www.w3.org/ns/shacl#")

FORMATS = {
    ".nq": "nquads",
    ".nt": "nt",
    ".ttl": "turtle",
    ".trig": "trig",
    ".rdf": "xml",
    ".owl": "xml",
    ".jsonld": "json-ld",
}
QUAD_FORMATS = {"nquads", "trig"}


class RdfFileError(ValueError):
    """An RDF file that cannot be read or parsed; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class Finding:
    """One validation result, with what a reader needs to find the problem in the data."""

    shape: Node
    shape_label: str
    severity: str
    focus: Node
    focus_label: str
    path: Node | None
    value: Node | None
    messages: dict[str, str]

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or next(iter(self.messages.values()), "")


@dataclass
class ValidationResult:
    """The outcome of one validation: conforms means no violations (warnings are allowed)."""

    conforms: bool
    violations: int
    warnings: int
    report: Graph
    findings: list[Finding] = field(default_factory=list)
    infos: int = 0
    #: shapes the compiled validator (:mod:`shapes.compiled`) left to pySHACL
    fallbacks: list[Node] = field(default_factory=list)

    @classmethod
    def of(cls, findings: list[Finding], report: Graph, fallbacks: list[Node] | None = None) -> ValidationResult:
        """The result of ``findings``, counted by severity (one way for both validators)."""
        counts = {name: sum(1 for f in findings if f.severity == name) for name in ("Violation", "Warning", "Info")}
        return cls(
            conforms=counts["Violation"] == 0,
            violations=counts["Violation"],
            warnings=counts["Warning"],
            infos=counts["Info"],
            report=report,
            findings=findings,
            fallbacks=list(fallbacks or []),
        )

    @staticmethod
    def report_of(findings: list[Finding]) -> Graph:
        """A SHACL validation report of ``findings`` (the build's, merged from its jobs, whose own
        reports stay in the jobs)."""
        g = Graph()
        for prefix, ns in {**PREFIXES, "sh": str(SH)}.items():
            g.bind(prefix, ns)
        report = BNode("report")
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(not any(f.severity == "Violation" for f in findings))))
        for k, f in enumerate(findings):
            r = BNode(f"result{k}")
            g.add((report, SH.result, r))
            g.add((r, RDF.type, SH.ValidationResult))
            g.add((r, SH.resultSeverity, SH[f.severity]))
            g.add((r, SH.sourceShape, f.shape))
            g.add((r, SH.focusNode, f.focus))
            if f.path is not None:
                g.add((r, SH.resultPath, f.path))
            if f.value is not None:
                g.add((r, SH.value, f.value))
            for lang, text in sorted(f.messages.items()):
                g.add((r, SH.resultMessage, Literal(text, lang=lang or None)))
        return g

    def summary(self, limit: int = 20) -> str:
        """A readable report grouped by shape, violations first; ``limit`` findings per shape."""
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines = [f"SHACL validation: the graph {verdict} — {self.violations} violation(s), {self.warnings} warning(s)"]
        groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for f in self.findings:
            groups[(f.severity, _short(f.shape), f.shape_label)].append(f)
        order = {"Violation": 0, "Warning": 1, "Info": 2}
        for (severity, shape, label), items in sorted(
            groups.items(), key=lambda kv: (order.get(kv[0][0], 3), kv[0][1])
        ):
            lines.append("")
            lines.append(f"[{severity}] {shape} ({label}): {len(items)}")
            for f in sorted(items, key=lambda f: (str(f.focus), str(f.path), str(f.value)))[:limit]:
                lines.append(f"  - {_short(f.focus)}" + (f" «{f.focus_label}»" if f.focus_label else ""))
                if f.path is not None:
                    lines.append(f"    path:  {_short(f.path)}")
                if f.value is not None and f.value != f.focus:
                    lines.append(f"    value: {_show_value(f.value)}")
                for lang in ("zh", "en"):
                    if lang in f.messages:
                        lines.append(f"    {lang}: {f.messages[lang]}")
            if len(items) > limit:
                lines.append(f"  … and {len(items) - limit} more")
        return "\n".join(lines)

    def fired(self, severity: str | None = None) -> set[tuple[Node, Node]]:
        """The (shape, focus node) pairs that produced a result, optionally of one severity."""
        return {(f.shape, f.focus) for f in self.findings if severity is None or f.severity == severity}

    def save_report(self, path: Path) -> None:
        """Write the full SHACL validation report as Turtle."""
        Path(path).write_bytes(self.report.serialize(format="turtle", encoding="utf-8"))


@functools.lru_cache(maxsize=8)
def load_shapes(base: str = DEFAULT_BASE) -> Graph:
    """Every ``shapes/*.ttl`` in one graph, IRI patterns rewritten for the data base ``base``."""
    g = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        g.parse(path, format="turtle")
    _hoist_property_shapes(g)
    _one_pass_targets(g)
    if base != DEFAULT_BASE:
        default, wanted = _regex_escape(DEFAULT_BASE), _regex_escape(base)
        for s, pattern in list(g.subject_objects(SH.pattern)):
            text = str(pattern)
            if default in text:
                g.remove((s, SH.pattern, pattern))
                g.add((s, SH.pattern, Literal(text.replace(default, wanted))))
    return g


def _hoist_property_shapes(g: Graph) -> None:
    """Give each named property shape its node shape's targets instead of hanging it off ``sh:property``.

    The two forms mean the same (SHACL 2.1.3), but pyshacl runs a property shape reached through
    ``sh:property`` once per focus node, and one with its own targets once for all of them: on the
    real graph that is ~21 000 shape runs fewer. ``hsh:propertyOf`` keeps the link for reports.
    """
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    for node_shape, prop in list(g.subject_objects(SH.property)):
        # only a node shape with targets of its own: one used inside sh:or / sh:not keeps its properties
        if not isinstance(prop, URIRef) or not any((node_shape, t, None) in g for t in targets):
            continue
        if g.value(node_shape, SH.deactivated) is not None or len(set(g.subjects(SH.property, prop))) != 1:
            continue
        for t in targets:
            for o in g.objects(node_shape, t):
                g.add((prop, t, o))
        g.remove((node_shape, SH.property, prop))
        g.add((prop, HSH.propertyOf, node_shape))


def _one_pass_targets(g: Graph) -> None:
    """Find the candidates of a ``hsh:checkInOnePass`` shape with one query instead of one per node.

    pyshacl runs a SPARQL constraint once per focus node (1 300 spans, 148 tasks …). For shapes
    whose query binds ``$this`` by a triple pattern in every branch, the same query with ``$this``
    free lists exactly the nodes it would report; that query becomes the shape's SPARQL-based
    target (SHACL-AF), restricted to instances of the shape's classes, and replaces the class
    target. The constraint still runs, but only on those nodes, so reports are unchanged.
    """
    for shape in list(g.subjects(HSH.checkInOnePass, Literal(True))):
        classes = list(g.objects(shape, SH.targetClass))
        selects = [str(g.value(c, SH.select)) for c in g.objects(shape, SH.sparql)]
        if not classes or not selects or any("$this" not in q for q in selects):
            continue
        branches = " UNION ".join("{ " + _as_subquery(q) + " }" for q in selects)
        types = " UNION ".join(f"{{ ?this rdf:type/rdfs:subClassOf* <{c}> }}" for c in classes)
        target = URIRef(str(shape) + "-candidates")
        g.add((target, RDF.type, SH.SPARQLTarget))
        g.add((target, SH.prefixes, URIRef(str(HSH))))
        g.add((target, SH.select, Literal(f"SELECT DISTINCT ?this WHERE {{ {branches} FILTER EXISTS {{ {types} }} }}")))
        g.add((shape, SH.target, target))
        for c in classes:  # kept on the target, for shapes.compiled: it joins the query to these itself
            g.add((target, HSH.targetClass, c))
        g.remove((shape, SH.targetClass, None))


def _as_subquery(select: str) -> str:
    """A constraint's SELECT as a subquery over all nodes: ``$this`` free and the only result."""
    body = select[select.index("{") :]
    return "SELECT DISTINCT ?this WHERE " + body.replace("$this", "?this")


@functools.lru_cache(maxsize=1)
def _ontology() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def _has_ontology(data: Graph) -> bool:
    return (HGV.Task, RDFS.subClassOf, HGV.DocumentPart) in data


@functools.lru_cache(maxsize=256)
def _prepared(text: str):
    return prepareQuery(text)


class _PreparedQueryGraph(Graph):
    """A view of a graph's store that parses each SPARQL text once.

    pyshacl runs a SPARQL constraint once per focus node with ``$this`` pre-bound, passing the
    query as text; rdflib would parse it every time, which dominated validation time. Prepared
    queries are rdflib's supported way to run one query with different initial bindings.
    """

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def validate(data: Graph, base: str | None = None, store: Store | None = None) -> ValidationResult:
    """Validate ``data`` against the shapes with pySHACL (SHACL core and SPARQL constraints, no inference).

    ``data`` is one graph (the build's union of named graphs) or a Dataset, whose named graphs
    are then validated together; ``base`` is the data namespace (default: the project's).

    The caller's graph is never modified; when it lacks the ontology's class hierarchy, a copy with
    the ontology added is validated instead, so that ``sh:class hgv:Agency`` accepts a
    ``hgv:ProvincialAgency``.
    """
    return run_pyshacl(with_ontology(data), load_shapes(base or DEFAULT_BASE), store)


def with_ontology(data: Graph) -> Graph:
    """One graph to validate: a Dataset's named graphs merged, the ontology added if it is missing
    (a copy then: the caller's graph is never modified)."""
    if isinstance(data, Dataset):  # validate all named graphs together, as the build does
        merged = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            merged.add((s, p, o))
        data = merged
    if not _has_ontology(data) and ONTOLOGY_TTL.exists():
        mixed = Graph()
        mixed += data
        mixed += _ontology()
        data = mixed
    return data


def run_pyshacl(data: Graph, shapes: Graph, store: Store | None = None) -> ValidationResult:
    """pySHACL on ``data`` (with the ontology) against ``shapes``; ``store``, an Oxigraph copy of
    ``data`` if the caller has one, finds the candidates of the SPARQL shapes."""
    target = _PreparedQueryGraph(store=data.store, identifier=data.identifier)
    _, report, text = shacl_validate(
        target,
        shacl_graph=narrow(shapes, store if store is not None else store_of(data)),
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        meta_shacl=False,
        inplace=True,
    )
    if not isinstance(report, Graph):  # pyshacl reports a failure of the shapes themselves this way
        raise RuntimeError(f"the shapes could not be evaluated: {text}")
    report_prefixes(report)
    _tag_messages(report, shapes)
    findings = [finding(report, r, target, shapes) for r in report.subjects(RDF.type, SH.ValidationResult)]
    return ValidationResult.of(findings, report)


def report_prefixes(report: Graph) -> None:
    """Bind the prefixes a saved report is written with."""
    for prefix, ns in {**PREFIXES, "sh": str(SH), "hsh": str(HSH)}.items():
        report.bind(prefix, ns)


def validate_file(path: str | Path, base: str | None = None) -> ValidationResult:
    """Validate an RDF file (N-Quads, N-Triples, Turtle, TriG; optionally ``.gz``), all graphs merged."""
    return validate(read_rdf(path), base)


def read_rdf(path: str | Path) -> Graph:
    """Parse an RDF file by its extension into one graph (named graphs merged).

    :raises RdfFileError: unknown extension, unreadable file or syntax error (with file and line).
    """
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise RdfFileError(f"{path}: unknown RDF file extension (one of {', '.join(sorted(FORMATS))}, optionally .gz)")
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as e:
        raise RdfFileError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from e
    try:
        if fmt in QUAD_FORMATS:
            ds = Dataset()
            ds.parse(source=io.BytesIO(raw), format=fmt)
            g = Graph()
            for s, p, o, _ in ds.quads((None, None, None, None)):
                g.add((s, p, o))
            return g
        return Graph().parse(source=io.BytesIO(raw), format=fmt)
    except Exception as e:  # rdflib's parsers raise many exception types
        where, why = _locate(raw, fmt)
        if where is None:
            lines = getattr(e, "lines", None)
            where, why = (str(lines + 1) if isinstance(lines, int) else "?"), _error_text(e)
        raise RdfFileError(f"{path}:{where}: not valid {fmt}: {why}") from e


OXIGRAPH_FORMATS = {"nquads": "N_QUADS", "nt": "N_TRIPLES", "turtle": "TURTLE", "trig": "TRIG", "xml": "RDF_XML"}


def _locate(raw: bytes, fmt: str) -> tuple[str | None, str]:
    """Line and reason of a syntax error, from Oxigraph's parser (rdflib's rarely say where)."""
    import pyoxigraph

    name = OXIGRAPH_FORMATS.get(fmt)
    if name is None:
        return None, ""
    try:
        for _ in pyoxigraph.parse(io.BytesIO(raw), getattr(pyoxigraph.RdfFormat, name)):
            pass
    except SyntaxError as e:
        return (str(e.lineno) if e.lineno else None), _error_text(e)
    return None, ""


def _error_text(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def _tag_messages(report: Graph, shapes: Graph) -> None:
    """Restore the language tags pyshacl drops when it fills ``{?var}`` into a SPARQL message:
    each filled message takes the tag of the constraint's template it matches."""
    for r, m in list(report.subject_objects(SH.resultMessage)):
        if not isinstance(m, Literal) or m.language:
            continue
        templates = [
            t for t in shapes.objects(report.value(r, SH.sourceConstraint), SH.message) if isinstance(t, Literal)
        ]
        lang = next((t.language for t in templates if t.language and _template_regex(str(t)).fullmatch(str(m))), None)
        if lang is None:
            lang = "zh" if re.search(r"[\u4e00-\u9fff]", str(m)) else "en"
        report.remove((r, SH.resultMessage, m))
        report.add((r, SH.resultMessage, Literal(str(m), lang=lang)))


@functools.lru_cache(maxsize=256)
def _template_regex(template: str) -> re.Pattern[str]:
    """A message template as a regex: the text literally, each ``{?var}`` / ``{$var}`` as anything."""
    parts = re.split(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}", template)
    return re.compile("(?s)" + ".*".join(re.escape(p) for p in parts))


def finding(report: Graph, r: Node, data: Graph, shapes: Graph) -> Finding:
    """The result ``r`` of ``report`` in the reader's terms (labels from ``data`` and ``shapes``)."""
    shape = report.value(r, SH.sourceShape)
    severity = _short(report.value(r, SH.resultSeverity) or SH.Violation).split(":")[-1]
    focus = report.value(r, SH.focusNode)
    if shape is None or focus is None:  # SHACL gives every result both
        raise ValueError(f"validation result {r} has no sh:sourceShape or no sh:focusNode")
    messages: dict[str, str] = {}
    for m in report.objects(r, SH.resultMessage):
        lang = m.language if isinstance(m, Literal) and m.language else "en"
        messages.setdefault(lang, str(m))
    return Finding(
        shape=shape,
        shape_label=_shape_label(shapes, shape),
        severity=severity,
        focus=focus,
        focus_label=_label(data, focus, "zh"),
        path=report.value(r, SH.resultPath),
        value=report.value(r, SH.value),
        messages=messages,
    )


def _shape_label(shapes: Graph, shape: Node | None) -> str:
    """The shape's English label, or that of the node shape that holds the property shape."""
    own = _label(shapes, shape, "en")
    if own or shape is None:
        return own
    owner = shapes.value(shape, HSH.propertyOf) or shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    return f"{_label(shapes, owner, 'en')}: {_short(path)}" if owner is not None else ""


def _label(g: Graph, node: Node | None, lang: str) -> str:
    """The node's label in ``lang`` (else any label), or ''."""
    if node is None:
        return ""
    labels = [*g.objects(node, SKOS.prefLabel), *g.objects(node, RDFS.label)]
    for label in labels:
        if isinstance(label, Literal) and label.language == lang:
            return str(label)
    return str(labels[0]) if labels else ""


def _short(node: Node | None) -> str:
    """A prefixed name for IRIs in the known namespaces, the data base shortened to ``hgd:``."""
    if node is None:
        return ""
    if not isinstance(node, URIRef):
        return node.n3()
    text = str(node)
    for prefix, ns in (("hsh", str(HSH)), ("sh", str(SH)), ("hgd", DEFAULT_BASE), *PREFIXES.items()):
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return f"<{text}>"


def _show_value(value: Node) -> str:
    if isinstance(value, Literal):
        text = str(value)
        text = text if len(text) <= 80 else text[:80] + "…"
        suffix = f"@{value.language}" if value.language else (f"^^{_short(value.datatype)}" if value.datatype else "")
        return f'"{text}"{suffix}'
    return _short(value)


def _regex_escape(text: str) -> str:
    """Escape the regex metacharacters of an IRI (XPath-compatible: no escaping of '-' or '/')."""
    return re.sub(r"([.?*+^$()\[\]{}|\\])", r"\\\1", text)
