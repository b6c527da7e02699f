"""Apache Jena (TDB2) for :mod:`bench.engines`: Debian's ``libapache-jena-java``, queried by its commands.

Fuseki, Jena's HTTP server, cannot be had here: it is not in Debian, and Maven Central is not
among the registries this machine reaches (``mvn`` answers "Unknown host"). Debian packages the
Jena libraries and commands (4.5.0 in bookworm), so this loads the dump with ``tdb2.tdbloader``
into an on-disk TDB2 database and runs each query with ``tdb2.tdbquery`` and
``tdb:unionDefaultGraph`` set, the same store and query engine Fuseki would serve. There is no
HTTP endpoint, so the protocol tests do not run against Jena.

The install is one function, :func:`install`; :func:`classpath` reads the jars from dpkg's lists
of the package and of the Java packages it depends on. Debian's ``jena-core.jar`` moves Xerces's
classes to ``xerces.*`` but leaves their message bundles under ``org/apache/jena/ext/xerces/``, so
the first XSD datatype fails to initialise ("internal error" in ``applyFacets1``, every command
stops); :func:`repair_bundles` copies the bundles where the classes look, into the cache folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.engines_common import EngineError

PACKAGE = "libapache-jena-java"
JAR = re.compile(r"^/usr/share/java/[A-Za-z0-9._-]+\.jar$")
VERSIONED = re.compile(r"-\d[\w.]*\.jar$")
# libslf4j-java ships every logging bridge; two of them on one classpath stop the JVM at start
LOGGING = re.compile(r"slf4j|log4j")
KEEP_LOGGING = {"slf4j-api.jar", "slf4j-nop.jar"}
JENA_CORE = Path("/usr/share/java/jena-core.jar")
MOVED = "org/apache/jena/ext/xerces/"


def _dpkg(*args: str) -> str:
    return subprocess.run(["dpkg-query", *args], capture_output=True, text=True).stdout


def install(cache: Path) -> str:
    """Install Debian's Jena package when it is missing (as root, where apt is); its classpath.

    :raises EngineError: when it is missing and cannot be installed, or Java is missing.
    """
    if "ok installed" not in _dpkg("-W", "-f=${Status}", PACKAGE):
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            raise EngineError(f"{PACKAGE} is missing and cannot be installed here (needs apt-get as root)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", PACKAGE]):
            done = subprocess.run(step, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise EngineError(f"{' '.join(step)} failed:\n{done.stderr[-2000:]}")
    if shutil.which("java") is None:
        raise EngineError("Jena needs 'java' on PATH (Debian: default-jre-headless)")
    return f"{repair_bundles(cache)}:{classpath()}"


def repair_bundles(cache: Path, jar: Path = JENA_CORE) -> Path:
    """A folder with jena-core's Xerces message bundles at the package its classes were moved to."""
    folder = cache / "jena-xerces-bundles"
    if not (folder / "xerces").is_dir():
        with zipfile.ZipFile(jar) as archive:
            for name in archive.namelist():
                if name.startswith(MOVED) and name.endswith(".properties"):
                    target = folder / "xerces" / name[len(MOVED) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    return folder


def classpath(package: str = PACKAGE) -> str:
    """The jars of ``package`` and of every ``*-java`` package it depends on, one logging binding."""
    seen: set[str] = set()
    todo = [package]
    jars: list[str] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for alternative in _dpkg("-W", "-f=${Depends}", name).split(","):
            words = alternative.split("|")[0].split()
            if words and words[0].endswith("-java"):
                todo.append(words[0].split(":")[0])
        for path in _dpkg("-L", name).split():
            jar = Path(path).name
            if JAR.match(path) and not VERSIONED.search(jar) and (not LOGGING.search(jar) or jar in KEEP_LOGGING):
                jars.append(path)
    return ":".join(sorted(set(jars)))


def version() -> str:
    return f"Apache Jena {_dpkg('-W', '-f=${Version}', PACKAGE).split('-')[0]} (TDB2, Debian {PACKAGE})"


@dataclass
class Jena:
    """A loaded TDB2 database and how to query it (a JVM per query: no server to start or stop)."""

    database: Path
    classpath: str
    version: str
    load_s: float

    def select(self, sparql: str, timeout_s: float = 600) -> dict[str, Any]:
        """The SPARQL JSON results of a query over the union default graph."""
        done = subprocess.run(
            [
                "java",
                "-Xmx2g",
                "-cp",
                self.classpath,
                "tdb2.tdbquery",
                f"--loc={self.database}",
                "--set=tdb:unionDefaultGraph=true",
                "--results=json",
                sparql,
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        if done.returncode != 0:
            raise EngineError(f"tdb2.tdbquery failed:\n{done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def load(cache: Path, nquads: Path, work: Path) -> Jena:
    """Install if needed and bulk-load ``nquads`` into a fresh TDB2 database under ``work``."""
    jars = install(cache)
    database = work / "tdb2"
    started = time.monotonic()
    done = subprocess.run(
        ["java", "-Xmx2g", "-cp", jars, "tdb2.tdbloader", f"--loc={database}", str(nquads)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise EngineError(f"tdb2.tdbloader failed on {nquads}:\n{done.stderr[-2000:]}")
    return Jena(database, jars, version(), time.monotonic() - started)
