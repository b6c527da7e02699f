"""Where the project's files are, in a checkout and in an installed wheel alike.

The code's own files sit in its packages (``shapes/*.ttl``, ``shapes/cube/*.rq``,
``ontology/henan-gov.ttl``, ``endpoint/prefixes.csv``, ``endpoint/templates``, ``endpoint/static``)
and are found there. ``data/`` and ``examples/`` sit beside the packages in a checkout; the wheel
ships them as ``kg/data`` and ``kg/examples`` (``[tool.setuptools.package-dir]`` of pyproject.toml).

The build directory is ``kg/build`` of the checkout when running from one; an installed package
must not write into site-packages, so there it is ``henan-kg-build`` under the current directory.
``HENAN_KG_BUILD_DIR`` overrides both (``--out`` of the commands overrides that).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

BUILD_DIR_ENV = "HENAN_KG_BUILD_DIR"
DATA_ENV = "HENAN_KG_DATA"
INSTALLED_BUILD_DIR = "henan-kg-build"  # under the current directory when not in a checkout


def package_dir(name: str) -> Path:
    """The directory of an importable package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


KG_DIR = package_dir("kg")  # found, not imported: this module is at the bottom and imports nothing of the project
_parent = KG_DIR.parent
# A checkout: the packages sit in the repository root, beside pyproject.toml and data/.
CHECKOUT: Path | None = _parent if (_parent / "pyproject.toml").is_file() and (_parent / "data").is_dir() else None


def _project_dir(name: str) -> Path:
    """``data`` or ``examples``: shipped inside kg/ by the wheel, in the repository root of a checkout."""
    shipped = KG_DIR / name
    if shipped.is_dir() or CHECKOUT is None:
        return shipped
    return CHECKOUT / name


DATA_ROOT = _project_dir("data")  # gazetteer/, genres/, reference/, sources/
SOURCES_DIR = DATA_ROOT / "sources"
EXAMPLES_DIR = _project_dir("examples")
GALLERY_DIR = EXAMPLES_DIR / "queries"
ONTOLOGY_TTL = package_dir("ontology") / "henan-gov.ttl"
SHAPES_DIR = package_dir("shapes")  # *.ttl
CUBE_CHECKS = SHAPES_DIR / "cube"  # ic-*.rq
PREFIXES_CSV = package_dir("endpoint") / "prefixes.csv"


def default_build_dir() -> Path:
    """``$HENAN_KG_BUILD_DIR``, else ``kg/build`` of the checkout, else ``./henan-kg-build`` (absolute)."""
    if os.environ.get(BUILD_DIR_ENV):
        return Path(os.environ[BUILD_DIR_ENV]).absolute()
    if CHECKOUT is not None:
        return CHECKOUT / "kg" / "build"
    return Path.cwd() / INSTALLED_BUILD_DIR


BUILD_DIR = default_build_dir()
