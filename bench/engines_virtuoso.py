"""Virtuoso Open Source for :mod:`bench.engines`: Debian's package, a private database, bulk-loaded.

The install is one function, :func:`install`: ``apt-get install virtuoso-opensource`` when
``virtuoso-t`` is missing (as root, where apt is). The system service is never used: each run writes
its own ``virtuoso.ini`` into a fresh folder, with the database, the SQL port and the HTTP port
(``/sparql``) on 127.0.0.1 only, and bulk-loads the N-Quads dump with the loader Virtuoso documents
for large files (``ld_dir`` + ``rdf_loader_run``), each quad into its own named graph.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench.engines_common import Engine, EngineError, stop, wait_for_sparql
from bench.loadgen import free_port

PACKAGE = "virtuoso-opensource"
SERVER = "virtuoso-t"
ISQL = "isql-vt"
INI = """[Database]
DatabaseFile = {work}/virtuoso.db
ErrorLogFile = {work}/virtuoso.log
LockFile = {work}/virtuoso.lck
TransactionFile = {work}/virtuoso.trx
xa_persistent_file = {work}/virtuoso.pxa
MaxCheckpointRemap = 2000
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {work}/virtuoso-temp.db
TransactionFile = {work}/virtuoso-temp.trx
MaxCheckpointRemap = 2000

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {data}
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {work}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 600
"""


def install() -> str:
    """The path of ``virtuoso-t``, installing Debian's package first when it is missing.

    :raises EngineError: when it is missing and apt-get is not there or we are not root.
    """
    found = shutil.which(SERVER)
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise EngineError(f"{SERVER} is missing and cannot be installed here (needs apt-get as root: {PACKAGE})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", PACKAGE]):
        done = subprocess.run(step, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise EngineError(f"{' '.join(step)} failed:\n{done.stderr[-2000:]}")
    found = shutil.which(SERVER)
    if not found:
        raise EngineError(f"{PACKAGE} installed but {SERVER} is not on PATH")
    return found


def version(server: str) -> str:
    """The version line ``virtuoso-t -?`` prints (e.g. 'Version 07.20.3229')."""
    done = subprocess.run([server, "-?"], capture_output=True, text=True)
    match = re.search(r"Version (\S+)", done.stdout + done.stderr)
    return f"Virtuoso Open Source {match.group(1) if match else '?'}"


def isql(sql_port: int, sql: str, timeout_s: float = 1800) -> str:
    """Run SQL statements through ``isql-vt`` as dba; raise on any error it prints."""
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", f"EXEC={sql}"],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise EngineError(f"isql failed on {sql!r}:\n{output[-2000:]}")
    return output


def start(nquads: Path, work: Path) -> Engine:
    """Install if needed, start a private Virtuoso under ``work`` on loopback, bulk-load ``nquads``."""
    server = install()
    nquads = nquads.resolve()
    data = nquads.parent
    sql_port, http_port = free_port(), free_port()
    ini = work / "virtuoso.ini"
    ini.write_text(INI.format(work=work, data=data, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = work / "virtuoso-stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [server, "+foreground", "+configfile", str(ini)],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    engine = Engine("virtuoso", version(server), f"http://127.0.0.1:{http_port}", process, work / "virtuoso.log", 0.0)
    try:
        load(engine, sql_port, nquads)
    except BaseException:
        stop(engine)
        raise
    return engine


def load(engine: Engine, sql_port: int, nquads: Path) -> None:
    """Bulk-load ``nquads`` into the running engine once it answers; its load time goes in ``engine``."""
    wait_for_sparql(engine)
    started = time.monotonic()
    # each quad goes into its own graph; the third argument is only for triples without one (none)
    isql(sql_port, f"ld_dir('{nquads.parent}', '{nquads.name}', 'urn:henan-kg:none'); rdf_loader_run(); checkpoint;")
    engine.load_s = time.monotonic() - started
    failed = isql(sql_port, "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
    if nquads.name in failed:
        raise EngineError(f"Virtuoso's loader reported an error on {nquads}:\n{failed}")
