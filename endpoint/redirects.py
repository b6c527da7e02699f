"""IRIs that moved: the release's redirect table (``manifest.json`` → ``redirects``, old IRI path
prefix → new, below the data base), so that an IRI published by an earlier release still resolves.

Releases up to 0.2 named documents by a free slug (``notice/2026-4``); they are now named by their
jurisdiction, series and number (``doc/henan/yuzheng/2026/4``). A request for an old path, or for
anything below it (``notice/2026-4/task/17``), is answered ``301 Moved Permanently`` with the new
path and the rest of the old one (``doc/henan/yuzheng/2026/4/task/17``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response


def moved(table: Mapping[str, str], path: str) -> str | None:
    """The new path of ``path`` under ``table``: its longest old prefix (whole segments) replaced,
    or None when no prefix of it moved."""
    segments = path.split("/")
    for k in range(len(segments), 0, -1):
        new = table.get("/".join(segments[:k]))
        if new is not None:
            return "/".join([new, *segments[k:]])
    return None


def permanent(location: str, query: bytes = b"") -> Response:
    """``301 Moved Permanently`` to ``location``, the request's query string kept (``?format=ttl``)."""
    response = Response(status=301)
    response.headers["Location"] = location + ("?" + query.decode("latin-1") if query else "")
    return response
