"""Look at a query's tokens before anything runs: SERVICE targets, FROM clauses, update keywords.

A full parser is not needed for these questions, and rdflib's recursive parser overflows on deeply
nested queries (one of the inputs the endpoint must survive), so this is a flat lexer over SPARQL's
token rules: comments, the four string forms, IRI references, prefixed names, variables and
keywords. It is not fooled by comments, strings, letter case, prefixed or relative IRIs, or nesting
(every SERVICE token is seen, wherever it sits). Oxigraph expands ``\\u`` escapes only inside strings
and IRIs, but the SPARQL spec allows them anywhere, so the text is scanned both as written and with
escapes expanded, and a SERVICE found in either view counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)
              |'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)
              |"(?:[^"\\\r\n]|\\.)*(?:"|$)
              |'(?:[^'\\\r\n]|\\.)*(?:'|$))
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\\\-]|\.(?=[\w:%\\\-]))*)
  | (?P<blank>_:[\w.\-]+)
  | (?P<word>[^\W\d][\w]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass
class Findings:
    """What the scan saw: SERVICE targets (``None`` for a variable or unreadable target) and more."""

    services: list[str | None] = field(default_factory=list)
    has_from: bool = False
    has_graph: bool = False
    first_keyword: str | None = None

    @property
    def looks_like_update(self) -> bool:
        return self.first_keyword in UPDATE_KEYWORDS


def expand_escapes(text: str) -> str:
    """Replace ``\\uXXXX`` and ``\\UXXXXXXXX`` by their characters (invalid code points are kept)."""

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(one, text)


def tokens(text: str) -> list[Token]:
    """The query's tokens without whitespace and comments."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            found.append(Token(kind, match.group()))
    return found


def _scan_view(text: str, findings: Findings) -> None:
    toks = tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    for i, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if word == "PREFIX" and nxt is not None and nxt.kind == "pname" and i + 2 < len(toks):
            if toks[i + 2].kind == "iri":
                prefixes[nxt.text.rstrip(":").split(":")[0]] = urljoin(base, toks[i + 2].text[1:-1])
        elif word == "BASE" and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, nxt.text[1:-1])
        elif findings.first_keyword is None and word not in ("PREFIX", "BASE"):
            findings.first_keyword = word
        if word == "FROM":
            findings.has_from = True
        if word == "GRAPH":
            findings.has_graph = True
        if word == "SERVICE":
            j = i + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "SILENT":
                j += 1
            findings.services.append(_target(toks[j] if j < len(toks) else None, prefixes, base))


def _target(tok: Token | None, prefixes: dict[str, str], base: str) -> str | None:
    if tok is None:
        return None
    if tok.kind == "iri":
        return urljoin(base, tok.text[1:-1])
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def scan(query: str) -> Findings:
    """Scan ``query`` as written and with escapes expanded; findings of both views are merged."""
    findings = Findings()
    _scan_view(query, findings)
    expanded = expand_escapes(query)
    if expanded != query:
        other = Findings()
        _scan_view(expanded, other)
        findings.services.extend(other.services)
        findings.has_from = findings.has_from or other.has_from
        findings.has_graph = findings.has_graph or other.has_graph
    return findings


def forbidden_services(findings: Findings, allowlist: frozenset[str]) -> list[str]:
    """The SERVICE targets not on the allow-list, as text for the error message."""
    return [target or "(a variable or unreadable target)" for target in findings.services if target not in allowlist]


CACHED_QUERY_CHARS = 8192  # longer queries are scanned each time, so a cache of 1024 stays under ~8 MB


def may_read_named_graphs(query: str) -> bool:
    """Whether a query may see a named graph, i.e. has a ``GRAPH`` or ``FROM`` keyword in either view
    (a word in a string, an IRI or a comment does not count). One that cannot reads the default graph
    only, so it may run on a store holding that graph alone. Cheap when neither word is there; else
    the answer is cached for short queries (a scan takes 0.25-0.45 ms for a gallery query)."""
    lowered = query.lower()
    if "graph" not in lowered and "from" not in lowered and "\\u" not in lowered:
        return False
    if len(query) > CACHED_QUERY_CHARS:
        return _names_graphs(query)
    return _names_graphs_cached(query)


def _names_graphs(query: str) -> bool:
    findings = scan(query)
    return findings.has_from or findings.has_graph


@lru_cache(maxsize=1024)
def _names_graphs_cached(query: str) -> bool:
    return _names_graphs(query)


def mentions_service(query: str) -> bool:
    """Cheap pre-check: a query without the letters ``service`` in any view cannot call one."""
    lowered = query.lower()
    return "service" in lowered or ("\\u" in lowered and "service" in expand_escapes(query).lower())
