"""Run untrusted queries under a hard time limit, in child processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so each gunicorn worker
keeps a small pool of *engine* processes. They are forked, through one *zygote* process, from the
worker after its store is loaded, so the in-memory graph is shared copy-on-write and never reloaded.
A query is sent to an idle engine over a socket pair; the engine evaluates it, serialises the
result with pyoxigraph's own serialiser into a buffer capped at ``max_bytes``, and sends it back.
(The answer is complete before the first byte goes to the client: that is what lets a time limit
or the size cap be a clear 503/400 instead of a 200 cut short.)
If the answer is not there by the deadline the worker SIGKILLs the engine (its CPU is free at once)
and a fresh one is forked on demand. An engine that has run for ``renice_after_s`` is lowered in
priority so that short queries from other clients keep the CPU, and is retired after its query,
as is one whose memory grew by more than :data:`RETIRE_AFTER_GROWTH_MB`; an engine may also be
capped in memory (``memory_mb``), so that a query needing too much aborts its engine only.

The zygote exists so that every fork happens in a process with a single thread and no client
sockets: it closes every inherited file descriptor, and (best effort) moves itself into a network
namespace of its own when no SERVICE target is allowed, so engines cannot open connections even if
a SERVICE slipped past :mod:`endpoint.screen`.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import marshal
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import IO, TypeAlias, cast

import pyoxigraph as ox

from endpoint.negotiation import BY_NAME, GRAPH, RESULTS

log = logging.getLogger("henan_kg.endpoint")

_FRAME = struct.Struct("!II")  # lengths of the marshalled header and of the body
Field: TypeAlias = str | bytes | int | bool | None | tuple[str, ...]  # what a header carries: Job or Outcome fields
# An engine whose peak memory grew this much over its start keeps that heap (malloc rarely gives it
# back), so it is retired after answering and a fresh, small one forked when needed.
RETIRE_AFTER_GROWTH_MB = 256


@dataclass(frozen=True)
class Job:
    """One query to evaluate; formats are :data:`endpoint.negotiation.FORMATS` names or ``None``."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union_default: bool
    results_format: str | None
    graph_format: str | None
    max_bytes: int


@dataclass(frozen=True)
class Outcome:
    """What an engine answered. ``status``: ok, syntax, error, not_acceptable or too_large."""

    status: str
    kind: str | None = None
    format: str | None = None
    body: bytes = b""
    message: str = ""
    form: str | None = None


class QueryTimeout(Exception):
    """The engine did not answer before the deadline and was killed."""


class EngineBusy(Exception):
    """Every engine of this worker stayed busy for as long as the caller could wait."""


class EngineLost(Exception):
    """The engine process died or broke the protocol; ``before_start``: it never got the job."""

    def __init__(self, message: str, before_start: bool = False):
        super().__init__(message)
        self.before_start = before_start


class ResultTooLarge(Exception):
    """Raised from inside a serialiser when the output passes its cap."""


class CappedBuffer:
    """A binary sink for pyoxigraph's serialisers that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge(self.size)
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Serialisers flush at the end; nothing to do."""

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def run_job(store: ox.Store, job: Job, prefixes: dict[str, str]) -> Outcome:
    """Evaluate and serialise one job in this process (the engine's whole work)."""
    try:
        result = store.query(
            job.query,
            use_default_graph_as_union=job.union_default,
            default_graph=None if job.default_graphs is None else [ox.NamedNode(g) for g in job.default_graphs],
            named_graphs=None if job.named_graphs is None else [ox.NamedNode(g) for g in job.named_graphs],
        )
    except SyntaxError as exc:
        return Outcome("syntax", message=str(exc))
    except (ValueError, OSError, RuntimeError, TypeError) as exc:
        return Outcome("error", message=str(exc))
    kind = GRAPH if isinstance(result, ox.QueryTriples) else RESULTS
    form = {ox.QueryTriples: "graph", ox.QueryBoolean: "ask"}.get(type(result), "select")
    name = job.graph_format if kind == GRAPH else job.results_format
    if name is None:
        return Outcome("not_acceptable", kind=kind, form=form)
    fmt = BY_NAME[name].oxigraph()
    # pyoxigraph writes to any object with write(); its stub asks for IO[bytes]
    sink = CappedBuffer(job.max_bytes)
    out = cast(IO[bytes], sink)
    try:
        if isinstance(result, ox.QueryTriples):
            assert isinstance(fmt, ox.RdfFormat), name
            if fmt == ox.RdfFormat.TURTLE:
                ox.serialize(result, out, fmt, prefixes=prefixes)
            else:
                result.serialize(out, fmt)
        else:
            assert isinstance(fmt, ox.QueryResultsFormat), name
            result.serialize(out, fmt)
    except ResultTooLarge:
        return Outcome("too_large", kind=kind, format=name, form=form)
    except (ValueError, OSError, RuntimeError, TypeError) as exc:
        if isinstance(exc.__cause__ or exc.__context__, ResultTooLarge):
            return Outcome("too_large", kind=kind, format=name, form=form)
        return Outcome("error", kind=kind, message=str(exc), form=form)
    return Outcome("ok", kind=kind, format=name, body=sink.getvalue(), form=form)


# --- framing over a socket pair -------------------------------------------------------------


def _send(sock: socket.socket, header: tuple[Field, ...], body: bytes = b"") -> None:
    meta = marshal.dumps(header)
    sock.sendall(_FRAME.pack(len(meta), len(body)) + meta)
    if body:
        sock.sendall(body)


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout()
            sock.settimeout(remaining)
        try:
            n = sock.recv_into(view[got:])
        except socket.timeout as exc:
            raise QueryTimeout() from exc
        if n == 0:
            raise EOFError("peer closed the socket")
        got += n
    return bytes(buffer)


def _recv(sock: socket.socket, deadline: float | None = None) -> tuple[tuple[object, ...], bytes]:
    meta_len, body_len = _FRAME.unpack(_recv_exactly(sock, _FRAME.size, deadline))
    header = marshal.loads(_recv_exactly(sock, meta_len, deadline))
    body = _recv_exactly(sock, body_len, deadline) if body_len else b""
    return header, body


# --- the processes --------------------------------------------------------------------------


def _close_inherited_fds(keep: set[int]) -> None:
    """Close every descriptor but ``keep`` and stdio: no client socket or listener lives on here."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _die_with_parent(expected_parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux), so no engine outlives
    its worker even when the worker is killed; exit at once if the parent is already gone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != expected_parent:
        os._exit(0)


def _limit_memory(extra_mb: int) -> None:
    """Cap this engine's address space at what it has now plus ``extra_mb``: a query that needs
    more makes the engine abort (the worker answers 503) instead of starving the machine."""
    if extra_mb <= 0:
        return
    import resource

    size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _drop_network() -> bool:
    """Move this (single-threaded) process into an empty network namespace; False if not allowed."""
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    for flags in (clone_newnet, clone_newnet | clone_newuser):
        if libc.unshare(flags) == 0:
            return True
    return False


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _engine_loop(sock: socket.socket, open_store: Callable[[], ox.Store], prefixes: dict[str, str]) -> None:
    store = open_store()
    baseline = _peak_rss_mb()
    while True:
        try:
            header, _ = _recv(sock)
        except (EOFError, OSError):
            return
        outcome = run_job(store, Job(*header), prefixes)  # type: ignore[arg-type]
        retire = _peak_rss_mb() - baseline > RETIRE_AFTER_GROWTH_MB
        meta = (outcome.status, outcome.kind, outcome.format, outcome.message, outcome.form, retire)
        try:
            _send(sock, meta, outcome.body)
        except OSError:
            return


def _zygote_loop(ctrl: socket.socket, open_store: Callable[[], ox.Store], prefixes: dict[str, str],
                 memory_mb: int) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # engines are reaped by the kernel
    while True:
        try:
            request = ctrl.recv(1)
        except OSError:
            return
        if not request:
            return
        ours, theirs = socket.socketpair()
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _die_with_parent(zygote)
                ctrl.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                store = open_store()
                _limit_memory(memory_mb)
                _engine_loop(theirs, lambda: store, prefixes)
            except BaseException:  # noqa: BLE001 - an engine must never return into the zygote
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        socket.send_fds(ctrl, [struct.pack("!i", pid)], [ours.fileno()])
        ours.close()


@dataclass
class Engine:
    pid: int
    sock: socket.socket
    reniced: bool = False

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.sock.close()


class Executor:
    """A per-process pool of engines. Thread-safe; re-creates itself after a fork.

    :param open_store: called in each engine to get its store (the loaded in-memory store, or a
        read-only on-disk store opened there).
    :param size: most engines at once, i.e. most queries running at once in this process.
    :param isolate_network: put the engines in an empty network namespace (no SERVICE allowed).
    :param memory_mb: address space an engine may add to what it inherits (0: no cap).
    """

    def __init__(self, open_store: Callable[[], ox.Store], size: int, *, prefixes: dict[str, str],
                 isolate_network: bool, memory_mb: int = 0, renice_after_s: float = 0.25):
        self.memory_mb = memory_mb
        self.open_store = open_store
        self.size = max(1, size)
        self.prefixes = prefixes
        self.isolate_network = isolate_network
        self.renice_after_s = renice_after_s
        self._owner = -1
        self._lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[Engine] = []
        self._engines: dict[int, Engine] = {}
        self._count = 0
        self._zygote: tuple[int, socket.socket] | None = None

    # zygote -------------------------------------------------------------------------------

    def _start_zygote(self) -> None:
        ours, theirs = socket.socketpair()
        worker = os.getpid()
        # PR_SET_PDEATHSIG follows the forking *thread*; only the main thread lives as long as the worker
        bind_to_worker = threading.current_thread() is threading.main_thread()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                if bind_to_worker:
                    _die_with_parent(worker)
                gc.freeze()  # objects inherited from the worker must never be collected here
                _close_inherited_fds({theirs.fileno()})
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
                    signal.signal(sig, signal.SIG_DFL)
                if self.isolate_network and not _drop_network():
                    print("henan-kg: engines keep network access (unshare refused)", file=sys.stderr)
                _zygote_loop(theirs, self.open_store, self.prefixes, self.memory_mb)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._zygote = (pid, ours)

    def _ensure_owner(self) -> None:
        """After a fork (gunicorn preload, tests) forget the parent's engines and start afresh."""
        if self._owner == os.getpid():
            return
        with self._lock:
            if self._owner == os.getpid():
                return
            self._idle, self._count, self._zygote, self._engines = [], 0, None, {}
            self._start_zygote()
            self._owner = os.getpid()

    def _spawn(self) -> Engine:
        with self._lock:
            for attempt in (1, 2):
                assert self._zygote is not None
                pid, ctrl = self._zygote
                try:
                    ctrl.sendall(b"S")
                    msg, fds, _, _ = socket.recv_fds(ctrl, 16, 1)
                    if len(msg) != 4 or len(fds) != 1:
                        raise EOFError("zygote closed")
                    engine = Engine(struct.unpack("!i", msg)[0], socket.socket(fileno=fds[0]))
                    self._engines[engine.pid] = engine
                    return engine
                except (OSError, EOFError):
                    if attempt == 2:
                        raise
                    log.warning("engine zygote %s is gone; starting another", pid)
                    ctrl.close()
                    _reap(pid)
                    self._start_zygote()
        raise EngineLost("could not start an engine")

    def start(self, prefork: int = 1) -> None:
        """Start the zygote and ``prefork`` engines now rather than on the first query."""
        self._ensure_owner()
        engines = [self._acquire(None) for _ in range(min(prefork, self.size))]
        for engine in engines:
            self._release(engine)

    # pool ---------------------------------------------------------------------------------

    def _acquire(self, wait_s: float | None) -> Engine:
        deadline = None if wait_s is None else time.monotonic() + wait_s
        with self._cond:
            while True:
                while not self._idle and self._count >= self.size:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise EngineBusy()
                    self._cond.wait(remaining)
                if not self._idle:
                    break
                engine = self._idle.pop()
                if not _wait_readable(engine.sock, 0.0, probe=True):
                    return engine
                # an idle engine has nothing to say: readable means it died (EOF); replace it
                engine.kill()
                self._engines.pop(engine.pid, None)
                self._count -= 1
            self._count += 1
        try:
            return self._spawn()
        except BaseException:
            self._discard(None)
            raise

    def _release(self, engine: Engine) -> None:
        with self._cond:
            self._idle.append(engine)
            self._cond.notify()

    def _discard(self, engine: Engine | None) -> None:
        if engine is not None:
            engine.kill()
            self._engines.pop(engine.pid, None)
        with self._cond:
            self._count -= 1
            self._cond.notify()

    # the one public operation -------------------------------------------------------------

    def run(self, job: Job, timeout_s: float) -> Outcome:
        """Evaluate ``job``; raises :class:`QueryTimeout`, :class:`EngineBusy` or :class:`EngineLost`.

        An engine found dead when the job is handed over is replaced and the job tried once more;
        an engine lost while evaluating (killed, or over its memory cap) is reported, not retried.
        """
        self._ensure_owner()
        deadline = time.monotonic() + timeout_s
        for attempt in (1, 2):
            try:
                return self._run_once(job, deadline)
            except EngineLost as exc:
                if attempt == 2 or not exc.before_start or time.monotonic() >= deadline:
                    raise
        raise AssertionError("unreachable")

    def _run_once(self, job: Job, deadline: float) -> Outcome:
        engine = self._acquire(deadline - time.monotonic())
        try:
            _send(engine.sock, astuple(job))
        except OSError as exc:
            self._discard(engine)
            raise EngineLost(str(exc), before_start=True) from exc
        try:
            if not _wait_readable(engine.sock, min(self.renice_after_s, deadline - time.monotonic())):
                _lower_priority(engine)
                if not _wait_readable(engine.sock, deadline - time.monotonic()):
                    raise QueryTimeout()
            header, body = _recv(engine.sock, deadline)
        except QueryTimeout:
            self._discard(engine)
            raise
        except (OSError, EOFError, ValueError) as exc:
            self._discard(engine)
            raise EngineLost(str(exc) or type(exc).__name__) from exc
        status, kind, fmt, message, form, retire = header
        if engine.reniced or retire:
            self._discard(engine)
        else:
            self._release(engine)
        return Outcome(status, kind, fmt, body, message, form)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop every engine and the zygote of this process."""
        if self._owner != os.getpid():
            return
        with self._cond:
            for engine in list(self._engines.values()):  # busy ones too: nothing may outlive us
                engine.kill()
            self._idle, self._count, self._engines = [], 0, {}
        if self._zygote is not None:
            pid, ctrl = self._zygote
            ctrl.close()
            _reap(pid)
            self._zygote = None
        self._owner = -1


def _wait_readable(sock: socket.socket, timeout_s: float, probe: bool = False) -> bool:
    """Whether ``sock`` has data or hung up within ``timeout_s`` (``probe``: just look, no wait)."""
    if timeout_s <= 0 and not probe:
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(timeout_s, 0.0) * 1000))


def _lower_priority(engine: Engine) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, engine.pid, 10)
        engine.reniced = True
    except OSError:
        pass


def _reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
