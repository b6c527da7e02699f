"""The dataset's own description (VoID and DCAT), published in the graph and as ``void.ttl``."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from mappings.iris import DCAT, HGV, ONTOLOGY_IRI, PROV, QB, Iris
from mappings.statements import DATASET

DUMP_FILES = {"nquads": "henan-kg.nq", "ntriples": "henan-kg.nt", "turtle": "henan-kg.ttl"}
MEDIA_TYPES = {"nquads": "application/n-quads", "ntriples": "application/n-triples", "turtle": "text/turtle"}
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


def site_root(iris: Iris) -> str:
    """Where the endpoint and dumps live: the data base without its trailing ``id/``."""
    return iris.base[: -len("id/")] if iris.base.endswith("/id/") else iris.base


def dataset_graph(graphs: dict[URIRef, Graph], iris: Iris, content_checksum: str, triples: int) -> Graph:
    """VoID/DCAT description of ``graphs`` (``triples`` distinct in all): subsets per named graph,
    dumps, checksum, sources."""
    g = Graph()
    v = lambda term: URIRef(VOID + term)  # noqa: E731
    ds = iris("dataset")
    root = site_root(iris)
    g.add((ds, RDF.type, v("Dataset")))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("河南省政府工作文件知识图谱", lang="zh")))
    g.add((ds, DCTERMS.title, Literal("Henan government work documents knowledge graph", lang="en")))
    g.add((ds, RDFS.label, Literal("河南省政府工作文件知识图谱", lang="zh")))
    g.add((ds, RDFS.label, Literal("Henan government work documents knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Tasks, responsible units, quantitative targets, achieved figures, projects and places of the "
        "Henan Provincial People's Government's work report (2024) and key-task notice (2026), with "
        "every statement traced to its source text.", lang="en")))
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/zh")))
    g.add((ds, v("uriSpace"), Literal(iris.base)))
    g.add((ds, v("vocabulary"), URIRef(str(ONTOLOGY_IRI))))
    g.add((ds, v("sparqlEndpoint"), URIRef(root + "sparql")))
    g.add((ds, v("rootResource"), iris("scheme/indicators")))
    g.add((ds, v("triples"), Literal(triples, datatype=XSD.integer)))
    for name, gr in sorted(graphs.items()):
        g.add((ds, v("subset"), name))
        g.add((name, RDF.type, v("Dataset")))
        g.add((name, v("triples"), Literal(len(gr), datatype=XSD.integer)))
        g.add((name, v("inDataset"), ds))
        documents = set(gr.subjects(RDF.type, HGV.TaskAssignmentNotice))
        documents |= set(gr.subjects(RDF.type, HGV.GovernmentWorkReport))
        for doc in sorted(documents):
            g.add((name, DCTERMS.source, doc))
            g.add((ds, DCTERMS.source, doc))
            g.add((ds, PROV.wasDerivedFrom, doc))
    for key, file in sorted(DUMP_FILES.items()):
        for suffix, media in (("", MEDIA_TYPES[key]), (".gz", "application/gzip")):
            url = URIRef(root + "dumps/" + file + suffix)
            dist = iris(f"dataset/distribution/{file}{suffix}")
            g.add((ds, v("dataDump"), url))
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + media)))
            g.add((dist, DCTERMS.title, Literal(file + suffix)))
            if suffix:
                g.add((dist, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
                media = URIRef("https://www.iana.org/assignments/media-types/" + MEDIA_TYPES[key])
                g.add((dist, DCAT.packageFormat, media))
    cube = iris(DATASET)
    g.add((cube, RDF.type, QB.DataSet))
    g.add((cube, QB.structure, HGV.QuantitativeStatementStructure))
    for lang, label in (("zh", "目标与完成数据"), ("en", "Targets, five-year goals and achieved figures")):
        g.add((cube, RDFS.label, Literal(label, lang=lang)))
        g.add((cube, DCTERMS.title, Literal(label, lang=lang)))
    g.add((cube, DCTERMS.isPartOf, ds))
    cs = iris("dataset/checksum")
    g.add((ds, URIRef(SPDX + "checksum"), cs))
    g.add((cs, RDF.type, URIRef(SPDX + "Checksum")))
    g.add((cs, URIRef(SPDX + "algorithm"), URIRef(SPDX + "checksumAlgorithm_sha256")))
    g.add((cs, URIRef(SPDX + "checksumValue"), Literal(content_checksum, datatype=XSD.hexBinary)))
    comment = "SHA-256 of the sorted N-Quads of every named graph except this description"
    g.add((cs, RDFS.comment, Literal(comment, lang="en")))
    return g



