"""``henan-kg``: build, validate, serve and query the knowledge graph.

Exit status: 0 ok, 1 the graph violates the shapes, 2 bad usage or bad input (the message names
the file and line, the task or the query).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.build import ValidationFailed, current_release
from mappings.iris import DEFAULT_BASE, Iris
from mappings.source import SourceError
from release.files import BUILD_DIR, BUILD_DIR_ENV, DATA_ENV, DATA_ROOT
from release.layout import NQUADS, ReleaseError, read_manifest

if TYPE_CHECKING:
    from rdflib import Graph

    from shapes.validate import ValidationResult

EXIT_INVALID = 1
EXIT_BAD_INPUT = 2


class BadInput(click.ClickException):
    """Bad input: a source, gazetteer or RDF file, or a query. Exits 2 like a usage error."""

    exit_code = EXIT_BAD_INPUT


BASE_OPTION = click.option(
    "--base",
    envvar="HENAN_KG_BASE",
    default=DEFAULT_BASE,
    show_default=True,
    help="Data namespace the IRIs are minted under (environment: HENAN_KG_BASE).",
)
REFERENCE_OPTION = click.option(
    "--reference-validator",
    "reference",
    is_flag=True,
    help="Validate with pySHACL, the reference, instead of the shapes compiled to SPARQL on Oxigraph (slower).",
)
BUILD_DIR_HELP = (
    f"(environment: {BUILD_DIR_ENV}; default: kg/build in a checkout, else ./henan-kg-build in the current directory)"
)


def out_option(help: str):
    """``--out``: the build directory, the same default for every command (:data:`release.files.BUILD_DIR`)."""
    return click.option(
        "--out",
        "build_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=BUILD_DIR_ENV,
        default=BUILD_DIR,
        show_default=False,
        help=f"{help} {BUILD_DIR_HELP}",
    )


def data_option(help: str):
    """``--data``: the data root, by default the one shipped with the package (:data:`release.files.DATA_ROOT`)."""
    return click.option(
        "--data",
        "data_root",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        envvar=DATA_ENV,
        default=DATA_ROOT,
        show_default=False,
        help=f"{help} (environment: {DATA_ENV}; default: the data/ shipped with henan-kg)",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The Henan government work documents as a knowledge graph with a SPARQL endpoint."""


@cli.command()
@out_option("Build directory; the release is published as OUT/current.")
@click.option(
    "--sources",
    "sources_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory of source documents with their .toml metadata (default: DATA/sources).",
)
@data_option("Data root: gazetteer/ (agencies, regions, indicators …) and genres/ (genre profiles).")
@click.option(
    "--allow-unresolved",
    is_flag=True,
    help="Keep unknown unit names as unresolved agencies instead of failing (exploratory runs).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Documents mapped and validated at once, each in a process of its own (default: one per core; "
    "1: all in this process). The output is the same for any number.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr (stages, documents done, summary).")
@BASE_OPTION
@REFERENCE_OPTION
def build(
    build_dir: Path,
    sources_dir: Path | None,
    data_root: Path,
    allow_unresolved: bool,
    jobs: int | None,
    quiet: bool,
    base: str,
    reference: bool,
) -> None:
    """Map the sources, validate the graph, write dumps and the store, publish atomically."""
    from kg import build as b

    try:
        release = b.build(
            build_dir,
            sources_dir=sources_dir or data_root / "sources",
            data_root=data_root,
            iris=Iris(base),
            allow_unresolved=allow_unresolved,
            jobs=jobs,
            progress=None if quiet else lambda line: click.echo(line, err=True),
            validate=b.store_validator(reference=True) if reference else None,
        )
    except SourceError as e:
        raise BadInput(str(e)) from e
    except ValidationFailed as e:
        click.echo(e.result.summary(), err=True)
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_INVALID)
    warnings = getattr(release.validation, "warnings", 0)
    click.echo(
        f"published {release.path} ({release.triples} triples, {release.quads} quads, "
        f"{len(release.graphs)} graphs, {warnings} shape warnings, checksum {release.checksum[:16]})"
    )


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the SHACL report (Turtle); default FILE.shacl-report.ttl.",
)
@out_option("Build directory whose published release (OUT/current) is validated when no FILE is given.")
@data_option("Data root of the fresh build validated when nothing is published.")
@BASE_OPTION
@REFERENCE_OPTION
def validate(
    file: Path | None, report_path: Path | None, build_dir: Path, data_root: Path, base: str, reference: bool
) -> None:
    """Validate FILE (any RDF file), or else the published graph, or else a fresh in-memory build."""
    from shapes import compiled
    from shapes.validate import read_rdf
    from shapes.validate import validate as pyshacl

    def run(data: Graph, base: str) -> ValidationResult:
        return pyshacl(data, base) if reference else compiled.validate_graph(data, base)

    try:
        if file is None and (rel := current_release(build_dir)) is not None:
            file = rel / NQUADS
        if file is not None:
            if not file.exists():
                raise BadInput(f"{file}: no such file")
            click.echo(f"validating {file}")
            result = run(read_rdf(file), base)
            report_path = report_path or file.with_name(file.name + ".shacl-report.ttl")
        else:
            from kg.build import assemble, union

            click.echo("no published graph: validating a fresh build of the sources")
            result = run(union(assemble(data_root / "sources", data_root, iris=Iris(base))), base)
            report_path = report_path or build_dir / "shacl-report.ttl"
    except (SourceError, ValueError, SyntaxError) as e:
        raise BadInput(str(e)) from e
    except RuntimeError as e:  # the shapes themselves could not be evaluated
        raise click.ClickException(f"validation could not run: {e}") from e
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_bytes(result.report.serialize(format="turtle", encoding="utf-8"))
    click.echo(result.summary())
    click.echo(f"report written to {report_path}")
    if not result.conforms:
        sys.exit(EXIT_INVALID)


def _print_settings(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from endpoint.app import settings_help

        click.echo(settings_help())
        ctx.exit()


@cli.command()
@click.option(
    "--help-settings",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_settings,
    help="List the endpoint's settings (environment variables) with their defaults, and exit.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=None, type=int, help="gunicorn worker processes (default: the WORKERS setting, one per core)."
)
@click.option("--dev", is_flag=True, help="Flask's own development server instead of gunicorn.")
@out_option("Build directory whose published release (OUT/current) is served, unless HENAN_KG_RELEASE_DIR names one.")
def serve(host: str, port: int, workers: int | None, dev: bool, build_dir: Path) -> None:
    """Serve the published graph over the SPARQL 1.1 Protocol (and the query page).

    The release served is the RELEASE_DIR setting (see --help-settings), else OUT/current."""
    from endpoint.app import SettingError, load_settings

    # the endpoint's setting, read by each worker
    os.environ["HENAN_KG_RELEASE_DIR"] = os.environ.get("HENAN_KG_RELEASE_DIR") or str(build_dir.absolute() / "current")
    from endpoint.serve import serve as run

    try:
        read_manifest(load_settings()["RELEASE_DIR"])
    except SettingError as e:
        raise BadInput(str(e)) from e
    except ReleaseError as e:
        raise BadInput(f"no published graph: {e} (run `henan-kg build` first)") from e

    run(host=host, port=port, workers=workers, dev=dev)


@cli.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "json", "xml", "turtle", "ntriples"]),
    default="tsv",
    show_default=True,
    help="Result format.",
)
@out_option("Build directory whose published release (OUT/current) is queried.")
def query(sparql: str, fmt: str, build_dir: Path) -> None:
    """Run one SPARQL query (text, or @FILE) on the published store, read-only; print the results."""
    from kg.query import QueryError, run_query

    rel = current_release(build_dir)
    if rel is None:
        raise BadInput(f"no published graph in {build_dir}: run `henan-kg build --out {build_dir}` first")
    if sparql.startswith("@"):
        try:
            sparql = Path(sparql[1:]).read_text(encoding="utf-8")
        except OSError as e:
            raise BadInput(f"{sparql[1:]}: {e.strerror}") from e
    try:
        sys.stdout.buffer.write(run_query(rel / "store", sparql, fmt))
    except QueryError as e:
        raise BadInput(str(e)) from e


@cli.command()
@out_option("Build directory whose published release (OUT/current) is read.")
def alignment(build_dir: Path) -> None:
    """How each notice is aligned with the report it assigns: chapters, sections and tasks derived
    from report text, and the report's key-work paragraphs that no task carries."""
    from kg.alignment import alignment_figures

    rel = current_release(build_dir)
    if rel is None:
        raise BadInput(f"no published graph in {build_dir}: run `henan-kg build --out {build_dir}` first")
    figures = alignment_figures(rel / "store")
    if not figures:
        click.echo("no notice in the graph names the report it assigns (assigns = … in its metadata)")
    for f in figures:
        click.echo("\n".join(f.lines()))


def main() -> None:
    cli(prog_name="henan-kg")


if __name__ == "__main__":
    main()
