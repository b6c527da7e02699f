"""The wheel works anywhere: built from the project, installed into a fresh venv (versions pinned by
constraints.txt, pip's cache reused), then ``henan-kg build``, ``validate`` and ``serve`` run from
an empty directory unrelated to the checkout, and the endpoint answers a real query over HTTP."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests

from conftest import free_port, stop

ROOT = Path(__file__).resolve().parents[1]
# What the wheel is built from: the packages, data/ and examples/ (shipped as kg/data, kg/examples)
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
# what the wheel is built from: the files pyproject names, each top-level package and mapped folder
PROJECT = sorted(
    {"pyproject.toml", "README.md", "LICENSE", "LICENSE-DATA.md"}
    | {p.split(".")[0] for p in SETUPTOOLS["packages"]}
    | set(SETUPTOOLS["package-dir"].values())
)
NOTICE_TASKS = """PREFIX hgv: <https://w3id.org/henan-gov/def#>
SELECT (COUNT(?task) AS ?n) WHERE {
  ?task a hgv:Task . FILTER(STRSTARTS(STR(?task), "https://w3id.org/henan-gov/id/doc/henan/yuzheng/2026/4/task/"))
}"""


def expected_files() -> list[str]:
    """Every non-.py file the code reads, as it must appear in the wheel."""
    names = []
    for src, dest in (("data", "kg/data"), ("examples", "kg/examples")):
        names += [f"{dest}/{p.relative_to(ROOT / src).as_posix()}" for p in (ROOT / src).rglob("*") if p.is_file()]
    for package in ("shapes", "ontology", "endpoint"):
        names += [
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / package).rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")
        ]
    return sorted(names)


def clean_env() -> dict[str, str]:
    """The environment without anything pointing back at the checkout or its venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("HENAN_KG_")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by pip from a clean copy of the project (so no build/ or egg-info lands in it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path,
                src / name,
                ignore=lambda d, names: (
                    ignore(d, names) | ({"build"} if Path(d).resolve() == (ROOT / "kg").resolve() else set())
                ),
            )
        else:
            src.mkdir(exist_ok=True)
            shutil.copy(path, src / name)
    built = run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp / "dist"), "."], cwd=src)
    log = built.stdout + built.stderr
    # the set-up is clean: no setuptools deprecation (or other setuptools) warning
    noisy = [line for line in log.splitlines() if "deprecat" in line.lower() or "SetuptoolsWarning" in line]
    assert not noisy, "\n".join(noisy)
    (found,) = (tmp / "dist").glob("henan_gov_kg-*.whl")
    return found


def test_wheel_holds_the_data_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    missing = [n for n in expected_files() if n not in names]
    assert not missing, f"the wheel lacks {len(missing)} files the code reads (pyproject package-data?): {missing}"
    assert not any(n.startswith("kg/build/") or "__pycache__" in n for n in names)


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its pinned dependencies (pip's cache makes this quick)."""
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(env_dir)], capture_output=True, text=True)
    if made.returncode != 0:  # Debian's python3 may lack ensurepip; ./run falls back on virtualenv too
        shutil.rmtree(env_dir, ignore_errors=True)
        if importlib.util.find_spec("virtualenv") is None:
            pytest.fail(f"python -m venv failed and virtualenv is not installed:\n{made.stderr}")
        run([sys.executable, "-m", "virtualenv", "--quiet", str(env_dir)], cwd=env_dir.parent)
    python = env_dir / "bin" / "python"
    run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        cwd=env_dir.parent,
    )
    return env_dir


def test_build_validate_serve_from_an_empty_directory(venv: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    henan_kg = str(venv / "bin" / "henan-kg")
    # the installed package, not the checkout, is what runs
    where = run([str(venv / "bin" / "python"), "-c", "import release.files as f; print(f.DATA_ROOT, f.CHECKOUT)"], work)
    data_root, checkout = where.stdout.split()
    assert Path(data_root).is_relative_to(venv) and checkout == "None"

    built = run([henan_kg, "build"], work)
    build_dir = work / "henan-kg-build"
    assert f"published {build_dir}" in built.stdout
    assert (build_dir / "current" / "henan-kg.nq").is_file()
    assert list(work.iterdir()) == [build_dir]  # nothing written anywhere else here
    # the same graph as a checkout's build: every input file shipped, none added (input records are hashed)
    recorded = (ROOT / "tests" / "data" / "release-checksum.txt").read_text(encoding="utf-8").strip()
    assert f"checksum {recorded[:16]})" in built.stdout, built.stdout

    validated = run([henan_kg, "validate"], work)
    assert f"validating {build_dir}" in validated.stdout

    port = free_port()
    server = subprocess.Popen(
        [henan_kg, "serve", "--port", str(port), "--workers", "1"],
        cwd=work,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, f"henan-kg serve exited {server.returncode}:\n{server.stdout.read()}"
            try:
                answer = requests.get(
                    url,
                    params={"query": NOTICE_TASKS},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=30,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the endpoint did not start within 120 s"
                time.sleep(0.5)
        assert answer.status_code == 200, answer.text
        assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) == 148  # README: 148 numbered tasks
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=30)  # templates and static files are shipped
        assert page.status_code == 200
    finally:
        stop(server, timeout_s=30)
