"""Validate an Oxigraph store with the shapes compiled to SPARQL; pySHACL stays the reference.

Each constraint of each shape in :func:`shapes.validate.load_shapes` becomes one SELECT that lists
every result at once: the shape's focus nodes (its targets, as a subquery) joined with what breaks
the constraint, run on the store with its default graph the union of its named graphs. A SPARQL
constraint's ``$this`` is joined to the focus nodes instead of being pre-bound once per node.
The results are those pySHACL gives (severity, shape, focus node, path, value, messages with
``{?var}`` filled); ``tests/test_compiled_shapes.py`` proves it on every break the shape tests make.

A shape the compiler cannot translate (a constraint component or a query form it does not know)
is validated by pySHACL alone, on the store's content, and named in ``ValidationResult.fallbacks``.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pyoxigraph
from pyoxigraph import QuerySolutions, RdfFormat, Store
from rdflib import OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from mappings.iris import DEFAULT_BASE
from shapes import HSH
from shapes.candidates import prefixes_of, store_of
from shapes.validate import SH, ValidationResult, finding, load_shapes, report_prefixes, run_pyshacl, with_ontology

log = logging.getLogger(__name__)

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: what a shape may say that is not a constraint
NOT_CONSTRAINTS = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.path,
    SH.deactivated,
    SH.defaultValue,
    SH.prefixes,
    SH.declare,
    SH.property,
    SH.sparql,
    *TARGETS,
}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}
#: datatypes whose lexical form Oxigraph can check with a cast (an ill-formed literal fails sh:datatype)
CASTS = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.date, XSD.dateTime, XSD.gYear}
#: Python ``re`` syntax whose meaning is the same in Oxigraph's REGEX (escaped punctuation only)
SAFE_PATTERN = re.compile(r"(?:[^\\\[]|\\[.\\\-/()\[\]{}|^$*+?dsS]|\[(?:[^\\\]]|\\[.\\\-/()\[\]{}|^$*+?d])*\])*")
#: Python's ``\s`` (str.isspace) also holds U+001C…U+001F, which Unicode's White_Space does not
PYTHON_SPACE = {"\\s": "[\\s\\x1C-\\x1F]", "\\S": "[^\\s\\x1C-\\x1F]"}
SPARQL_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*|[{}]|[?$][A-Za-z_][A-Za-z0-9_]*|[A-Za-z_]+|\s+|.',
    re.DOTALL,
)


class Untranslatable(ValueError):
    """A shape uses something the compiler does not translate; pySHACL validates it instead."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT with one solution per result (``?this``, maybe ``?value``)."""

    shape: Node
    component: URIRef
    query: str
    prefixes: dict[str, str]
    severity: Node
    messages: tuple[Literal, ...]
    path: Node | None
    value_is_focus: bool  # a node shape's core constraint: the value is the focus node
    constraint: Node | None = None  # the sh:sparql node of a SPARQL constraint
    sparql_messages: tuple[Literal, ...] = ()
    focus: str = ""  # a core constraint's focus subquery (none: a SPARQL constraint, joined inside)
    lateral: str | None = None  # the same query evaluated once per focus node (LATERAL)


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    fallbacks: list[Node] = field(default_factory=list)


class _Vars:
    """Fresh variable names, so that nested shapes do not capture each other's variables."""

    def __init__(self) -> None:
        self._n = itertools.count()

    def __call__(self) -> str:
        return f"?_v{next(self._n)}"


@functools.lru_cache(maxsize=8)
def compile_shapes(base: str = DEFAULT_BASE) -> Compiled:
    """The project's shapes (for the data base ``base``), compiled once per process."""
    return compile_graph(load_shapes(base))


def compile_graph(shapes: Graph) -> Compiled:
    """Every active shape with targets, compiled; those the compiler cannot translate listed apart."""
    out = Compiled()
    for shape in sorted({s for t in TARGETS for s in shapes.subjects(t, None)}, key=str):
        if _deactivated(shapes, shape):
            continue
        try:
            focus, prefixes = _focus(shapes, shape)
            checks = [replace(c, prefixes={**prefixes, **c.prefixes}) for c in _shape_checks(shapes, shape, focus)]
            for check in checks:
                _parses(check)
            out.checks += [_lateral_parses(c) for c in checks]
        except Untranslatable as e:
            log.info("shape %s is validated by pySHACL: %s", shape, e)
            out.fallbacks.append(shape)
    return out


def _parses(check: Check) -> None:
    """Oxigraph reads the query (run on an empty store: a syntax error is found here, not mid-build)."""
    try:
        query = _with_subclasses(check.query, lambda c: [c])
        list(Store().query(query, prefixes=check.prefixes or None))  # type: ignore[arg-type]
    except (SyntaxError, ValueError, OSError) as e:
        raise Untranslatable(f"Oxigraph cannot run the compiled query: {e}") from e


def _lateral_parses(check: Check) -> Check:
    """The check, without its LATERAL form if this Oxigraph cannot run it (the joined form stays)."""
    if check.lateral is None:
        return check
    try:
        _parses(replace(check, query=check.lateral))
    except Untranslatable:
        return replace(check, lateral=None)
    return check


def _deactivated(shapes: Graph, shape: Node) -> bool:
    value = shapes.value(shape, SH.deactivated)
    return isinstance(value, Literal) and value.toPython() is True


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


def _focus(shapes: Graph, shape: Node) -> tuple[str, dict[str, str]]:
    """A subquery listing the shape's focus nodes as ``?this``, each once, and the prefixes it uses."""
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        raise Untranslatable("implicit class target")
    classes = list(shapes.objects(shape, SH.targetClass))
    targets = list(shapes.objects(shape, SH.target))
    if (shape, HSH.checkInOnePass, Literal(True)) in shapes and all(
        (t, HSH.targetClass, None) in shapes for t in targets
    ):  # the target is the constraint's own query (load_shapes): its classes will do, the check joins the rest
        classes += [c for t in targets for c in shapes.objects(t, HSH.targetClass)]
        targets = []
    parts = [f"{{ ?this {_RDF_TYPE}/<{RDFS.subClassOf}>* {_term(c)} }}" for c in classes]
    parts += [f"{{ VALUES ?this {{ {_term(n)} }} }}" for n in shapes.objects(shape, SH.targetNode)]
    parts += [f"{{ ?this {_term(p)} [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ [] {_term(p)} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    prefixes: dict[str, str] = {}
    for target in targets:
        select = shapes.value(target, SH.select)
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or select is None:
            raise Untranslatable("a target other than a SPARQL-based one")
        parts.append("{ " + _dollar_free(str(select)) + " }")
        prefixes.update(prefixes_of(shapes, target))
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }", prefixes


_RDF_TYPE = f"<{RDF.type}>"
#: where the store's subclasses of a class go (``rdfs:subClassOf*`` in the data, as pySHACL reads it)
SUBCLASSES = re.compile(r"@subclasses<([^>]*)>@")


def _instance(node: str, cls: Node, var: str) -> str:
    """``node rdf:type/rdfs:subClassOf* cls`` for sh:class, written with the subclasses listed (filled
    in per store by :func:`_with_subclasses`): for a bound node, a VALUES join is about twice as fast
    in Oxigraph as the path (a target class keeps the path, which lists instances faster)."""
    if not isinstance(cls, URIRef):
        raise Untranslatable(f"a class {cls} that is not an IRI")
    return f"{node} {_RDF_TYPE} {var} . VALUES {var} {{ @subclasses<{cls}>@ }}"


def _with_subclasses(query: str, closure: Callable[[str], list[str]]) -> str:
    return SUBCLASSES.sub(lambda m: " ".join(f"<{c}>" for c in closure(m.group(1))), query)


# --------------------------------------------------------------------------------------------
# Core constraints
# --------------------------------------------------------------------------------------------


def _shape_checks(shapes: Graph, shape: Node, focus: str) -> list[Check]:
    """The checks of ``shape`` and of the property shapes it holds, all on ``focus``."""
    _known(shapes, shape)
    severity = shapes.value(shape, SH.severity) or SH.Violation
    messages = tuple(m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal))
    path = shapes.value(shape, SH.path)
    if not messages and _has_core_constraints(shapes, shape):
        raise Untranslatable("no sh:message (pySHACL would write one of its own)")
    checks = []
    for component, pattern, value, distinct in _violations(shapes, shape, "?this", _Vars()):
        select = "SELECT DISTINCT ?this" + (f" ({value} AS ?value)" if value and value != "?this" else "")
        select += "".join(f" ({d} AS ?_d{i})" for i, d in enumerate(distinct))
        checks.append(
            Check(
                shape=shape,
                component=component,
                query=f"{select} WHERE {{ {focus} {pattern} }}",
                prefixes={},
                severity=severity,
                messages=messages,
                path=path,
                value_is_focus=value == "?this",
                focus=focus,
                lateral=f"{select} WHERE {{ {focus} LATERAL {{ {pattern} }} }}",
            )
        )
    for prop in shapes.objects(shape, SH.property):
        if not _deactivated(shapes, prop):
            checks += _shape_checks(shapes, prop, focus)
    for constraint in shapes.objects(shape, SH.sparql):
        checks.append(_sparql_check(shapes, shape, constraint, focus, severity, messages, path))
    return checks


def _known(shapes: Graph, shape: Node) -> None:
    """Refuse a shape with a SHACL parameter the compiler does not know (other vocabularies are notes)."""
    for p in set(shapes.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in NOT_CONSTRAINTS and p not in COMPONENTS:
            raise Untranslatable(f"constraint parameter {p} is not translated")


def _has_core_constraints(shapes: Graph, shape: Node) -> bool:
    return any(p in COMPONENTS for p in shapes.predicates(shape, None))


def _violations(shapes: Graph, shape: Node, focus: str, fresh: _Vars) -> Iterator[tuple[URIRef, str, str | None, list]]:
    """(component, group pattern, value expression, extra distinct expressions) for each result kind.

    The pattern has a solution for each result of the constraint on the node ``focus`` (a
    variable bound outside it); the value expression is what pySHACL reports as ``sh:value``.
    """
    path = shapes.value(shape, SH.path)
    for p in sorted(set(shapes.predicates(shape, None)) & set(COMPONENTS), key=str):
        for parameter in shapes.objects(shape, p):
            yield from COMPONENTS[URIRef(str(p))](shapes, shape, parameter, focus, path, fresh)


def _values(path: Node | None, shapes: Graph, focus: str, fresh: _Vars) -> tuple[str, str]:
    """A pattern binding the value nodes of ``focus`` and the variable that holds them."""
    if path is None:
        return "", focus
    v = fresh()
    return f"{focus} {_path(shapes, path)} {v} .", v


def _each_value(condition: str, component: URIRef):
    """A component that fails each value node for which ``condition`` (on ``{v}``) is true."""

    def compile_(shapes, shape, parameter, focus, path, fresh):
        pattern, v = _values(path, shapes, focus, fresh)
        yield component, f"{pattern} FILTER ({condition.format(v=v, p=_term(parameter))})", v, []

    return compile_


def _class(shapes, shape, cls, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    yield (
        SH.ClassConstraintComponent,
        f"{pattern} FILTER NOT EXISTS {{ {_instance(v, cls, fresh())} }}",
        v,
        [],
    )


def _datatype(shapes, shape, datatype, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    ok = f"isLiteral({v}) && sameTerm(DATATYPE({v}), {_term(datatype)})"
    if datatype in CASTS:
        ok += f" && COALESCE(sameTerm(DATATYPE({_term(datatype)}(STR({v}))), {_term(datatype)}), false)"
    yield SH.DatatypeConstraintComponent, f"{pattern} FILTER (!({ok}))", v, []


def _node_kind(shapes, shape, kind, focus, path, fresh):
    if kind not in NODE_KINDS:
        raise Untranslatable(f"sh:nodeKind {kind}")
    pattern, v = _values(path, shapes, focus, fresh)
    yield SH.NodeKindConstraintComponent, f"{pattern} FILTER (!{NODE_KINDS[kind].format(v=v)})", v, []


def _pattern(shapes, shape, regex, focus, path, fresh):
    if shapes.value(shape, SH.flags) is not None:
        raise Untranslatable("sh:flags")
    pattern, v = _values(path, shapes, focus, fresh)
    yield (
        SH.PatternConstraintComponent,
        f"{pattern} FILTER (isBlank({v}) || !REGEX(STR({v}), {_string(_as_rust_regex(str(regex)))}))",
        v,
        [],
    )


def _as_rust_regex(pattern: str) -> str:
    """The Python ``re`` pattern (pySHACL's) as Oxigraph's REGEX reads it with the same matches.

    Only plain syntax is accepted. Python's ``$`` also matches before a final newline; Oxigraph's
    only at the end, so it becomes ``\\n?$``; ``\\s`` and ``\\S`` (outside a class) get Python's set.
    """
    if not SAFE_PATTERN.fullmatch(pattern) or re.search(r"(?<!\\)\(\?", pattern):
        raise Untranslatable(f"regular expression {pattern!r} uses syntax beyond the plain subset")
    out: list[str] = []
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            if ch in "sS":
                out[-1] = PYTHON_SPACE["\\" + ch]
            else:
                out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        elif ch == "$" and not in_class:
            out.append("\\n?$")
        else:
            out.append(ch)
    return "".join(out)


def _language_in(shapes, shape, languages, focus, path, fresh):
    wanted = ", ".join(_string(str(t).lower()) for t in Collection(shapes, languages))
    pattern, v = _values(path, shapes, focus, fresh)
    ok = (
        f"isLiteral({v}) && LANG({v}) != '' && (LCASE(LANG({v})) IN ({wanted}) || "
        f"LCASE(STRBEFORE(LANG({v}), '-')) IN ({wanted}))"
    )
    yield SH.LanguageInConstraintComponent, f"{pattern} FILTER (!({ok}))", v, []


def _in(shapes, shape, members, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    any_of = " || ".join(f"sameTerm({v}, {_term(m)})" for m in Collection(shapes, members)) or "false"
    yield SH.InConstraintComponent, f"{pattern} FILTER (!({any_of}))", v, []


def _has_value(shapes, shape, value, focus, path, fresh):
    if path is None:
        yield SH.HasValueConstraintComponent, f"FILTER (!sameTerm({focus}, {_term(value)}))", None, []
        return
    v = fresh()
    yield (
        SH.HasValueConstraintComponent,
        f"FILTER NOT EXISTS {{ {focus} {_path(shapes, path)} {v} FILTER (sameTerm({v}, {_term(value)})) }}",
        None,
        [],
    )


def _distinct_values(shapes: Graph, path: Node, focus: str, n: int, fresh: _Vars, condition: str = "") -> str:
    """A pattern with a solution when ``focus`` has ``n`` distinct values (each meeting ``condition``)."""
    if n > 3:
        raise Untranslatable(f"a count of {n}")
    names = [fresh() for _ in range(n)]
    triples = " ".join(f"{focus} {_path(shapes, path)} {v} ." for v in names)
    tests = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2)]
    tests += [condition.replace("{v}", v) for v in names if condition]
    return triples + (f" FILTER ({' && '.join(tests)})" if tests else "")


def _min_count(shapes, shape, count, focus, path, fresh):
    n = int(count)
    if path is None:
        raise Untranslatable("sh:minCount on a node shape")
    if n > 0:
        yield (
            SH.MinCountConstraintComponent,
            f"FILTER NOT EXISTS {{ {_distinct_values(shapes, path, focus, n, fresh)} }}",
            None,
            [],
        )


def _max_count(shapes, shape, count, focus, path, fresh):
    if path is None:
        raise Untranslatable("sh:maxCount on a node shape")
    yield SH.MaxCountConstraintComponent, _distinct_values(shapes, path, focus, int(count) + 1, fresh), None, []


def _qualified(shapes, shape, _, focus, path, fresh):
    """sh:qualifiedValueShape with its counts (read once, from the shape)."""
    inner = shapes.value(shape, SH.qualifiedValueShape)
    disjoint = shapes.value(shape, SH.qualifiedValueShapesDisjoint)
    if isinstance(disjoint, Literal) and disjoint.toPython() is True:
        raise Untranslatable("sh:qualifiedValueShapesDisjoint")
    if path is None or inner is None:
        raise Untranslatable("a qualified value shape without a path")
    conforms = "(" + _conforms(shapes, inner, "{v}", fresh) + ")"
    low, high = shapes.value(shape, SH.qualifiedMinCount), shapes.value(shape, SH.qualifiedMaxCount)
    if low is not None and int(low) > 0:
        yield (
            SH.QualifiedMinCountConstraintComponent,
            f"FILTER NOT EXISTS {{ {_distinct_values(shapes, path, focus, int(low), fresh, conforms)} }}",
            None,
            [],
        )
    if high is not None:
        yield (
            SH.QualifiedMaxCountConstraintComponent,
            _distinct_values(shapes, path, focus, int(high) + 1, fresh, conforms),
            None,
            [],
        )


def _unique_lang(shapes, shape, flag, focus, path, fresh):
    if not (isinstance(flag, Literal) and flag.toPython() is True):
        return
    if path is None:
        raise Untranslatable("sh:uniqueLang on a node shape")
    a, b = fresh(), fresh()
    p = _path(shapes, path)
    yield (
        SH.UniqueLangConstraintComponent,
        f"{focus} {p} {a} . {focus} {p} {b} . FILTER (!sameTerm({a}, {b}) && isLiteral({a}) && isLiteral({b}) "
        f"&& LANG({a}) != '' && LCASE(LANG({a})) = LCASE(LANG({b})))",
        None,
        [f"LCASE(LANG({a}))"],  # one result per repeated language, as pySHACL
    )


def _compare(op: str, component: URIRef):
    """sh:minInclusive and its kin: a value that does not compare so with the bound (or cannot) fails."""

    def compile_(shapes, shape, bound, focus, path, fresh):
        pattern, v = _values(path, shapes, focus, fresh)
        yield component, f"{pattern} FILTER (!COALESCE({v} {op} {_term(bound)}, false))", v, []

    return compile_


def _pair(op: str, component: URIRef):
    """sh:lessThan and sh:lessThanOrEquals: one result per pair of values that fails, as pySHACL."""

    def compile_(shapes, shape, other, focus, path, fresh):
        if path is None:
            raise Untranslatable("a property pair constraint on a node shape")
        pattern, v = _values(path, shapes, focus, fresh)
        w = fresh()
        yield component, f"{pattern} {focus} {_term(other)} {w} . FILTER (!COALESCE({v} {op} {w}, false))", v, [w]

    return compile_


def _or(shapes, shape, members, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    any_of = " || ".join("(" + _conforms(shapes, m, v, fresh) + ")" for m in Collection(shapes, members)) or "false"
    yield SH.OrConstraintComponent, f"{pattern} FILTER (!({any_of}))", v, []


def _and(shapes, shape, members, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    all_of = " && ".join("(" + _conforms(shapes, m, v, fresh) + ")" for m in Collection(shapes, members)) or "true"
    yield SH.AndConstraintComponent, f"{pattern} FILTER (!({all_of}))", v, []


def _not(shapes, shape, other, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    yield SH.NotConstraintComponent, f"{pattern} FILTER ({_conforms(shapes, other, v, fresh)})", v, []


def _node(shapes, shape, other, focus, path, fresh):
    pattern, v = _values(path, shapes, focus, fresh)
    yield SH.NodeConstraintComponent, f"{pattern} FILTER (!({_conforms(shapes, other, v, fresh)}))", v, []


COMPONENTS = {
    SH["class"]: _class,
    SH.datatype: _datatype,
    SH.nodeKind: _node_kind,
    SH.pattern: _pattern,
    SH.languageIn: _language_in,
    SH["in"]: _in,
    SH.hasValue: _has_value,
    SH.minCount: _min_count,
    SH.maxCount: _max_count,
    SH.qualifiedValueShape: _qualified,
    SH.uniqueLang: _unique_lang,
    SH.minInclusive: _compare(">=", SH.MinInclusiveConstraintComponent),
    SH.minExclusive: _compare(">", SH.MinExclusiveConstraintComponent),
    SH.maxInclusive: _compare("<=", SH.MaxInclusiveConstraintComponent),
    SH.maxExclusive: _compare("<", SH.MaxExclusiveConstraintComponent),
    SH.lessThan: _pair("<", SH.LessThanConstraintComponent),
    SH.lessThanOrEquals: _pair("<=", SH.LessThanOrEqualsConstraintComponent),
    SH["or"]: _or,
    SH["and"]: _and,
    SH["not"]: _not,
    SH.node: _node,
    SH.minLength: _each_value("isBlank({v}) || !(STRLEN(STR({v})) >= {p})", SH.MinLengthConstraintComponent),
    SH.maxLength: _each_value("isBlank({v}) || !(STRLEN(STR({v})) <= {p})", SH.MaxLengthConstraintComponent),
}
#: parameters read by another parameter's compiler
NOT_CONSTRAINTS |= {SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, SH.flags}


def _conforms(shapes: Graph, shape: Node, node: str, fresh: _Vars) -> str:
    """A SPARQL expression: the node (a variable, or ``{v}`` to be filled) conforms to ``shape``."""
    if _deactivated(shapes, shape):
        return "true"
    _known(shapes, shape)
    if shapes.value(shape, SH.sparql) is not None:
        raise Untranslatable("a SPARQL constraint inside sh:or / sh:not / sh:node")
    if node == "{v}":  # the caller fills in each value: compile on a placeholder variable
        placeholder = fresh()
        return _conforms(shapes, shape, placeholder, fresh).replace(placeholder, "{v}")
    patterns = [pattern for _, pattern, _, _ in _violations(shapes, shape, node, fresh)]
    for prop in shapes.objects(shape, SH.property):
        if not _deactivated(shapes, prop):
            _known(shapes, prop)
            patterns += [pattern for _, pattern, _, _ in _violations(shapes, prop, node, fresh)]
    if not patterns:
        return "true"
    return "NOT EXISTS { " + " UNION ".join("{ " + p + " }" for p in patterns) + " }"


# --------------------------------------------------------------------------------------------
# SPARQL constraints
# --------------------------------------------------------------------------------------------


def _sparql_check(
    shapes: Graph,
    shape: Node,
    constraint: Node,
    focus: str,
    severity: Node,
    messages: tuple[Literal, ...],
    path: Node | None,
) -> Check:
    select = shapes.value(constraint, SH.select)
    if select is None or _deactivated(shapes, constraint):
        raise Untranslatable("a SPARQL constraint that is not a SELECT")
    if path is not None:
        raise Untranslatable("a SPARQL constraint on a property shape ($PATH)")
    one_pass = (shape, HSH.checkInOnePass, Literal(True)) in shapes
    return Check(
        shape=shape,
        component=SH.SPARQLConstraintComponent,
        # in a UNION, each branch joined to the focus nodes starts from them (measured: 1.6× faster at 100×)
        query=_joined(str(select), focus, everywhere=not one_pass or "UNION" in str(select).upper()),
        prefixes=prefixes_of(shapes, constraint),
        severity=severity,
        messages=messages,
        path=None,
        value_is_focus=True,
        constraint=constraint,
        sparql_messages=tuple(m for m in shapes.objects(constraint, SH.message) if isinstance(m, Literal)),
    )


def _dollar_free(query: str) -> str:
    """The query with ``$this`` written ``?this``; any other pre-bound variable is not translated."""
    out = []
    for token in SPARQL_TOKENS.findall(query):
        if token.startswith("$"):
            if token != "$this":
                raise Untranslatable(f"pre-bound variable {token}")
            token = "?this"
        out.append(token)
    return "".join(out)


def _joined(select: str, focus: str, everywhere: bool) -> str:
    """The constraint's query with its ``$this`` joined to the focus nodes.

    SHACL pre-binds ``$this`` (substitution). A shape marked ``hsh:checkInOnePass`` binds it by a
    triple pattern in every branch, so joining the focus nodes once, in the outer group, gives the
    same rows (``everywhere`` False). Otherwise the focus nodes are joined in every group that uses
    ``$this`` (a group is evaluated on its own, so a FILTER there would otherwise see ``?this``
    unbound), except inside EXISTS, which sees the enclosing solution's ``?this``.
    """
    tokens = SPARQL_TOKENS.findall(_dollar_free(select))
    opens = _groups(tokens)
    if not opens:
        raise Untranslatable("a SPARQL constraint without a WHERE group")
    chosen = [opens[0][0]] if not everywhere else [i for i, uses in opens if uses]
    if not chosen:
        raise Untranslatable("a SPARQL constraint that never names $this")
    for i in sorted(chosen, reverse=True):
        tokens.insert(i + 1, " " + focus + " ")
    return "".join(tokens)


def _groups(tokens: list[str]) -> list[tuple[int, bool]]:
    """Each group's opening brace (token index, outermost first) and whether it uses ``?this``.

    A group uses ``?this`` if it names it itself or inside an EXISTS group; a group that opens a
    subquery (``{ SELECT``) or an EXISTS is not a place to join the focus nodes.
    """
    stack: list[list] = []  # [index, uses, joinable, is_exists]
    found: list[tuple[int, bool]] = []
    previous = ""
    for i, token in enumerate(tokens):
        if token == "{":
            rest = next((t for t in tokens[i + 1 :] if not t.isspace()), "")
            stack.append([i, False, rest.upper() != "SELECT", previous.upper() == "EXISTS"])
        elif token == "}" and stack:
            index, uses, joinable, is_exists = stack.pop()
            if joinable and not is_exists:
                found.append((index, uses))
            if is_exists and uses and stack:
                stack[-1][1] = True
        elif token == "?this" and stack:
            stack[-1][1] = True
        if not token.isspace() and not token.startswith("#"):
            previous = token
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return _literal(node)
    raise Untranslatable(f"a blank node {node} where a constant is expected")


def _literal(lit: Literal) -> str:
    text = _string(str(lit))
    if lit.language:
        return f"{text}@{lit.language}"
    if lit.datatype and lit.datatype != XSD.string:
        return f"{text}^^<{lit.datatype}>"
    return text


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _path(shapes: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL one."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(_path(shapes, p) for p in Collection(shapes, path)) + ")"
    for p, form in (
        (SH.inversePath, "^({})"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(path, p)
        if inner is not None:
            return form.format(_path(shapes, inner))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(shapes, p) for p in Collection(shapes, alternatives)) + ")"
    raise Untranslatable(f"property path {path}")


def to_rdflib(term) -> Node:
    """An Oxigraph term as rdflib's (a simple literal without the xsd:string datatype, as rdflib parses it)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


# --------------------------------------------------------------------------------------------
# Running the checks, the report
# --------------------------------------------------------------------------------------------


def validate_store(store: Store, base: str = DEFAULT_BASE, shapes: Graph | None = None) -> ValidationResult:
    """Validate the union of the store's graphs (which must hold the ontology) as pySHACL would.

    ``shapes`` replaces the project's shapes for ``base`` (a test adds one the compiler cannot read).
    """
    compiled = compile_shapes(base) if shapes is None else compile_graph(shapes)
    shapes = load_shapes(base) if shapes is None else shapes
    report = Graph()
    report_prefixes(report)
    node = BNode()
    results: list[Node] = []
    closure = functools.lru_cache(maxsize=None)(lambda cls: _subclasses(store, cls))
    sizes = functools.lru_cache(maxsize=None)(lambda focus, prefixes: _count(store, focus, dict(prefixes), closure))
    for check in compiled.checks:
        size = sizes(check.focus, tuple(sorted(check.prefixes.items()))) if check.focus else None
        if size == 0:  # no focus node: a core constraint's query, joined to none, has no solution
            continue
        if check.lateral is not None and size is not None and size <= LATERAL_FOCUS:
            check = replace(check, query=check.lateral)
        results += _run(check, store, report, shapes, closure)
    fallback = _fallback(store, shapes, compiled.fallbacks) if compiled.fallbacks else None
    labels = _labels(store, {report.value(r, SH.focusNode) for r in results})
    findings = [finding(report, r, labels, shapes) for r in results]
    if fallback is not None:
        log.warning("shapes validated by pySHACL: %s", ", ".join(str(s) for s in compiled.fallbacks))
        top = set(fallback.report.subjects(RDF.type, SH.ValidationReport))
        for t in fallback.report:
            if t[0] not in top:
                report.add(t)
        results += fallback.report.subjects(RDF.type, SH.ValidationResult)
        findings += fallback.findings
    result = ValidationResult.of(findings, report, list(compiled.fallbacks))
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(result.conforms)))
    for r in results:
        report.add((node, SH.result, r))
    return result


def validate_graph(data: Graph, base: str = DEFAULT_BASE) -> ValidationResult:
    """An rdflib graph (or Dataset) validated in an Oxigraph copy, the ontology added if it lacks it."""
    return validate_store(store_of(with_ontology(data)), base)


#: a core constraint's query is evaluated once per focus node (LATERAL) when there are at most this many:
#: Oxigraph otherwise evaluates the constraint's pattern over the whole store and joins, which for a
#: few hundred focus nodes (the reference nodes a batch of documents names) costs 5-10× more; for
#: thousands (a batch's spans) the join is 2-3× faster (measured at 100×, batches of 8 documents)
LATERAL_FOCUS = 1000


def _count(store: Store, focus: str, prefixes: dict[str, str], closure: Callable[[str], list[str]]) -> int:
    """How many focus nodes the focus subquery lists in the store."""
    query = _with_subclasses(f"SELECT (COUNT(*) AS ?n) WHERE {{ {focus} }}", closure)
    rows = list(store.query(query, prefixes=prefixes or None, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return int(rows[0][0].value)  # type: ignore[index,union-attr]


def _subclasses(store: Store, cls: str) -> list[str]:
    """The class and its subclasses in the store (sorted: the same query text for the same data)."""
    rows = store.query(f"SELECT ?c WHERE {{ ?c <{RDFS.subClassOf}>* <{cls}> }}", use_default_graph_as_union=True)
    return sorted({row[0].value for row in rows if isinstance(row[0], pyoxigraph.NamedNode)} | {cls})  # type: ignore[union-attr,index]


def _run(check: Check, store: Store, report: Graph, shapes: Graph, closure: Callable[[str], list[str]]) -> list[Node]:
    """Run one check and write its results into ``report``; the result nodes."""
    query = _with_subclasses(check.query, closure)
    solutions = store.query(query, prefixes=check.prefixes or None, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    seen: set[tuple] = set()
    out: list[Node] = []
    for row in solutions:
        bound = {n: to_rdflib(row[n]) for n in names if row[n] is not None}
        key = tuple(sorted(bound.items()))
        if key in seen or "this" not in bound:
            continue
        seen.add(key)
        out.append(_result(check, bound, report, shapes))
    return out


def _result(check: Check, bound: dict[str, Node], report: Graph, shapes: Graph) -> BNode:
    focus = bound.pop("this")
    value = bound.pop("value", None)
    path = bound.pop("path", None) if check.constraint is not None else None
    if value is None and check.value_is_focus:
        value = focus
    path = path if path is not None else check.path
    r = BNode()
    report.add((r, RDF.type, SH.ValidationResult))
    report.add((r, SH.sourceConstraintComponent, check.component))
    report.add((r, SH.sourceShape, check.shape))
    report.add((r, SH.resultSeverity, check.severity))
    report.add((r, SH.focusNode, focus))
    if value is not None:
        report.add((r, SH.value, value))
    if path is not None:
        report.add((r, SH.resultPath, path))
        if isinstance(path, BNode):
            _copy_description(shapes, path, report)
    if check.constraint is None:
        for m in check.messages:
            report.add((r, SH.resultMessage, m))
        return r
    report.add((r, SH.sourceConstraint, check.constraint))
    variables: dict[str, Node | None] = {k: v for k, v in bound.items() if not k.startswith("_")}
    variables.update({"this": focus, **({"path": path} if path is not None else {}), "value": value})
    for m in (*check.sparql_messages, *check.messages):
        report.add((r, SH.resultMessage, Literal(_fill(str(m), variables), lang=m.language)))
    return r


def _fill(template: str, variables: dict[str, Node | None]) -> str:
    """``{?var}`` / ``{$var}`` replaced by the variable's text, as pySHACL does."""
    for name, value in variables.items():
        if value is not None:
            template = re.sub("{{[?$]{}}}".format(name), lambda _: str(value), template)
    return template


def _copy_description(source: Graph, node: Node, into: Graph) -> None:
    """A blank node's description (a property path), recursively."""
    for p, o in source.predicate_objects(node):
        into.add((node, p, o))
        if isinstance(o, BNode):
            _copy_description(source, o, into)


def _labels(store: Store, nodes: set) -> Graph:
    """The labels of the given nodes, as a graph for :func:`shapes.validate.finding`."""
    g = Graph()
    names = [n for n in nodes if isinstance(n, URIRef)]
    for chunk in range(0, len(names), 500):
        values = " ".join(f"<{n}>" for n in names[chunk : chunk + 500])
        predicates = f"<{SKOS.prefLabel}> <{RDFS.label}>"
        query = f"SELECT ?s ?p ?l WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {predicates} }} ?s ?p ?l }}"
        for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
            g.add((to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["l"])))
    return g


def _fallback(store: Store, shapes: Graph, fallbacks: list[Node]) -> ValidationResult:
    """pySHACL on the store's content, with only the shapes the compiler could not translate active."""
    only = Graph()
    only += shapes
    keep = set(fallbacks)
    for shape in {s for t in TARGETS for s in shapes.subjects(t, None)} - keep:
        only.add((shape, SH.deactivated, Literal(True)))
    data = Graph().parse(source=io.BytesIO(_union_ntriples(store)), format="nt")
    return run_pyshacl(data, only, store)


def _union_ntriples(store: Store) -> bytes:
    """Every triple of the store's graphs, once, as N-Triples."""
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    return pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES) or b""  # type: ignore[arg-type]
