"""Shared fixtures: the real build, published once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import build as b


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> b.Release:
    """One real build of the real sources (validated, dumped, loaded), shared read-only."""
    return b.build(tmp_path_factory.mktemp("kg-build"))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build directory with a published release that the test module may rebuild or break."""
    build_dir = tmp_path_factory.mktemp("kg-published")
    b.build(build_dir)
    return build_dir
