"""One error shape for the endpoint: a status, a short title and a plain-text message.

Views raise :class:`EndpointError` through the named constructors below; :func:`register` installs
the one renderer, which also renders Werkzeug's own HTTP errors (404, 405, 413 …) the same way, so
every error a client sees is ``text/plain`` with a message that says what to change.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

log = logging.getLogger("henan_kg.endpoint")


class EndpointError(Exception):
    """An error answered to the client as ``status`` with a plain-text ``message``."""

    def __init__(self, status: int, title: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message
        self.headers = headers or {}

    @classmethod
    def bad_request(cls, message: str) -> EndpointError:
        """400: the request or the query is malformed, or asks for something refused (SERVICE)."""
        return cls(400, "Bad Request", message)

    @classmethod
    def forbidden(cls, message: str) -> EndpointError:
        """403: the endpoint is read-only; SPARQL Update is never executed."""
        return cls(403, "Forbidden", message)

    @classmethod
    def not_acceptable(cls, message: str) -> EndpointError:
        """406: no result format the client accepts fits the result kind."""
        return cls(406, "Not Acceptable", message)

    @classmethod
    def too_large(cls, message: str) -> EndpointError:
        """413: the query text is longer than ``MAX_QUERY_BYTES``, or the body than ``MAX_CONTENT_LENGTH``."""
        return cls(413, "Content Too Large", message)

    @classmethod
    def uri_too_long(cls, message: str) -> EndpointError:
        """414: a URL longer than the request line may be; the query should be POSTed."""
        return cls(414, "URI Too Long", message)

    @classmethod
    def unsupported_media_type(cls, message: str) -> EndpointError:
        """415: a POST body that is neither a form nor ``application/sparql-query``."""
        return cls(415, "Unsupported Media Type", message)

    @classmethod
    def unavailable(cls, message: str, retry_after_s: int | None = None) -> EndpointError:
        """503: a limit stopped the query (time limit, busy engine); the message names it."""
        headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
        return cls(503, "Service Unavailable", message, headers)


def render(error: EndpointError) -> Response:
    """The one rendering of every error: ``<status> <title>: <message>`` as UTF-8 plain text."""
    body = f"{error.status} {error.title}: {error.message}\n"
    response = Response(body, status=error.status, content_type="text/plain; charset=utf-8")
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def from_http_exception(exc: HTTPException) -> EndpointError:
    """Werkzeug's routing and body-size errors in our shape (405 keeps its ``Allow`` header)."""
    headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
    message = exc.description or exc.name
    if exc.code == 413:
        return EndpointError.too_large(body_too_large())
    return EndpointError(exc.code or 500, exc.name, message, headers)


def body_too_large() -> str:
    """The 413 message for a body over ``MAX_CONTENT_LENGTH``, with the numbers a client needs."""
    config = current_app.config
    return (
        f"the request body is longer than {config['MAX_CONTENT_LENGTH']} bytes, the limit for a query of "
        f"MAX_QUERY_BYTES = {config['MAX_QUERY_BYTES']} bytes (3 × MAX_QUERY_BYTES + 64 KiB); send a shorter query"
    )


def register(app: Flask) -> None:
    """Install the renderer for our errors, Werkzeug's, and (logged) anything unexpected."""

    @app.errorhandler(EndpointError)
    def _endpoint_error(error: EndpointError) -> Response:
        return render(error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return render(from_http_exception(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return render(EndpointError(500, "Internal Server Error", "unexpected error; it has been logged"))
