"""Releases in use: a server holds a shared lock on ``<release>/.in-use`` for as long as it runs,
and the build does not prune a release whose lock it cannot take, so dumps and pages of a release
still being served never disappear under it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

MARKER = ".in-use"


def pin(release: Path) -> IO[bytes] | None:
    """Hold a shared lock on ``release`` until the returned file is closed (None if read-only)."""
    try:
        f = open(release / MARKER, "ab")
    except OSError:
        return None
    fcntl.flock(f, fcntl.LOCK_SH)
    os.set_inheritable(f.fileno(), True)
    return f


def in_use(release: Path) -> bool:
    """Whether some process holds ``release`` pinned."""
    try:
        with open(release / MARKER, "ab") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False
