"""Serve the endpoint: gunicorn with several workers, or Flask's own server for development.

``serve(host, port, workers, dev)`` is what ``henan-kg serve`` calls. Each gunicorn worker builds
its own app (no preload), so each loads the graph once and forks its query engines from itself.
``python -m endpoint.serve --port 8000`` does the same from a shell (tests and bench use it).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from endpoint.app import create_app, load_settings


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


def gunicorn_options(host: str, port: int, workers: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """gunicorn's settings for this app: threaded workers, generous worker timeout, long query lines.

    The request line is unlimited here because the app itself answers over-long queries with 413
    (``MAX_QUERY_BYTES``); gunicorn's own limit would answer a bare 414 page instead.
    """
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": settings["THREADS"],
        "timeout": max(30, int(4 * settings["QUERY_TIMEOUT_S"])),
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": 0,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None, dev: bool = False,
          config: Mapping[str, Any] | None = None) -> None:
    """Serve until interrupted: Flask's threaded server if ``dev``, else gunicorn with ``workers``."""
    if dev:
        create_app(config).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    settings = load_settings(config)
    options = gunicorn_options(host, port, workers or settings["WORKERS"], settings)
    _Gunicorn(options, config).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m endpoint.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: WORKERS setting).")
    parser.add_argument("--dev", action="store_true", help="Use Flask's own server (one process).")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.workers, args.dev)


if __name__ == "__main__":
    main()
