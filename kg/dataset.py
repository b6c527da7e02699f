"""The dataset's own description (VoID, DCAT and the PROV record of its build), published in the
graph and, with the facts of one release that the dumps cannot hold about themselves (file sizes
and checksums), as ``void.ttl``."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from mappings.iris import DCAT, HGV, ONTOLOGY_IRI, PROV, QB, SCHEMA, Iris
from mappings.source import sha256_file
from mappings.statements import DATASET
from mappings.terms import sorted_terms
from release.layout import DUMP_FILES, MEDIA_TYPES

VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = "https://www.iana.org/assignments/media-types/"
PACKAGE = "henan-gov-kg"


def input_files(roots: dict[str, Path]) -> tuple[tuple[str, str], ...]:
    """``(name, sha256)`` of every file under each root, named ``{label}/{path in root}``, sorted:
    what the build read, recorded without the machine's own paths so that rebuilds stay identical."""
    found = [
        (f"{label}/{f.relative_to(root).as_posix()}", f)
        for label, root in roots.items()
        for f in root.rglob("*")
        if f.is_file() and not f.name.startswith(".")
    ]
    return tuple(sorted((name, sha256_file(f)) for name, f in found))


def software_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def site_root(iris: Iris) -> str:
    """Where the endpoint and dumps live: the data base without its trailing ``id/``."""
    return iris.base[: -len("id/")] if iris.base.endswith("/id/") else iris.base


def _checksum(g: Graph, node: URIRef, owner: URIRef, sha256: str) -> None:
    g.add((owner, URIRef(SPDX + "checksum"), node))
    g.add((node, RDF.type, URIRef(SPDX + "Checksum")))
    g.add((node, URIRef(SPDX + "algorithm"), URIRef(SPDX + "checksumAlgorithm_sha256")))
    g.add((node, URIRef(SPDX + "checksumValue"), Literal(sha256, datatype=XSD.hexBinary)))


def _latest_issue(graphs: dict[URIRef, Graph]) -> Literal | None:
    """The latest issue date of the documents: the dataset's date, taken from its sources (not the
    clock), so that the same sources give the same dumps."""
    dates = [
        o
        for gr in graphs.values()
        for o in gr.objects(None, DCTERMS.issued)
        if isinstance(o, Literal) and o.datatype == XSD.date
    ]
    return max(dates, key=str) if dates else None


def _build_activity(g: Graph, ds: URIRef, iris: Iris, inputs: tuple[tuple[str, str], ...]) -> None:
    """The build as a ``prov:Activity``: the software that ran it and every file it read (sha256)."""
    build, software = iris("dataset/build"), iris("dataset/software")
    g.add((ds, PROV.wasGeneratedBy, build))
    g.add((build, RDF.type, PROV.Activity))
    g.add((build, RDFS.label, Literal("build of the graph from its sources", lang="en")))
    g.add((build, RDFS.label, Literal("由来源文件构建图谱", lang="zh")))
    g.add((build, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDFS.label, Literal(PACKAGE)))
    g.add((software, SCHEMA.softwareVersion, Literal(software_version())))
    for name, sha in inputs:
        used = iris("dataset/input/" + quote(name))
        g.add((build, PROV.used, used))
        g.add((used, RDF.type, PROV.Entity))
        g.add((used, DCTERMS.title, Literal(name)))
        _checksum(g, URIRef(used + "/checksum"), used, sha)


def dataset_graph(
    graphs: dict[URIRef, Graph],
    iris: Iris,
    content_checksum: str,
    triples: int,
    inputs: tuple[tuple[str, str], ...] = (),
) -> Graph:
    """VoID/DCAT description of ``graphs`` (``triples`` distinct in all): subsets per named graph,
    distributions, checksum, sources, and the build that made it from ``inputs``."""
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
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Tasks, responsible units, quantitative targets, achieved figures, projects and places of the "
                "Henan Provincial People's Government's work report (2024) and key-task notice (2026), with "
                "every statement traced to its source text.",
                lang="en",
            ),
        )
    )
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
        g.add((name, DCTERMS.isPartOf, ds))  # not void:inDataset, whose domain makes it a foaf:Document
        documents = set(gr.subjects(RDF.type, HGV.TaskAssignmentNotice))
        documents |= set(gr.subjects(RDF.type, HGV.GovernmentWorkReport))
        for doc in sorted_terms(documents):
            g.add((name, DCTERMS.source, doc))
            g.add((ds, DCTERMS.source, doc))
            g.add((ds, PROV.wasDerivedFrom, doc))
    issued = _latest_issue(graphs)
    if issued is not None:
        g.add((ds, DCTERMS.issued, issued))
        g.add((ds, DCTERMS.modified, issued))
    for key, file in sorted(DUMP_FILES.items()):
        for suffix in ("", ".gz"):
            url = URIRef(root + "dumps/" + file + suffix)
            dist = iris(f"dataset/distribution/{file}{suffix}")
            g.add((ds, v("dataDump"), url))
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCAT.accessURL, url))
            g.add((dist, DCTERMS.license, LICENSE))
            g.add((dist, DCAT.mediaType, URIRef(IANA + MEDIA_TYPES[key])))  # the content's type, gzipped or not
            g.add((dist, DCTERMS.title, Literal(file + suffix)))
            if issued is not None:
                g.add((dist, DCTERMS.issued, issued))
            if suffix:
                g.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
    _sparql_service(g, ds, iris, root)
    _build_activity(g, ds, iris, inputs)
    cube = iris(DATASET)
    g.add((cube, RDF.type, QB.DataSet))
    g.add((cube, QB.structure, HGV.QuantitativeStatementStructure))
    for lang, label in (("zh", "目标与完成数据"), ("en", "Targets, five-year goals and achieved figures")):
        g.add((cube, RDFS.label, Literal(label, lang=lang)))
        g.add((cube, DCTERMS.title, Literal(label, lang=lang)))
    g.add((cube, DCTERMS.isPartOf, ds))
    cs = iris("dataset/checksum")
    _checksum(g, cs, ds, content_checksum)
    comment = (
        "SHA-256 of the sorted N-Quads of every named graph except this description (a content "
        "checksum, equal for equal graphs; each dump's own file checksum is in /.well-known/void)"
    )
    g.add((cs, RDFS.comment, Literal(comment, lang="en")))
    return g


def _sparql_service(g: Graph, ds: URIRef, iris: Iris, root: str) -> None:
    """The endpoint as a DCAT data service and a distribution reached through it."""
    service, dist = iris("dataset/service/sparql"), iris("dataset/distribution/sparql")
    endpoint = URIRef(root + "sparql")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, endpoint))
    g.add((dist, DCAT.accessService, service))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))


def release_description(dataset: Graph, out: Path, iris: Iris) -> Graph:
    """``dataset`` plus what only the written release knows: each dump's size and SHA-256. Served as
    /.well-known/void; kept out of the dumps, which cannot hold their own checksum. No clock time is
    recorded anywhere (the same sources give the same files); the release's directory name has it."""
    g = Graph()
    g.bind("void", VOID)
    g.bind("spdx", SPDX)
    g += dataset
    for file in sorted(DUMP_FILES.values()):
        for name in (file, file + ".gz"):
            dist = iris(f"dataset/distribution/{name}")
            g.add((dist, DCAT.byteSize, Literal((out / name).stat().st_size, datatype=XSD.nonNegativeInteger)))
            _checksum(g, URIRef(dist + "/checksum"), dist, sha256_file(out / name))
    return g
