"""Literals built once per distinct value.

rdflib's ``Literal()`` casts, validates and normalises its value on every call (2–4 µs), and a
build writes the same offsets, list positions, unit names and labels thousands of times. Equal
literals are interchangeable (immutable, compared by value), so a bounded cache gives the same
graph. Long texts (task bodies, paragraphs) rarely recur and are built directly.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Literal
from rdflib.namespace import XSD

CACHE_SIZE = 1 << 16
SHORT = 64  # characters: unit names, labels, headings, short spans


@lru_cache(maxsize=CACHE_SIZE)
def integer(n: int) -> Literal:
    """``n`` as an ``xsd:integer`` literal."""
    return Literal(n, datatype=XSD.integer)


def text(value: str, lang: str | None = None) -> Literal:
    """A plain (or language-tagged) string literal."""
    return _text(value, lang) if len(value) <= SHORT else Literal(value, lang=lang)


@lru_cache(maxsize=CACHE_SIZE)
def _text(value: str, lang: str | None) -> Literal:
    return Literal(value, lang=lang)
