"""Request bodies are read whole before the app runs, bounded in size and in time.

Why: a server that answers 413 and closes while the client is still sending leaves unread bytes
on the socket, so the kernel resets the connection. Clients that stop at the failed send
(urllib, hence SPARQLWrapper) or read after it (a reset can drop the answer on a real network)
then report "connection reset" or "broken pipe" instead of the 413 and its message.
:class:`BodyGuard` (WSGI middleware around the Flask app) therefore reads every request body first:

* a body within ``limit`` (``MAX_CONTENT_LENGTH``) reaches the app from memory, as a plain
  ``Content-Length`` body even when it came chunked;
* a longer body is read and discarded up to ``drain_max`` bytes (``MAX_DRAIN_BYTES``); the app then
  sees its length and no content and answers its usual 413, which the client reads after sending.
  A declared length beyond ``drain_max`` is not read at all: the 413 goes out at once and gunicorn
  closes the connection, which such a client may see as a reset;
* the whole body must arrive within ``timeout_s`` (``BODY_TIMEOUT_S``, give or take a tenth of a
  second): at the deadline the read side of the socket is shut, so a stalled or trickling body (a
  ``Content-Length`` that lies) cannot hold a thread; the app answers 400 when it reads such a
  body (413 if its declared length is already over the limit) and the connection is closed.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.wsgi import get_content_length

from endpoint.errors import EndpointError

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
STEP = 64 * 1024


@dataclass(frozen=True)
class Body:
    """What was read: the bytes kept (only within the limit), the size seen, and why it stopped short."""

    data: bytes
    size: int
    problem: str | None = None  # None: read to its end (or up to the drain cap)


class BodyGuard:
    """Read each request body (bounded by ``limit``, ``drain_max`` and ``timeout_s``) before ``app``."""

    def __init__(self, app: WSGIApp, limit: int, drain_max: int, timeout_s: float):
        self.app, self.limit, self.timeout_s = app, limit, timeout_s
        self.cap = max(limit, drain_max)  # the most read of any body
        self.watchdog = Watchdog(timeout_s)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        declared = get_content_length(environ)
        if chunked or declared:
            self._present(environ, self._read(environ, declared))
        return self.app(environ, start_response)

    def _read(self, environ: dict[str, Any], declared: int | None) -> Body:
        if declared is not None and declared > self.cap:
            return Body(b"", declared)  # not worth reading: answer and close
        deadline = self.watchdog.watch(_socket(environ))
        try:
            body = read_body(environ["wsgi.input"], declared, self.limit, self.cap)
        finally:
            cut = deadline.finish()
        if cut and body.problem is not None:
            return Body(body.data, body.size, "timeout")
        return body

    def _present(self, environ: dict[str, Any], body: Body) -> None:
        """Hand the body to the app: whole, as too large (length only), or failing when read."""
        declared = get_content_length(environ) or 0
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if max(declared, body.size) > self.limit:
            environ["CONTENT_LENGTH"] = str(max(declared, body.size))
            environ["wsgi.input"] = io.BytesIO()
        elif body.problem is not None:
            environ["CONTENT_LENGTH"] = str(max(declared, body.size, 1))
            environ["wsgi.input"] = FailingStream(self._message(body.problem))
        else:
            environ["CONTENT_LENGTH"] = str(body.size)
            environ["wsgi.input"] = io.BytesIO(body.data)

    def _message(self, problem: str) -> str:
        if problem == "timeout":
            return (
                f"the request body did not arrive within BODY_TIMEOUT_S = {self.timeout_s:g} s "
                "(is the Content-Length larger than the body sent?)"
            )
        return f"the request body could not be read: {problem}"


def read_body(stream: Any, declared: int | None, limit: int, cap: int) -> Body:
    """Read ``declared`` bytes (or to the end of a chunked body), keeping them only within ``limit``.

    A chunked body is read up to ``cap`` + 1 bytes; a short or failed read is the body's problem.
    """
    kept, size = bytearray(), 0
    want = declared if declared is not None else cap + 1
    try:
        while size < want:
            piece = stream.read(min(STEP, want - size))
            if not piece:
                break
            size += len(piece)
            if size <= limit:
                kept += piece
    except Exception as exc:  # noqa: BLE001 - gunicorn's parse errors are not OSError; any failure ends the body
        return Body(b"", size, f"{type(exc).__name__}: {exc}")
    if declared is not None and size < declared:
        return Body(b"", size, "the connection ended before the declared Content-Length")
    return Body(bytes(kept) if size <= limit else b"", size)


def _socket(environ: dict[str, Any]) -> socket.socket | None:
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if isinstance(sock, socket.socket) else None


class Deadline:
    """The time one body may take: ``expire`` shuts the read side of its socket unless ``finish``
    came first, so a blocked read returns at once however the client trickles its bytes."""

    def __init__(self, sock: socket.socket | None, at: float):
        self.sock, self.at = sock, at
        self.cut = self.done = False
        self.lock = threading.Lock()

    def expire(self) -> None:
        with self.lock:
            if self.done:
                return
            self.cut = True
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RD)
                except OSError:
                    pass

    def finish(self) -> bool:
        """Stop the clock; whether it had already cut the read side."""
        with self.lock:
            self.done = True
            return self.cut


class Watchdog:
    """Expires the deadlines of bodies still being read: one daemon thread per app and process,
    started on first use (so after gunicorn forks its workers), waking every ``tick_s`` while there
    is work. One thread instead of a timer per request, which would cost a thread start each time;
    every body gets the same time, so deadlines expire in the order they were set."""

    def __init__(self, seconds: float, tick_s: float = 0.1):
        self.seconds, self.tick_s = seconds, tick_s
        self.pending: deque[Deadline] = deque()
        self.wake = threading.Condition()
        self.pid: int | None = None

    def watch(self, sock: socket.socket | None) -> Deadline:
        deadline = Deadline(sock, time.monotonic() + self.seconds)
        with self.wake:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                self.pending.clear()
                threading.Thread(target=self._run, name="body-deadlines", daemon=True).start()
            self.pending.append(deadline)
            if len(self.pending) == 1:
                self.wake.notify()
        return deadline

    def _run(self) -> None:
        while True:
            with self.wake:
                while not self.pending:
                    self.wake.wait()
                now, due = time.monotonic(), []
                while self.pending and (self.pending[0].done or self.pending[0].at <= now):
                    due.append(self.pending.popleft())
            for deadline in due:
                deadline.expire()
            time.sleep(self.tick_s)


class FailingStream(io.RawIOBase):
    """A body that could not be read: reading it answers 400 with ``message`` (not an OSError,
    which Werkzeug would turn into its own generic 400)."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise EndpointError.bad_request(self.message)
