"""Serve the endpoint: gunicorn with several workers, or Flask's own server for development.

``serve(host, port, workers, dev)`` is what ``henan-kg serve`` calls (its options are defined there,
once; tests and bench start ``python -m kg.cli serve``). Each gunicorn worker builds its own app
(no preload), so each loads the graph once and forks its query engines from itself.

The request line and each header are bounded at :data:`endpoint.app.MAX_REQUEST_LINE` (8190
bytes, the most gunicorn allows): a multi-megabyte URL is refused as soon as its first 8 KiB are
read, instead of being read whole and parsed. :class:`QueryWorker` answers those refusals as the
app answers its errors (plain text, telling the client to POST the query), and reads what the
client still sends of them for a moment, so that the client can read the answer instead of a reset.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from endpoint.app import MAX_REQUEST_LINE, POST_INSTEAD, QUEUED_S, create_app, load_settings, request_threads

DRAIN_BYTES = 64 * 1024 * 1024  # what is read, at most, of an over-long request line or header
DRAIN_S = 1.0  # ... and for how long
DRAIN_IDLE_S = 0.25  # a client that sent nothing for this long has sent all it will


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from Python: options from a dict, the app from our factory."""

    def __init__(self, options: Mapping[str, Any], config: Mapping[str, Any] | None):
        self.options = dict(options)
        self.app_config = dict(config or {})
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.app_config)


_queued = threading.local()  # what the request this thread serves waited for it


class QueryWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, answering an over-long request line (414) or header (431) in
    the endpoint's plain-text error shape with the way out (POST), then draining the rest. It also
    tells the app (environ ``QUEUED_S``) how long a request waited for a thread, so that this wait
    counts against the query's time limit too."""

    wsgi: Any  # gunicorn's worker sets it in load_wsgi

    def enqueue_req(self, conn: Any) -> None:
        conn.henan_kg_enqueued = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        _queued.seconds = max(0.0, time.monotonic() - getattr(conn, "henan_kg_enqueued", time.monotonic()))
        return super().handle(conn)

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = self.wsgi

        def stamped(environ: dict[str, Any], start_response: Any) -> Any:
            environ[QUEUED_S] = getattr(_queued, "seconds", 0.0)
            return app(environ, start_response)

        self.wsgi = stamped

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        answer = limit_answer(exc)
        if answer is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("-",))[0], exc)  # as gunicorn logs it
        try:
            client.sendall(answer)
        except OSError:
            return
        drain(client)


def limit_answer(exc: BaseException) -> bytes | None:
    """The raw HTTP answer to gunicorn's request-line or header limit, None for other errors."""
    if isinstance(exc, LimitRequestLine):
        status = "414 URI Too Long"
        message = f"the request line is longer than {MAX_REQUEST_LINE} bytes; {POST_INSTEAD}"
    elif isinstance(exc, LimitRequestHeaders):
        status = "431 Request Header Fields Too Large"
        message = f"a request header is longer than {MAX_REQUEST_LINE} bytes, or there are too many headers ({exc})"
    else:
        return None
    body = f"{status}: {message}\n".encode()
    head = (
        f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    return head + body


def drain(client: socket.socket) -> None:
    """Read and drop what the client is still sending (up to DRAIN_BYTES, for DRAIN_S at most):
    a socket closed with unread bytes is reset, and a reset can drop the answer before it is read."""
    deadline, seen = time.monotonic() + DRAIN_S, 0
    try:
        while seen < DRAIN_BYTES and (left := deadline - time.monotonic()) > 0:
            client.settimeout(min(left, DRAIN_IDLE_S))
            piece = client.recv(256 * 1024)
            if not piece:
                return
            seen += len(piece)
    except OSError:  # socket.timeout included: the client has stopped sending
        return


def gunicorn_options(host: str, port: int, workers: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's settings for this app: threaded workers, generous worker timeout, bounded request line.

    ``limit_request_line`` is gunicorn's maximum (8190; 0 would mean "read any length", which took
    10 s for a 10 MiB URL); a query longer than fits in a URL is POSTed, up to MAX_QUERY_BYTES.
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": QueryWorker,
        "threads": request_threads(settings),
        "timeout": max(30, int(4 * settings["QUERY_TIMEOUT_S"])),
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": MAX_REQUEST_LINE,
        "limit_request_field_size": MAX_REQUEST_LINE,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    dev: bool = False,
    config: Mapping[str, Any] | None = None,
) -> None:
    """Serve until interrupted: Flask's threaded server if ``dev``, else gunicorn with ``workers``."""
    if dev:
        create_app(config).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    settings = load_settings(config)
    options = gunicorn_options(host, port, workers or settings["WORKERS"], settings)
    _Gunicorn(options, config).run()


if __name__ == "__main__":  # the options are henan-kg serve's alone
    raise SystemExit("python -m endpoint.serve is gone: run `henan-kg serve` (or `python -m kg.cli serve`)")
