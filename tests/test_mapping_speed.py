"""The mapping's fast paths give exactly what the plain ones gave (see ``bench/mapping.py``)."""

from __future__ import annotations

import gc
import random

import pytest
from rdflib import Literal, Namespace, URIRef

from conftest import SOURCES_DIR, reference
from mappings import literals
from mappings.iris import HGV, Iris
from mappings.mentions import Hit, Scanner, place_forms, project_forms
from mappings.pause import gc_paused
from mappings.source import load_documents
from mappings.targets import count_quantities, extract_quantities

INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")


def per_position_scan(text: str, forms: dict) -> list[Hit]:
    """The reference: at each position the longest form starting there, then past it."""
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    hits, i = [], 0
    while i < len(text):
        match = next((f for f in ordered if text.startswith(f, i)), None)
        if match is None:
            i += 1
            continue
        hits.append(Hit(i, i + len(match), forms[match]))
        i += len(match)
    return hits


def test_scanner_finds_what_a_per_position_scan_finds():
    text = "\n".join(d.text for d in load_documents(SOURCES_DIR, reference().names))
    ref = reference()
    for forms in (place_forms(ref.gazetteer, ref.mentions.compounds), project_forms(ref.mentions.projects)):
        assert Scanner(forms)(text) == per_position_scan(text, forms)


def test_scanner_nested_and_special_forms():
    forms = {"郑州": 1, "郑州市": 2, "州市": 3, "a.b": 4, "(x)": 5}
    rng = random.Random(7)
    alphabet = "郑州市ab.(x) "
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert Scanner(forms)(text) == per_position_scan(text, forms)
    assert Scanner({})("郑州") == []


def test_cached_namespace_terms_equal_rdflib_ones():
    plain = Namespace(str(HGV))
    for name in ("sourceSpan", "Task", "title", "LeadRole"):
        assert getattr(HGV, name) == getattr(plain, name)
        assert HGV[name] == plain[name]
    assert HGV.sourceSpan is HGV.sourceSpan


def test_shared_iris_are_built_once():
    iris = Iris()
    assert iris.agency("henan", "x") is iris.agency("henan", "x")
    assert iris.agency("henan", "x") == iris("agency/henan/x")
    assert Iris() == iris and hash(Iris()) == hash(iris)


def test_gc_paused_restores_the_collector_even_on_error():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner use found it paused and leaves it so
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError
    assert gc.isenabled()


def test_cached_literals_equal_fresh_ones():
    for n in (0, 7, 123456):
        assert literals.integer(n) == Literal(n, datatype=INTEGER)
        assert literals.integer(n).n3() == Literal(n, datatype=INTEGER).n3()
    for value, lang in (("省发展改革委", "zh"), ("Task 1", "en"), ("x", None), ("长" * 100, "zh")):
        assert literals.text(value, lang) == Literal(value, lang=lang)
        assert literals.text(value, lang).n3() == Literal(value, lang=lang).n3()
    assert literals.text("省发展改革委", "zh") is literals.text("省发展改革委", "zh")


def test_count_quantities_counts_what_extract_quantities_finds():
    voc = reference().vocabulary
    for doc in load_documents(SOURCES_DIR, reference().names):
        for sentence in doc.text.split("。"):
            assert count_quantities(sentence, voc) == len(extract_quantities(sentence, voc))
