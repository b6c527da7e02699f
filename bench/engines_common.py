"""What the engine modules of :mod:`bench.engines` share: a running engine, waiting for it, stopping it."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import loadgen

JSON = "application/sparql-results+json"


class EngineError(RuntimeError):
    """An engine could not be installed, loaded or started; the message says which step and why."""


@dataclass
class Engine:
    """A SPARQL engine we started: ``url`` is its base, ``url + '/sparql'`` its query endpoint."""

    name: str
    version: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    load_s: float

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def wait_for_sparql(engine: Engine, timeout_s: float = 120.0) -> None:
    """Return once ``ASK {}`` answers; raise with the log's tail if the engine exits or never answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise EngineError(f"{engine.name} exited with {engine.process.returncode}:\n{tail(engine.log)}")
        try:
            answer = requests.get(
                engine.sparql,
                params={"query": "ASK {}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=2,
            )
            if answer.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise EngineError(f"{engine.name} did not answer at {engine.sparql} in {timeout_s} s:\n{tail(engine.log)}")


def tail(log: Path, size: int = 2000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-size:]
    except OSError:
        return ""


def stop(engine: Engine, grace_s: float = 30.0) -> None:
    """End the engine's process group (it was started in a session of its own)."""
    loadgen.stop(engine.process, grace_s)
