"""gzip for text responses when the client asks for it, as one ``after_request`` hook for every view.

SPARQL JSON and XML results, Turtle, N-Quads dumps and HTML pages shrink several times under gzip,
and the endpoint is often run without a proxy in front (``henan-kg serve``), so it compresses
itself: a response of a text-like type over :data:`MIN_BYTES` is gzipped when the request's
``Accept-Encoding`` allows gzip; a client that does not ask gets the identity bytes.

* Buffered bodies (query results, pages) are compressed whole. Streamed ones (``send_file``: dumps,
  editor assets) go through a ``zlib.compressobj`` chunk by chunk, so a dump is never held in
  memory; they lose ``Content-Length`` and ``Accept-Ranges`` (ranges would address the gzip bytes).
* Not compressed: a body already compressed (``.gz`` dumps are ``application/gzip``), a ``206``
  byte range (it addresses the identity bytes, so a resumed download stays identity), errors.
* An answer of the result cache carries a :class:`GzipMemo`: its gzip form is made on the first
  request that asks for it and kept with the cached entry, so a repeated GET costs no compression.
* Every response of a compressible type says ``Vary: Accept-Encoding`` and has its ``ETag`` made
  weak, as nginx does: its bytes differ between the two encodings but its content does not, and
  ``If-None-Match`` compares weakly, so a 304 works for gzip and identity clients alike.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, request

MIN_BYTES = 1024  # below this the gzip header and the CPU cost more than the bytes saved
LEVEL = 6  # zlib's default: most of level 9's gain at a fraction of its time
_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/n-triples",
        "application/n-quads",
        "application/sparql-query",
        "image/svg+xml",
    }
)


def accepts_gzip(header: str | None) -> bool:
    """Whether ``Accept-Encoding`` allows gzip: named (or ``x-gzip``) with q > 0, else through ``*``."""
    named: float | None = None
    star: float | None = None
    for part in (header or "").split(","):
        coding, _, params = part.strip().lower().partition(";")
        q = _q(params)
        if coding.strip() in ("gzip", "x-gzip"):
            named = q if named is None else max(named, q)
        elif coding.strip() == "*":
            star = q
    if named is not None:
        return named > 0
    return bool(star)


def _q(params: str) -> float:
    key, _, value = params.strip().partition("=")
    if key.strip() != "q":
        return 1.0
    try:
        return float(value)
    except ValueError:
        return 1.0


def compressible(response: Response) -> bool:
    """A text-like body that nobody has encoded yet."""
    mimetype = response.mimetype or ""
    if "Content-Encoding" in response.headers:
        return False
    return mimetype.startswith("text/") or mimetype in _TYPES or mimetype.endswith(("+json", "+xml"))


def compress(response: Response) -> Response:
    """The ``after_request`` hook: Vary and a weak ETag on compressible responses, gzip where asked."""
    if response.status_code not in (200, 304) or not compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    if response.status_code != 200 or not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    if response.is_streamed or response.direct_passthrough:
        return _gzip_stream(response)
    data = response.get_data()
    if len(data) >= MIN_BYTES:
        memo: GzipMemo | None = getattr(response, "gzip_memo", None)
        response.set_data(memo.compressed() if memo is not None and memo.body == data else gzip_bytes(data))
        response.headers["Content-Encoding"] = "gzip"
    return response


def gzip_bytes(data: bytes) -> bytes:
    """The one place bodies are gzipped whole (level :data:`LEVEL`, no timestamp: same bytes each time)."""
    return gzip.compress(data, LEVEL, mtime=0)


class GzipMemo:
    """The gzip form of one immutable body, made at most once: a cached answer keeps one, and a
    view hands it over as ``response.gzip_memo`` (see :func:`attach`). Two first requests at once
    may both compress; either result is the same bytes."""

    __slots__ = ("body", "_gzipped")

    def __init__(self, body: bytes):
        self.body = body
        self._gzipped: bytes | None = None

    def compressed(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip_bytes(self.body)
        return self._gzipped


def attach(response: Any, memo: GzipMemo) -> Any:
    """Let :func:`compress` take ``memo``'s gzip form for this response (when its body is the memo's)."""
    response.gzip_memo = memo
    return response


def _gzip_stream(response: Response) -> Response:
    if response.content_length is not None and response.content_length < MIN_BYTES:
        return response
    response.response = GzipStream(response.response)
    response.direct_passthrough = True  # bytes already; and Werkzeug must not buffer it to count them
    response.headers["Content-Encoding"] = "gzip"
    for name in ("Content-Length", "Accept-Ranges"):
        response.headers.pop(name, None)
    return response


class GzipStream:
    """The gzip form of an iterable of byte chunks, produced as it is read; ``close`` closes the
    source (a file), read or not (a HEAD request never reads it). A ``str`` chunk (a generator view
    may yield text) is encoded as UTF-8, as Werkzeug itself does."""

    def __init__(self, chunks: Iterable[str] | Iterable[bytes]):
        self.chunks = chunks
        self.zlib = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16 +: gzip framing

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            out = self.zlib.compress(chunk.encode() if isinstance(chunk, str) else chunk)
            if out:
                yield out
        yield self.zlib.flush()

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()
