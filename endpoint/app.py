"""The Flask application factory of the SPARQL endpoint.

Settings are declared once in :data:`SETTINGS` (name, default, help). Values come from the
defaults, then ``HENAN_KG_<NAME>`` environment variables, then the ``config`` mapping given to
:func:`create_app`; each is converted to its default's type, so a bad value fails at start-up with
the setting's name. The factory opens the release (:class:`endpoint.graph.KnowledgeGraph`), starts
the query engines (:class:`endpoint.executor.Executor`), registers the ``/sparql`` blueprint and,
if the module exists, ``endpoint.pages:bp`` (query page, Linked Data, ontology, VoID).

Request bodies go through :class:`endpoint.body.BodyGuard` first: one longer than
``MAX_CONTENT_LENGTH`` (3 × MAX_QUERY_BYTES + 64 KiB) is read and discarded up to
``MAX_DRAIN_BYTES`` within ``BODY_TIMEOUT_S`` and then answered 413, so that clients still sending
read the 413 instead of a connection reset.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request

from endpoint import compress, errors
from endpoint.body import BodyGuard
from endpoint.cache import ByteLRU
from endpoint.executor import Executor
from endpoint.graph import KnowledgeGraph
from mappings.iris import DEFAULT_BASE
from release.files import BUILD_DIR

ENV_PREFIX = "HENAN_KG"
# Longest request line and header (bytes): gunicorn's maximum, which serve.py sets; the app holds
# query strings to it too, so that Werkzeug's server (65536) answers alike.
MAX_REQUEST_LINE = 8190
POST_INSTEAD = "send a long query by POST instead (form-encoded query=..., or a body of type application/sparql-query)"
access_log = logging.getLogger("henan_kg.access")
# WSGI environ key: seconds the request waited for a thread before the app saw it (endpoint.serve)
QUEUED_S = "henan_kg.queued_s"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    shown: str = ""  # how the help names a default that depends on the machine (a path, the cores)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RELEASE_DIR",
        str(BUILD_DIR / "current"),
        "Published release to serve (a symlink is resolved once at start-up).",
        "current of the build directory: $HENAN_KG_BUILD_DIR, else kg/build of a checkout, else ./henan-kg-build",
    ),
    Setting("BASE", DEFAULT_BASE, "Data namespace of the served graph where its release manifest names none."),
    Setting(
        "STORE_MODE",
        "memory",
        "'memory': load henan-kg.nq into RAM in each worker; 'disk': open the release's store/ read-only.",
    ),
    Setting(
        "QUERY_TIMEOUT_S",
        5.0,
        "Hard time limit of one query in seconds; the query's process is killed and the client gets 503.",
    ),
    Setting(
        "MAX_RESULT_BYTES",
        32 * 1024 * 1024,
        "Largest serialised result; a larger one is refused with a 400 that names this setting.",
    ),
    Setting(
        "MAX_QUERY_BYTES",
        64 * 1024,
        "Longest query text in bytes; longer ones get 413. A request body may be 3 × this + 64 KiB.",
    ),
    Setting(
        "MAX_DRAIN_BYTES",
        64 * 1024 * 1024,
        "A body over the limit is read and discarded up to this size, so the client can read its 413; "
        "beyond it the 413 is sent and the connection closed (the client may see a reset).",
    ),
    Setting(
        "BODY_TIMEOUT_S",
        10.0,
        "Time a request body may take to arrive; a body still incomplete then gets 400 (413 if "
        "over the limit) and the connection is closed.",
    ),
    Setting(
        "SERVICE_ALLOWLIST",
        [],
        "Endpoints a SERVICE clause may call (exact IRIs, comma-separated in the environment); empty: none.",
    ),
    Setting(
        "RESULT_CACHE_BYTES",
        64 * 1024 * 1024,
        "Per-worker cache of serialised answers (the graph never changes under a worker); 0 turns it off.",
    ),
    Setting(
        "ENGINE_MEMORY_MB",
        2048,
        "Memory one query may use on top of the shared graph; a query needing more gets 503. 0: no cap.",
    ),
    Setting(
        "WORKERS",
        max(2, os.cpu_count() or 1),
        "gunicorn worker processes (one per core: the queries themselves run in engine processes).",
        "one per core, at least 2",
    ),
    Setting(
        "THREADS",
        4,
        "Query engine processes per worker for any query (at lowered CPU priority); a worker serves "
        "4 × (THREADS + LIGHT_ENGINES) requests at once, those beyond its engines waiting for one.",
    ),
    Setting(
        "LIGHT_ENGINES",
        1,
        "Engines per worker reserved for queries predicted light (seen using at most half of LIGHT_QUERY_S "
        "of CPU and never stopped, or new with a LIMIT and no ORDER BY, GROUP BY, OFFSET or aggregate), "
        "so they need not wait behind heavy ones. 0: none.",
    ),
    Setting(
        "LIGHT_QUERY_S",
        0.25,
        "Longest run of a query in a light engine; one still running then goes on in a general engine "
        "and is not predicted light again.",
    ),
    Setting("CORS_ORIGIN", "*", "Value of Access-Control-Allow-Origin; empty: no CORS headers."),
    Setting(
        "CACHE_MAX_AGE_S",
        3600,
        "max-age of GET /sparql answers (each has an ETag from the graph checksum, so a cache revalidates "
        "with a 304 after that); the graph changes only at a release. 0: revalidate every time.",
    ),
    Setting("ACCESS_LOG", True, "Log one line per request with status, query time and result size."),
)
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


def request_threads(settings: Mapping[str, Any]) -> int:
    """Threads per gunicorn worker: enough that requests wait for an engine in the app, where the wait
    counts against QUERY_TIMEOUT_S and a light query can pass heavy ones, not in gunicorn's queue."""
    return 4 * (int(settings["THREADS"]) + int(settings["LIGHT_ENGINES"]))


def settings_help() -> str:
    """The settings table as text (for ``henan-kg serve --help-settings`` or docs)."""
    width = max(len(ENV_PREFIX) + 1 + len(s.name) for s in SETTINGS)
    lines = []
    for s in SETTINGS:
        default = s.shown or repr(",".join(s.default) if isinstance(s.default, list) else s.default)
        lines.append(f"{ENV_PREFIX}_{s.name:<{width - len(ENV_PREFIX) - 1}}  {s.help} (default: {default})")
    return "\n".join(lines)


class SettingError(ValueError):
    """A setting has a value of the wrong kind."""


def _coerce(setting: Setting, value: Any) -> Any:
    default = setting.default
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            return frozenset(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingError(f"{ENV_PREFIX}_{setting.name}={value!r}: {exc}") from exc


def load_settings(config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by ``HENAN_KG_*`` variables, overridden by ``config``; typed."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = dict(DEFAULTS)
    for setting in SETTINGS:
        env = environ.get(f"{ENV_PREFIX}_{setting.name}")
        if env is not None:
            values[setting.name] = env
    values.update(config or {})
    for setting in SETTINGS:
        values[setting.name] = _coerce(setting, values[setting.name])
    if values["STORE_MODE"] not in ("memory", "disk"):
        raise SettingError(f"{ENV_PREFIX}_STORE_MODE must be 'memory' or 'disk', not {values['STORE_MODE']!r}")
    for name in ("QUERY_TIMEOUT_S", "MAX_RESULT_BYTES", "MAX_QUERY_BYTES", "THREADS", "WORKERS", "BODY_TIMEOUT_S"):
        if values[name] <= 0:
            raise SettingError(f"{ENV_PREFIX}_{name} must be positive")
    if values["LIGHT_QUERY_S"] <= 0:
        raise SettingError(f"{ENV_PREFIX}_LIGHT_QUERY_S must be positive")
    for name in ("ENGINE_MEMORY_MB", "MAX_DRAIN_BYTES", "CACHE_MAX_AGE_S", "LIGHT_ENGINES"):
        if values[name] < 0:
            raise SettingError(f"{ENV_PREFIX}_{name} must be 0 or more")
    return values


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, graph, engines, blueprints, CORS and the access log."""
    app = Flask(__name__)
    settings = load_settings(config)
    app.config.update(settings)
    app.config.update({k: v for k, v in (config or {}).items() if k not in DEFAULTS})
    app.config["MAX_CONTENT_LENGTH"] = 3 * settings["MAX_QUERY_BYTES"] + 64 * 1024
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]
    app.wsgi_app = BodyGuard(  # type: ignore[method-assign]
        app.wsgi_app,
        app.config["MAX_CONTENT_LENGTH"],
        settings["MAX_DRAIN_BYTES"],
        settings["BODY_TIMEOUT_S"],
    )

    kg = KnowledgeGraph.open(settings["RELEASE_DIR"], settings["STORE_MODE"])
    executor = Executor(
        kg.open_store,
        settings["THREADS"],
        prefixes=_prefixes(kg),
        open_default_store=kg.open_default_store,
        isolate_network=not settings["SERVICE_ALLOWLIST"],
        memory_mb=settings["ENGINE_MEMORY_MB"],
        light_engines=settings["LIGHT_ENGINES"],
        light_query_s=settings["LIGHT_QUERY_S"],
    )
    executor.start(prefork=settings["THREADS"])
    app.extensions["henan_kg"] = kg
    app.extensions["henan_kg.executor"] = executor
    app.extensions["henan_kg.cache"] = ByteLRU(settings["RESULT_CACHE_BYTES"])

    errors.register(app)
    from endpoint.sparql import bp as sparql_bp

    app.register_blueprint(sparql_bp)
    app.add_url_rule("/health", "health", health)
    if importlib.util.find_spec("endpoint.pages") is not None:
        app.register_blueprint(importlib.import_module("endpoint.pages").bp)
    app.before_request(_start_clock)
    app.after_request(_finish)
    app.after_request(compress.compress)  # hooks run last-registered first: the log sees the bytes sent
    if settings["ACCESS_LOG"] and not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
    return app


def _prefixes(kg: KnowledgeGraph) -> dict[str, str]:
    try:
        from mappings.iris import PREFIXES
    except ImportError:
        PREFIXES = {}
    prefixes = dict(PREFIXES)
    if kg.base:
        prefixes["hgd"] = kg.base
    return prefixes


def health() -> Response:
    """For orchestrators: the graph this worker serves."""
    kg: KnowledgeGraph = current_app.extensions["henan_kg"]
    body = {
        "status": "ok",
        "checksum": kg.checksum,
        "triples": kg.triples,
        "release": kg.release_dir.name,
        "store": kg.mode,
        "pid": os.getpid(),
    }
    return Response(
        json.dumps(body), content_type="application/json; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


def _start_clock() -> None:
    g.started = time.perf_counter()
    # the query's time limit runs from here, less what the request waited for a server thread
    g.arrived = time.monotonic() - float(request.environ.get(QUEUED_S, 0.0))
    if len(request.environ.get("QUERY_STRING", "")) > MAX_REQUEST_LINE:
        message = f"the query string is longer than {MAX_REQUEST_LINE} bytes; {POST_INSTEAD}"
        raise errors.EndpointError.uri_too_long(message)


# Response headers a browser script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "ETag, Content-Type, Content-Disposition, Content-Encoding, X-Added-Prefixes"


def _cors(response: Response) -> None:
    """CORS for browser clients (YASGUI elsewhere, notebooks): any origin by default. A preflight
    gets back the very headers it asks for, as Oxigraph's server does, so a client sending its own
    headers (Authorization for a proxy, X-Requested-With) is not refused by a fixed list."""
    origin = current_app.config["CORS_ORIGIN"]
    if not origin:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers", "").strip()
        response.headers["Access-Control-Allow-Headers"] = asked or "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
        if asked:
            response.vary.add("Access-Control-Request-Headers")


def _sent_bytes(response: Response) -> int | str:
    """The body's length for the log, without reading a stream (a dump sent as it is compressed)."""
    if response.content_length is not None:
        return response.content_length
    return "-" if response.is_streamed else response.calculate_content_length() or 0


def _finish(response: Response) -> Response:
    _cors(response)
    if request.path == "/sparql":
        response.vary.add("Accept")
    if current_app.config["ACCESS_LOG"]:
        total_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        query_ms = g.get("query_ms")
        access_log.info(
            '%s "%s %s" %s %sB query=%s total=%.1fms form=%s cache=%s pid=%s',
            request.remote_addr or "-",
            request.method,
            request.path,
            response.status_code,
            g.get("result_bytes", _sent_bytes(response)),
            f"{query_ms:.1f}ms" if query_ms is not None else "-",
            total_ms,
            g.get("query_form") or "-",
            g.get("cache", "-"),
            os.getpid(),
        )
    return response
