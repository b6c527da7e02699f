"""Request bodies over the limit, chunked, slow or lying: a clean answer, never a reset or a hang.

The limit is ``MAX_CONTENT_LENGTH`` = 3 × MAX_QUERY_BYTES + 64 KiB (125 536 bytes on
``endpoint_server``, where MAX_QUERY_BYTES = 20 000). A client that posts a bigger body must read
the 413 and its message, whichever way it sends (requests, urllib as SPARQLWrapper does, curl, a
raw socket, chunked): the server reads and discards the rest of the body before answering, up to
MAX_DRAIN_BYTES and BODY_TIMEOUT_S. Bodies that stall (a ``Content-Length`` that lies) are
answered or closed within BODY_TIMEOUT_S, not held until the client gives up.
"""

from __future__ import annotations

import gzip
import http.client
import io
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

from conftest import ENDPOINT_TEST_SETTINGS, Server, gunicorn_server, thread_server

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
LIMIT = 3 * ENDPOINT_TEST_SETTINGS["MAX_QUERY_BYTES"] + 64 * 1024
BIG = 20 * 1024 * 1024
ATTEMPTS = 3
SHORT = {**ENDPOINT_TEST_SETTINGS, "BODY_TIMEOUT_S": 1, "MAX_DRAIN_BYTES": 4 * 1024 * 1024}


def names_the_limit(text: str) -> bool:
    return "413" in text and "MAX_QUERY_BYTES" in text


@pytest.fixture(scope="module")
def short_server(mini_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn with BODY_TIMEOUT_S = 1 and MAX_DRAIN_BYTES = 4 MiB, for the stalled and capped cases."""
    log = tmp_path_factory.mktemp("body-logs") / "gunicorn.log"
    with gunicorn_server(mini_release, log, **SHORT) as server:
        yield server


# --- a client that sends exactly what it is told -------------------------------------------------


@dataclass
class Raw:
    """What a raw client saw: body bytes sent, the error that stopped sending, the answer."""

    sent: int
    send_error: str | None
    status: int | None  # None: no answer (reset, or closed without one)
    body: bytes
    recv_error: str | None
    seconds: float
    sock: socket.socket


def raw_post(
    url: str,
    head: bytes,
    total: int,
    *,
    ctype: str = DIRECT,
    chunked: bool = False,
    declared: int | None = None,
    stop_after: int | None = None,
    piece: int = 64 * 1024,
    pause_s: float = 0.0,
    timeout_s: float = 20.0,
) -> Raw:
    """POST ``head`` + ``x`` × (total − len(head)) to /sparql; ``stop_after`` bytes, then stall.

    The socket stays open (``Raw.sock``, closed by the caller) so a stalled body stays stalled
    while the answer is awaited."""
    u = urlsplit(url)
    sock = socket.create_connection((u.hostname, u.port), timeout=timeout_s)
    started = time.monotonic()
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % (declared or total)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%s\r\n\r\n"
        % (u.netloc.encode(), ctype.encode(), framing)
    )
    sent, send_error = 0, None
    body = head + b"x" * (total - len(head))
    end = total if stop_after is None else stop_after
    try:
        while sent < end:
            data = body[sent : min(end, sent + piece)]
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            sent += len(data)
            if pause_s:
                time.sleep(pause_s)
        if chunked and stop_after is None:
            sock.sendall(b"0\r\n\r\n")
    except OSError as exc:
        send_error = type(exc).__name__
    status, answer, recv_error = read_answer(sock)
    return Raw(sent, send_error, status, answer, recv_error, time.monotonic() - started, sock)


def read_answer(sock: socket.socket) -> tuple[int | None, bytes, str | None]:
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        return response.status, response.read(), None
    except (OSError, http.client.HTTPException) as exc:
        return None, b"", type(exc).__name__


def ask_on(sock: socket.socket, host: str) -> tuple[int | None, bytes, str | None]:
    """A second request on the same connection: works only if the first body was consumed."""
    sock.sendall(
        b"GET /sparql?query=ASK%%7B%%7D HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n\r\n" % host.encode()
    )
    return read_answer(sock)


# --- over the limit, sent whole --------------------------------------------------------------------


@pytest.mark.parametrize("ctype,head", [(FORM, b"query="), (DIRECT, b"ASK {} #")])
def test_requests_gets_413_for_a_20_mb_body(endpoint_server, ctype, head):
    for _ in range(ATTEMPTS):
        r = requests.post(endpoint_server.sparql, data=head + b"x" * BIG, headers={"Content-Type": ctype}, timeout=60)
        assert r.status_code == 413 and names_the_limit(r.text), r.text
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_form_413_names_the_body_limit_in_bytes(endpoint_server):
    r = requests.post(endpoint_server.sparql, data=b"query=" + b"x" * BIG, headers={"Content-Type": FORM})
    assert r.status_code == 413 and f"{LIMIT} bytes" in r.text, r.text


@pytest.mark.parametrize("ctype,head", [(FORM, b"query="), (DIRECT, b"ASK {} #")])
def test_urllib_gets_413_for_a_20_mb_body(endpoint_server, ctype, head):
    """urllib (under SPARQLWrapper) does not read an answer once sending failed: the body must be read."""
    for _ in range(ATTEMPTS):
        request = urllib.request.Request(
            endpoint_server.sparql, data=head + b"x" * BIG, headers={"Content-Type": ctype}
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=60)
        assert caught.value.code == 413 and names_the_limit(caught.value.read().decode())


@pytest.mark.parametrize("request_method", [URLENCODED, POSTDIRECTLY])
def test_sparqlwrapper_gets_413_for_a_20_mb_query(endpoint_server, request_method):
    sparql = SPARQLWrapper(endpoint_server.sparql)
    sparql.setMethod(POST)
    sparql.setRequestMethod(request_method)
    sparql.setReturnFormat(JSON)
    sparql.setQuery("ASK {} #" + "x" * BIG)
    with pytest.raises(urllib.error.HTTPError) as caught:
        sparql.query()
    assert caught.value.code == 413 and names_the_limit(caught.value.read().decode())


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")
def test_curl_gets_413_for_a_20_mb_body(endpoint_server, tmp_path):
    big = tmp_path / "big.rq"
    big.write_bytes(b"ASK {} #" + b"x" * BIG)
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-H",
            f"Content-Type: {DIRECT}",
            "--data-binary",
            f"@{big}",
            "-w",
            "\n%{http_code}",
            endpoint_server.sparql,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.endswith("\n413") and names_the_limit(out.stdout)


@pytest.mark.parametrize("ctype,head", [(FORM, b"query="), (DIRECT, b"ASK {} #")])
def test_a_slow_raw_sender_sends_everything_then_reads_413(endpoint_server, ctype, head):
    raw = raw_post(endpoint_server.sparql, head, 4 * 1024 * 1024, ctype=ctype, pause_s=0.002)
    try:
        assert raw.send_error is None and raw.sent == 4 * 1024 * 1024, raw
        assert raw.status == 413 and names_the_limit(raw.body.decode()), raw
        status, body, _ = ask_on(raw.sock, urlsplit(endpoint_server.url).netloc)  # the body was consumed
        assert status == 200 and b"boolean" in body
    finally:
        raw.sock.close()


# --- chunked (no Content-Length) --------------------------------------------------------------------


def pieces(head: bytes, total: int, piece: int = 1024 * 1024) -> Iterator[bytes]:
    yield head
    for start in range(len(head), total, piece):
        yield b"x" * min(piece, total - start)


@pytest.mark.parametrize("ctype,head", [(FORM, b"query="), (FORM, b"query=ASK+%7B%7D&pad="), (DIRECT, b"ASK {} #")])
def test_chunked_body_over_the_limit_is_413(endpoint_server, ctype, head):
    """Also when the part within the limit would be a good query: the body is over the limit."""
    r = requests.post(endpoint_server.sparql, data=pieces(head, BIG), headers={"Content-Type": ctype}, timeout=60)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 413 and names_the_limit(r.text), r.text


def test_chunked_body_within_the_limit_is_answered(endpoint_server):
    r = requests.post(
        endpoint_server.sparql,
        data=pieces(b"ASK {} #", 10_000, 1000),
        headers={"Content-Type": DIRECT, "Accept": "application/json"},
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_raw_chunked_sender_reads_413(endpoint_server):
    raw = raw_post(endpoint_server.sparql, b"ASK {} #", BIG, chunked=True, piece=256 * 1024)
    try:
        assert raw.send_error is None and raw.status == 413 and names_the_limit(raw.body.decode()), raw
    finally:
        raw.sock.close()


# --- stalled bodies and bodies beyond the drain cap -------------------------------------------------


def ends_cleanly(raw: Raw, statuses: tuple[int, ...]) -> bool:
    """An answer with one of ``statuses``, or the connection closed without one (not reset)."""
    return raw.status in statuses or (raw.status is None and raw.recv_error == "RemoteDisconnected")


@pytest.mark.parametrize("ctype", [FORM, DIRECT])
def test_a_content_length_that_lies_is_400_within_the_body_timeout(short_server, ctype):
    raw = raw_post(short_server.sparql, b"query=ASK", 10, ctype=ctype, declared=15_000)  # within both limits
    try:
        assert raw.seconds < 1 + 4, raw
        assert raw.status == 400 and b"BODY_TIMEOUT_S" in raw.body, raw
    finally:
        raw.sock.close()
    assert requests.get(short_server.url + "/health", timeout=5).status_code == 200


@pytest.mark.parametrize("framing", [{"declared": BIG}, {"chunked": True}], ids=["lying-content-length", "chunked"])
def test_a_stalled_body_over_the_limit_ends_within_the_body_timeout(short_server, framing):
    raw = raw_post(short_server.sparql, b"ASK {} #", BIG, stop_after=1024 * 1024, **framing)
    try:
        assert raw.seconds < 1 + 4, raw
        assert ends_cleanly(raw, (400, 413)), raw
    finally:
        raw.sock.close()


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_beyond_the_drain_cap_is_answered_or_cut_off_at_once(short_server, chunked):
    """Beyond MAX_DRAIN_BYTES the server answers 413 and closes: the client may see a reset then."""
    raw = raw_post(short_server.sparql, b"ASK {} #", BIG, chunked=chunked, piece=256 * 1024)
    try:
        assert raw.seconds < 10, raw
        assert raw.status in (413, None), raw
        if raw.status == 413:
            assert names_the_limit(raw.body.decode())
    finally:
        raw.sock.close()
    assert requests.get(short_server.url + "/health", timeout=5).status_code == 200


def test_a_body_within_the_drain_cap_is_drained_on_the_short_server(short_server):
    r = requests.post(short_server.sparql, data=b"query=" + b"x" * (3 * 1024 * 1024), headers={"Content-Type": FORM})
    assert r.status_code == 413 and names_the_limit(r.text)


# --- the middleware on its own, and under Werkzeug's server -----------------------------------------


def through_guard(
    body: bytes, limit: int = 100, drain_max: int = 1000, chunked: bool = False
) -> tuple[dict, bytes, int]:
    """What the app behind :class:`endpoint.body.BodyGuard` sees: its environ, its body, and how much was left."""
    from endpoint.body import BodyGuard

    seen: dict = {}

    def app(environ, start_response):
        seen.update(environ, body=environ["wsgi.input"].read())
        return [b""]

    source = io.BytesIO(body)
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": source}
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {"CONTENT_LENGTH": str(len(body))})
    BodyGuard(app, limit, drain_max, 5.0)(environ, lambda *a: None)
    return seen, seen["body"], len(body) - source.tell()


def test_guard_hands_a_body_within_the_limit_to_the_app_whole():
    for chunked in (False, True):
        environ, body, left = through_guard(b"query=ASK%7B%7D", chunked=chunked)
        assert body == b"query=ASK%7B%7D" and environ["CONTENT_LENGTH"] == "15" and left == 0
        assert "HTTP_TRANSFER_ENCODING" not in environ
    assert through_guard(b"x" * 100, drain_max=0)[1] == b"x" * 100  # the drain cap never cuts a body in the limit


def test_guard_drains_a_body_over_the_limit_up_to_the_cap():
    environ, body, left = through_guard(b"x" * 900)
    assert (body, environ["CONTENT_LENGTH"], left) == (b"", "900", 0)
    environ, body, left = through_guard(b"x" * 5000)  # beyond the cap: not read, still announced
    assert (body, environ["CONTENT_LENGTH"], left) == (b"", "5000", 5000)
    environ, body, left = through_guard(b"x" * 5000, chunked=True)
    assert body == b"" and int(environ["CONTENT_LENGTH"]) > 100 and left == 5000 - 1001


def test_body_settings_are_checked():
    from endpoint.app import SettingError, load_settings

    assert load_settings({}, {})["MAX_DRAIN_BYTES"] == 64 * 1024 * 1024
    assert load_settings({}, {"HENAN_KG_BODY_TIMEOUT_S": "2.5"})["BODY_TIMEOUT_S"] == 2.5
    with pytest.raises(SettingError, match="BODY_TIMEOUT_S"):
        load_settings({"BODY_TIMEOUT_S": 0}, {})
    with pytest.raises(SettingError, match="MAX_DRAIN_BYTES"):
        load_settings({"MAX_DRAIN_BYTES": -1}, {})


def test_werkzeug_server_also_answers_413_after_reading_the_body(mini_release):
    with thread_server(RELEASE_DIR=str(mini_release), MAX_QUERY_BYTES=20_000, ACCESS_LOG=False) as server:
        for ctype, head in [(FORM, b"query="), (DIRECT, b"ASK {} #")]:
            request = urllib.request.Request(server.sparql, data=head + b"x" * BIG, headers={"Content-Type": ctype})
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, timeout=60)
            assert caught.value.code == 413 and names_the_limit(caught.value.read().decode())
        ok = requests.post(server.sparql, data={"query": "ASK {}"}, headers={"Accept": "application/json"})
        assert ok.status_code == 200 and ok.json()["boolean"] is True


# --- gzip of cached answers -------------------------------------------------------------------------

ALL_TRIPLES = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"  # the mini graph's 68 rows: about 15 KB of JSON


def _wire_get(url: str, encoding: str) -> tuple[requests.Response, bytes]:
    """GET ALL_TRIPLES and the body as it came over the wire."""
    response = requests.get(
        url, params={"query": ALL_TRIPLES}, headers={"Accept-Encoding": encoding}, stream=True, timeout=10
    )
    return response, response.raw.read(decode_content=False)


@pytest.mark.parametrize("cache_bytes, compressions", [(16 * 1024 * 1024, 1), (0, 3)])
def test_a_cached_answer_is_gzipped_once(mini_release, monkeypatch, cache_bytes, compressions):
    """Three gzip GETs of one query (and an identity one between) compress once with the result
    cache on; with it off every gzip GET compresses (the counter sees real compressions)."""
    from endpoint import compress

    calls: list[int] = []
    real = compress.gzip_bytes

    def counting(data: bytes) -> bytes:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(compress, "gzip_bytes", counting)
    settings = {"RELEASE_DIR": str(mini_release), "RESULT_CACHE_BYTES": cache_bytes, "ACCESS_LOG": False}
    with thread_server(**settings) as server:
        first, first_body = _wire_get(server.sparql, "gzip")
        plain, plain_body = _wire_get(server.sparql, "identity")
        again = [_wire_get(server.sparql, "gzip") for _ in range(2)]
    assert first.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert len(plain_body) > compress.MIN_BYTES and gzip.decompress(first_body) == plain_body
    assert all(r.headers["Content-Encoding"] == "gzip" and body == first_body for r, body in again)
    assert calls == [len(plain_body)] * compressions
