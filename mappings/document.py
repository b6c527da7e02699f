"""What every document contributes whatever its genre: its own node and its source spans."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, XSD

from mappings import literals
from mappings.gazetteer import agency_iri
from mappings.iris import ELI, HGV, Iris
from mappings.pause import gc_paused
from mappings.source import SourceDocument, SourceError
from mappings.terms import sorted_terms

if TYPE_CHECKING:
    from mappings.reference import Reference

LANGUAGES = {"zh": URIRef("http://id.loc.gov/vocabulary/iso639-1/zh")}


def document_iri(iris: Iris, doc: SourceDocument) -> URIRef:
    return iris.doc(doc.iri_path)


@gc_paused()
def document_graph(doc: SourceDocument, ref: Reference, iris: Iris) -> Graph:
    """The document node: title, number, issuer, date, plan year, full text, meeting and speaker."""
    g = Graph()
    d = document_iri(iris, doc)
    m = doc.meta
    gaz = ref.gazetteer
    gaz.jurisdiction(doc.jurisdiction, str(doc.meta_path))
    issuer = gaz.agency(m["issuer"], doc.jurisdiction)
    if issuer is None:
        raise SourceError(
            f"{doc.meta_path}: issuer '{m['issuer']}' is not an agency of {doc.jurisdiction} or "
            f"above (add it to {gaz.agency_file(doc.jurisdiction)})"
        )
    g.add((d, RDF.type, HGV[doc.kind]))
    g.add((d, DCTERMS.title, Literal(m["title_zh"], lang="zh")))
    g.add((d, RDFS.label, Literal(m["title_zh"], lang="zh")))
    if "title_en" in m:
        g.add((d, DCTERMS.title, Literal(m["title_en"], lang="en")))
        g.add((d, RDFS.label, Literal(m["title_en"], lang="en")))
    if "number" in m:
        g.add((d, HGV.documentNumber, Literal(m["number"])))
    g.add((d, DCTERMS.identifier, Literal(m.get("number", doc.iri_path))))
    g.add((d, DCTERMS.publisher, agency_iri(iris, issuer)))
    g.add((d, DCTERMS.issued, Literal(doc.date.isoformat(), datatype=XSD.date)))
    g.add((d, RDF.type, ELI.LegalResource))  # ELI terms stated as well, for clients of legislation data
    g.add((d, ELI.passed_by, agency_iri(iris, issuer)))
    g.add((d, ELI.date_document, Literal(doc.date.isoformat(), datatype=XSD.date)))
    g.add((d, HGV.planYear, Literal(str(m["plan_year"]), datatype=XSD.gYear)))
    if "review_year" in m:
        g.add((d, HGV.reviewYear, Literal(str(m["review_year"]), datatype=XSD.gYear)))
    g.add((d, DCTERMS.language, LANGUAGES.get(m["language"], Literal(m["language"]))))
    g.add((d, HGV.sourceFile, Literal(m["file"])))
    g.add((d, HGV.sourceSha256, Literal(doc.sha256)))
    if "source_url" in m:
        g.add((d, DCTERMS.source, URIRef(m["source_url"])))
    if isinstance(m.get("published"), dt.date):
        g.add((d, DCTERMS.available, Literal(m["published"].isoformat(), datatype=XSD.date)))
    g.add((d, HGV.fullText, Literal(doc.text)))
    for key in ("meeting_zh", "meeting_en"):
        if key in m:
            g.add((d, HGV.meeting, Literal(m[key], lang=key[-2:])))
    if "speaker_zh" in m:
        person = iris("person/" + _person_slug(m.get("speaker_en", m["speaker_zh"])))
        g.add((d, HGV.speaker, person))
        g.add((person, RDF.type, HGV.Person))
        for lang in ("zh", "en"):
            if f"speaker_{lang}" in m:
                g.add((person, RDFS.label, Literal(m[f"speaker_{lang}"], lang=lang)))
                g.add((person, FOAF.name, Literal(m[f"speaker_{lang}"], lang=lang)))
            if f"speaker_office_{lang}" in m:
                g.add((person, HGV.office, Literal(m[f"speaker_office_{lang}"], lang=lang)))
    return g


def add_eli_structure(g: Graph, d: URIRef) -> None:
    """The document's top-level parts as ELI subdivisions (``eli:has_part``) and its policy areas as
    what it is about (``eli:is_about``), read back from the mapped graph ``g``."""
    for part in sorted_terms(g.subjects(DCTERMS.isPartOf, d)):
        g.add((d, ELI.has_part, part))
        g.add((part, ELI.is_part_of, d))
        g.add((part, RDF.type, ELI.LegalResourceSubdivision))
    for area in sorted_terms(set(g.objects(None, HGV.policyArea))):
        g.add((d, ELI.is_about, area))


def add_span(g: Graph, iris: Iris, doc: SourceDocument, start: int, end: int) -> URIRef:
    """The source span node for ``doc.text[start:end]`` (offsets into the file as stored)."""
    if not 0 <= start < end <= len(doc.text):
        raise SourceError(f"{doc.where(start)}: bad span {start}-{end}")
    s = iris.span(doc.iri_path, start, end)
    g.add((s, RDF.type, HGV.SourceSpan))
    g.add((s, HGV.inDocument, iris.doc(doc.iri_path)))
    g.add((s, HGV.startOffset, literals.integer(start)))
    g.add((s, HGV.endOffset, literals.integer(end)))
    g.add((s, HGV.exactText, literals.text(doc.text[start:end])))
    return s


def _person_slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
