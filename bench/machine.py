"""The machine a benchmark ran on, printed with its figures: they mean little without it."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("rdflib", "pyshacl", "pyoxigraph", "gunicorn", "flask")


def _proc_field(path: str, key: str) -> str:
    """The value of ``key:`` in a /proc file (cpuinfo, meminfo), or '' where there is none."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine(packages: tuple[str, ...] = PACKAGES) -> dict:
    """CPU count and model, memory, Python, kernel, load average and package versions."""
    kib = _proc_field("/proc/meminfo", "MemTotal").split()
    versions = {}
    for p in packages:
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = "absent"
    return {
        "nproc": os.cpu_count(),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "memory": f"{int(kib[0]) / 1024 / 1024:.1f} GiB" if kib else "",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "kernel": platform.release(),
        "load": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "versions": versions,
    }


def describe(info: dict | None = None) -> str:
    """One line for a report's header."""
    info = info or machine()
    return (
        f"{info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['python']}, kernel {info['kernel']}, "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; load average at start {info['load']}"
    )
