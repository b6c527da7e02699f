"""Prefixes a query uses without declaring them: declare the ones everybody means, name the others.

Researchers paste queries from papers and notebooks that lean on a tool's built-in prefixes
(``skos:``, ``dct:``, this project's ``hgv:``). A prefix the query uses but does not declare is
added when it is one of the project's (``mappings.iris.PREFIXES``, ``hgd:`` for the served data
namespace) or of the standard vocabularies in ``prefixes.csv`` (a data file, so that the list can
grow without code); the response says which were added. Any other undeclared prefix is reported by
name instead of pyoxigraph's list of expected Unicode ranges.

The added declarations go on one line before the query, so a syntax error's line number is one
more than in the client's text; :func:`shift_error_lines` takes that back.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from endpoint import describe, screen
from release.files import PREFIXES_CSV

STANDARD_FILE = PREFIXES_CSV
_ERROR_AT = re.compile(r"\berror at (\d+):(\d+)")


@cache
def standard() -> dict[str, str]:
    """The standard vocabularies' prefixes of ``prefixes.csv`` (prefix → namespace IRI)."""
    with STANDARD_FILE.open(encoding="utf-8", newline="") as f:
        return {row["prefix"]: row["namespace"] for row in csv.DictReader(f)}


def known(base: str) -> dict[str, str]:
    """Every prefix the endpoint may declare for a query: the standard ones, then the project's."""
    return {**standard(), **describe.site_prefixes(base)}


@dataclass(frozen=True)
class Completion:
    """A query with the declarations it lacked: ``added`` (known) and ``unknown`` prefixes, by first use."""

    query: str
    added: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


def undeclared(query: str) -> list[str]:
    """Prefixes of the query's prefixed names that no ``PREFIX`` declares, in order of first use."""
    toks = screen.tokens(query)
    declared: set[str] = set()
    used: list[str] = []
    for i, tok in enumerate(toks):
        if tok.kind != "pname":
            continue
        prefix = tok.text.partition(":")[0]
        if i > 0 and toks[i - 1].kind == "word" and toks[i - 1].text.upper() == "PREFIX":
            declared.add(prefix)
        elif prefix not in declared and prefix not in used:
            used.append(prefix)
    return [p for p in used if p not in declared]


CACHED_QUERY_CHARS = screen.CACHED_QUERY_CHARS


def complete(query: str, base: str) -> Completion:
    """``query`` with a declaration for each undeclared prefix the endpoint knows. Cached for
    short queries: the same text comes back often (scanning 1 KB takes ~0.25 ms, a cached answer
    ~3 ms in all), and the table does not change while a worker runs."""
    if len(query) > CACHED_QUERY_CHARS:
        return _complete(query, base)
    return _complete_cached(query, base)


@lru_cache(maxsize=1024)
def _complete_cached(query: str, base: str) -> Completion:
    return _complete(query, base)


def _complete(query: str, base: str) -> Completion:
    if ":" not in query:
        return Completion(query)
    table = known(base)
    missing = undeclared(query)
    added = tuple(p for p in missing if p in table)
    unknown = tuple(p for p in missing if p not in table)
    if not added:
        return Completion(query, unknown=unknown)
    head = " ".join(f"PREFIX {p}: <{table[p]}>" for p in added)
    return Completion(f"{head}\n{query}", added, unknown)


def shift_error_lines(message: str, added: tuple[str, ...]) -> str:
    """A syntax error's ``error at L:C`` as the client counts lines (without our added line)."""
    if not added:
        return message
    return _ERROR_AT.sub(lambda m: f"error at {max(1, int(m.group(1)) - 1)}:{m.group(2)}", message)


def unknown_prefix_message(completion: Completion, message: str) -> str | None:
    """The one-line 400 message for a query that failed to parse and uses a prefix it does not
    declare; None if it declares all it uses. Oxigraph's own message does not always say "Prefix
    not found" (a failed prefixed name can make it report another token), so the scan decides."""
    if completion.unknown:
        names = ", ".join(f"'{p}:'" for p in completion.unknown)
        first = completion.unknown[0]
        return (
            f"the query uses the prefix {names} without declaring it, and this endpoint does not know it; "
            f"add PREFIX {first}: <namespace IRI> before the query"
        )
    if "Prefix not found" not in message:
        return None
    where = _ERROR_AT.search(shift_error_lines(message, completion.added))
    at = f" at line {where.group(1)}, column {where.group(2)}" if where else ""
    return f"the query uses a prefix{at} that it does not declare; add a PREFIX declaration for it"
