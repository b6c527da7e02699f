"""What the engine modules of :mod:`bench.engines` share: a running engine, its start and stop."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def stop(engine: Engine, timeout_s: float = 30.0) -> None:
    """Terminate the engine's process (kill it after ``timeout_s``)."""
    engine.process.terminate()
    try:
        engine.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        engine.process.kill()
        engine.process.wait()
