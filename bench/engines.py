"""The published N-Quads dump in other SPARQL engines: loaded unchanged, every gallery query compared.

    .venv/bin/python -m bench.engines --to virtuoso|jena|both

For each engine: install it from Debian's packages if it is missing (``bench/engines_virtuoso.py``,
``bench/engines_jena.py``: the install steps live there), load ``henan-kg.nq`` of the release
(``kg/build/current``, built first if missing) into a private database on loopback, run every
``examples/queries/*.rq`` against it and against our endpoint (the Flask app over the same release,
in this process), and compare the answers as lists of rows (all gallery queries have ORDER BY),
terms normalised (numbers by value, ``xsd:string`` as a plain literal, language tags in lower
case). Rows equal but for ties of the ORDER BY keys count as the same. Then, for engines with an
HTTP endpoint, load ``tests/data/endpoint-mini.nq`` into a second instance and run
``tests/test_endpoint_protocol.py`` against it (``HENAN_KG_TEST_SPARQL_URL``), each outcome
classified by ``bench/engines_protocol.py``. Prints a table per engine and writes them, with the
machine, to ``bench/results/engines-YYYYMMDD.md`` (``--record PATH`` elsewhere, ``--no-record``).

Apache Jena Fuseki is not among them: Maven Central is out of reach here and Debian does not
package Fuseki; ``jena`` runs Debian's Jena (TDB2, the store and query engine Fuseki serves) by
its command-line tools.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

if not __package__:  # run as a file: its folder, not the project root, is on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import engines_jena, engines_protocol, engines_virtuoso  # noqa: E402
from bench.engines_common import EngineError, stop  # noqa: E402
from bench.machine import describe  # noqa: E402
from endpoint.gallery import Example, load_gallery  # noqa: E402
from mappings.iris import DEFAULT_BASE  # noqa: E402
from release.layout import NQUADS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "kg" / "build" / "current"
CACHE = Path.home() / ".cache" / "henan-kg" / "engines"
MINI_NQ = ROOT / "tests" / "data" / "endpoint-mini.nq"
ENGINES = ("virtuoso", "jena")
HTTP_ENGINES = {"virtuoso"}  # the others are queried by their command-line tools
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + n for n in ("integer", "decimal", "double", "float", "int", "long", "short", "byte")}
NUMERIC |= {XSD + n for n in ("nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger")}
JSON_RESULTS = "application/sparql-results+json"
# what the engine's dataset holds, against ours: the union default graph is where engines differ
PROBES = {
    "triples in the default graph": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "quads in named graphs": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "named graphs": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "quads in the dump's graphs": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    f'FILTER(STRSTARTS(STR(?g), "{DEFAULT_BASE}graph/")) }}',
}
ORDER_KEY = re.compile(r"(?:(ASC|DESC)\s*\(\s*\?(\w+)\s*\)|\?(\w+))", re.IGNORECASE)

Term = tuple[str, ...]
Row = tuple[Term | None, ...]
Select = Callable[[str], dict[str, Any]]


@dataclass
class Answer:
    """One engine's answer to one query: variables and rows of raw terms, or the error it gave."""

    variables: list[str]
    rows: list[Row]
    seconds: float
    error: str = ""


@dataclass
class Verdict:
    """How an engine's answer compares with ours: ``same``, ``same values`` or ``differs``, and why."""

    example: str
    status: str
    why: str
    ours: Answer
    theirs: Answer


@dataclass
class EngineRun:
    """Everything measured for one engine."""

    name: str
    version: str = ""
    load_s: float = 0.0
    verdicts: list[Verdict] = field(default_factory=list)
    protocol: list[engines_protocol.Outcome] = field(default_factory=list)
    probes: dict[str, str] = field(default_factory=dict)
    note: str = ""


# --- terms and rows ---------------------------------------------------------------------------


def raw_term(term: dict[str, str] | None) -> Term | None:
    """A SPARQL JSON term as a tuple; Virtuoso's ``typed-literal`` is a ``literal``."""
    if term is None:
        return None
    kind = "literal" if term["type"] == "typed-literal" else term["type"]
    if kind == "bnode":
        return ("bnode",)  # labels are the engine's own
    if kind == "uri":
        return ("uri", term["value"])
    return ("literal", term["value"], term.get("datatype", ""), term.get("xml:lang", ""))


def normal_term(term: Term | None) -> Term | None:
    """Numbers by value, ``xsd:string`` as a plain literal, language tags in lower case."""
    if term is None or term[0] != "literal":
        return term
    _, value, datatype, lang = term
    if datatype in NUMERIC:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return term
        if datatype in (XSD + "double", XSD + "float"):
            number = Decimal(f"{number:.12g}")  # beyond 12 digits a double's text is the engine's choice
        return ("number", str(number.normalize()))
    if datatype == XSD + "string":
        datatype = ""
    return ("literal", value, datatype, lang.lower())


def answer(select: Select, sparql: str) -> Answer:
    """Run one query through ``select`` (SPARQL JSON results), timing it; an error is an answer too."""
    started = time.monotonic()
    try:
        result = select(sparql)
    except (EngineError, RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
        return Answer([], [], time.monotonic() - started, str(error).splitlines()[0][:200])
    variables = list(result["head"]["vars"])
    rows = [tuple(raw_term(b.get(v)) for v in variables) for b in result["results"]["bindings"]]
    return Answer(variables, rows, time.monotonic() - started)


# --- comparing ----------------------------------------------------------------------------------


def order_keys(sparql: str, variables: list[str]) -> list[int] | None:
    """Columns of the ORDER BY keys when each key is a projected variable, else None ([] for no ORDER BY)."""
    code = "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))
    match = re.search(r"ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|\}|$)", code, re.IGNORECASE | re.DOTALL)
    if not match:
        return []
    keys = [m.group(2) or m.group(3) for m in ORDER_KEY.finditer(match.group(1))]
    if not keys or any(k not in variables for k in keys) or ORDER_KEY.sub("", match.group(1)).strip():
        return None
    return [variables.index(k) for k in keys]


def _normal(rows: list[Row]) -> list[Row]:
    return [tuple(normal_term(t) for t in row) for row in rows]


def _sample(rows: Counter[Row], limit: int = 2) -> str:
    shown = ["(" + ", ".join(_show(t) for t in row) + ")" for row in list(rows.elements())[:limit]]
    return "; ".join(shown) + (" …" if sum(rows.values()) > limit else "")


def _show(term: Term | None) -> str:
    if term is None:
        return "unbound"
    text = term[1] if len(term) > 1 else term[0]
    return text if len(text) <= 40 else text[:37] + "…"


def compare(example: Example, ours: Answer, theirs: Answer) -> Verdict:
    """Our answer against the engine's, first as they are, then normalised, then as multisets."""

    def verdict(status: str, why: str) -> Verdict:
        return Verdict(example.name, status, why, ours, theirs)

    if theirs.error:
        return verdict("differs", f"error: {theirs.error}")
    if ours.variables != theirs.variables:
        return verdict("differs", f"variables {theirs.variables} instead of {ours.variables}")
    if ours.rows == theirs.rows:
        return verdict("same", "")
    mine, yours = _normal(ours.rows), _normal(theirs.rows)
    if Counter(mine) != Counter(yours):
        only_ours, only_theirs = Counter(mine) - Counter(yours), Counter(yours) - Counter(mine)
        why = f"{len(theirs.rows)} rows, ours {len(ours.rows)}"
        if only_ours:
            why += f"; only ours: {_sample(only_ours)}"
        if only_theirs:
            why += f"; only theirs: {_sample(only_theirs)}"
        return verdict("differs", why)
    if mine != yours:
        keys = order_keys(example.sparql, ours.variables)
        if keys is None or [[r[k] for k in keys] for r in mine] != [[r[k] for k in keys] for r in yours]:
            return verdict("differs", "the same rows in another order")
        if Counter(ours.rows) == Counter(theirs.rows):
            ties = "rows with equal ORDER BY keys" if keys else "rows (no ORDER BY)"
            return verdict("same", f"{ties} in another order")
    return verdict("same values", _term_differences(ours.rows, theirs.rows))


def _term_differences(ours: list[Row], theirs: list[Row]) -> str:
    """What normalising hid: datatypes and lexical forms that differ, a few examples."""
    seen: dict[tuple[str, str], None] = {}
    for row_a, row_b in zip(sorted(ours, key=str), sorted(theirs, key=str)):
        for a, b in zip(row_a, row_b):
            if a != b and a and b:
                seen[(_term_text(a), _term_text(b))] = None
    return "; ".join(f"{b} for {a}" for a, b in list(seen)[:3])


def _term_text(term: Term) -> str:
    if term[0] != "literal":
        return f"<{term[1]}>" if len(term) > 1 else term[0]
    _, value, datatype, lang = term
    return f'"{value}"' + (f"@{lang}" if lang else "") + (f"^^xsd:{datatype[len(XSD) :]}" if datatype else "")


# --- the two sides ---------------------------------------------------------------------------


@contextmanager
def our_endpoint(release: Path) -> Iterator[Select]:
    """Our endpoint over the release, the Flask app in this process (its engines are processes too)."""
    from endpoint.app import create_app

    app = create_app(
        {"RELEASE_DIR": str(release), "ACCESS_LOG": False, "QUERY_TIMEOUT_S": 600, "MAX_RESULT_BYTES": 1 << 30}
    )
    client = app.test_client()

    def select(sparql: str) -> dict[str, Any]:
        response = client.post("/sparql", data={"query": sparql}, headers={"Accept": JSON_RESULTS})
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:200]}")
        result: dict[str, Any] = response.get_json()
        return result

    try:
        yield select
    finally:
        app.extensions["henan_kg.executor"].close()


def http_select(url: str) -> Select:
    """POST a query to a SPARQL endpoint, SPARQL JSON back (what every engine speaks)."""
    import requests

    def select(sparql: str) -> dict[str, Any]:
        response = requests.post(url, data={"query": sparql}, headers={"Accept": JSON_RESULTS}, timeout=900)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        result: dict[str, Any] = response.json()
        return result

    return select


@contextmanager
def engine_select(name: str, nquads: Path, cache: Path, work: Path, run: EngineRun) -> Iterator[tuple[Select, str]]:
    """Load ``nquads`` into engine ``name``; a query function and the HTTP URL ('' for none)."""
    if name == "virtuoso":
        engine = engines_virtuoso.start(nquads, work)
        run.version, run.load_s = engine.version, engine.load_s
        try:
            yield http_select(engine.sparql), engine.sparql
        finally:
            stop(engine)
    else:
        jena = engines_jena.load(cache, nquads, work)
        run.version, run.load_s = jena.version, jena.load_s
        yield jena.select, ""


# --- one engine, the whole run -------------------------------------------------------------


def ensure_release(release: Path) -> Path:
    """The release's N-Quads dump, building the default release first when there is none."""
    nquads = release / NQUADS
    if not nquads.exists() and release == RELEASE:
        subprocess.run([sys.executable, "-m", "kg.cli", "build"], cwd=ROOT, check=True)
    if not nquads.exists():
        raise SystemExit(f"no {NQUADS} in {release}: build it first (python -m kg.cli build)")
    return nquads.resolve()


def our_answers(release: Path, examples: list[Example]) -> dict[str, Answer]:
    """Our endpoint's answers to every example and every probe, by name."""
    queries = {e.name: e.sparql for e in examples} | PROBES
    with our_endpoint(release) as select:
        return {name: answer(select, sparql) for name, sparql in queries.items()}


def probe_value(result: Answer) -> str:
    if result.error or not result.rows or not result.rows[0][0]:
        return result.error or "none"
    return f"{int(result.rows[0][0][1]):,}"


def compare_engine(
    name: str, nquads: Path, examples: list[Example], ours: dict[str, Answer], cache: Path, protocol: bool = True
) -> EngineRun:
    """Load the dump into one engine, compare every example, then run the protocol tests on it."""
    run = EngineRun(name)
    with tempfile.TemporaryDirectory(prefix=f"henan-kg-{name}-") as work:
        with engine_select(name, nquads, cache, Path(work), run) as (select, _):
            run.verdicts = [compare(e, ours[e.name], answer(select, e.sparql)) for e in examples]
            run.probes = {label: probe_value(answer(select, sparql)) for label, sparql in PROBES.items()}
    if name not in HTTP_ENGINES:
        run.note = "no HTTP endpoint (no Fuseki here), so no protocol tests"
    elif protocol:
        with tempfile.TemporaryDirectory(prefix=f"henan-kg-{name}-mini-") as work:
            with engine_select(name, MINI_NQ, cache, Path(work), EngineRun(name)) as (_, url):
                run.protocol = engines_protocol.run(url, ROOT)
    return run


# --- the report ------------------------------------------------------------------------------


def gallery_table(run: EngineRun) -> str:
    lines = [
        f"| query | rows (ours / {run.name}) | s (ours / {run.name}) | answer | why |",
        "|---|---|---|---|---|",
    ]
    for v in run.verdicts:
        rows = f"{len(v.ours.rows)} / {len(v.theirs.rows)}"
        seconds = f"{v.ours.seconds:.2f} / {v.theirs.seconds:.2f}"
        lines.append(f"| {v.example} | {rows} | {seconds} | {v.status} | {v.why.replace('|', '/')} |")
    return "\n".join(lines)


def probe_table(run: EngineRun, ours: dict[str, Answer]) -> str:
    lines = [f"| | ours | {run.name} |", "|---|---|---|"]
    lines += [f"| {label} | {probe_value(ours[label])} | {value} |" for label, value in run.probes.items()]
    return "\n".join(lines)


def report(runs: list[EngineRun], ours: dict[str, Answer], release: Path, nquads: Path, machine: str) -> str:
    size = nquads.stat().st_size
    quads = sum(1 for _ in nquads.open("rb"))
    parts = [
        f"# The published dump in other SPARQL engines ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        f"`python -m bench.engines --to {'both' if len(runs) > 1 else runs[0].name}` on `{release}`: "
        f"{NQUADS}, {quads:,} quads, {size / 1e6:.1f} MB. Machine: {machine}",
    ]
    for run in runs:
        counts = Counter(v.status for v in run.verdicts)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        parts += ["", f"## {run.version}", "", f"Load: {run.load_s:.1f} s. Gallery: {summary}.", ""]
        parts += [probe_table(run, ours), ""]
        parts.append(gallery_table(run))
        if run.protocol:
            parts += ["", "Protocol tests (`tests/test_endpoint_protocol.py` against it):", ""]
            parts.append(engines_protocol.table(run.protocol))
        if run.note:
            parts += ["", run.note + "."]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", choices=[*ENGINES, "both"], default="both", help="which engine(s)")
    parser.add_argument("--release", type=Path, default=RELEASE, help="release folder with henan-kg.nq")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where engine files are kept between runs")
    parser.add_argument("--no-protocol", action="store_true", help="skip the protocol tests")
    parser.add_argument("--record", type=Path, help="report file (default bench/results/engines-YYYYMMDD.md)")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)
    # a terminated run still stops the engines it started (their ``finally`` runs on SystemExit)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    names = list(ENGINES) if args.to == "both" else [args.to]
    machine = describe()
    nquads = ensure_release(args.release)
    examples = load_gallery()
    ours = our_answers(args.release, examples)
    runs = []
    for name in names:
        try:
            runs.append(compare_engine(name, nquads, examples, ours, args.cache, not args.no_protocol))
        except EngineError as error:
            print(f"{name}: {error}", file=sys.stderr)
            return 1
    text = report(runs, ours, args.release, nquads, machine)
    print(text)
    if not args.no_record:
        target = args.record or ROOT / "bench" / "results" / f"engines-{datetime.now(timezone.utc):%Y%m%d}.md"
        target.write_text(text, encoding="utf-8")
        print(f"written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
