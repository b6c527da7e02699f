"""Run untrusted queries under a hard time limit, in child processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so each gunicorn worker
keeps a small pool of *engine* processes. They are forked, through a *zygote* process, from the
worker after its store is loaded, so the in-memory graph is shared copy-on-write and never reloaded.
A query is sent to an idle engine over a socket pair; the engine evaluates it, serialises the
result with pyoxigraph's own serialiser into a buffer capped at ``max_bytes``, and sends it back.
(The answer is complete before the first byte goes to the client: that is what lets a time limit
or the size cap be a clear 503/400 instead of a 200 cut short.)
If the answer is not there by the deadline the worker SIGKILLs the engine (its CPU is free at once)
and a fresh one is forked on demand. An engine whose memory grew by more than
:data:`RETIRE_AFTER_GROWTH_MB` is retired after its query; an engine may also be capped in memory
(``memory_mb``), so that a query needing too much aborts its engine only.

Engines come in two lanes (:class:`Executor`): general engines, at lowered CPU priority, take any
query; a few light engines, at the worker's priority, take only queries predicted light
(:mod:`endpoint.admission`) and only briefly, so short queries keep their latency while heavy ones
hold every general engine. The time limit runs from the request's arrival, waiting included.

The zygotes (one per lane) exist so that every fork happens in a process with a single thread and
no client sockets: each closes every inherited file descriptor, and (best effort) moves itself into
a network namespace of its own when no SERVICE target is allowed, so engines cannot open
connections even if a SERVICE slipped past :mod:`endpoint.screen`.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeAlias, cast

import pyoxigraph as ox

from endpoint.admission import CostModel
from endpoint.negotiation import BY_NAME, GRAPH, RESULTS

log = logging.getLogger("henan_kg.endpoint")

_FRAME = struct.Struct("!II")  # lengths of the marshalled header and of the body
Field: TypeAlias = str | bytes | int | float | bool | None | tuple[str, ...]  # a header: Job or Outcome fields
# An engine whose peak memory grew this much over its start keeps that heap (malloc rarely gives it
# back), so it is retired after answering and a fresh, small one forked when needed.
RETIRE_AFTER_GROWTH_MB = 256
GENERAL_NICE = 10  # general engines run this much below the worker's CPU priority (light ones do not)
# ... and their session (Linux autogroup: sessions share the CPU by their nice) a little below others,
# so that heavy queries take a light engine about a quarter of its CPU, not half, while general
# queries still get most of a fair share on a machine shared with other work
GENERAL_SESSION_NICE = 5


@dataclass(frozen=True)
class Job:
    """One query to evaluate; formats are :data:`endpoint.negotiation.FORMATS` names or ``None``.
    ``default_only``: the query cannot see a named graph, so it may run on the engine's store of
    the default graph alone where there is one (:class:`endpoint.graph.KnowledgeGraph`)."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union_default: bool
    results_format: str | None
    graph_format: str | None
    max_bytes: int
    default_only: bool = False


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
    """The engine did not answer before the deadline and was killed; ``started``: the
    :func:`time.monotonic` time the query got that engine (what it waited before is the caller's
    arrival time to this)."""

    def __init__(self, started: float = 0.0):
        super().__init__(started)
        self.started = started


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


def run_job(store: ox.Store, job: Job, prefixes: dict[str, str], default_store: ox.Store | None = None) -> Outcome:
    """Evaluate and serialise one job in this process (the engine's whole work): on
    ``default_store`` (the default graph alone) when the job allows it and there is one."""
    if job.default_only and default_store is not None:
        store = default_store
    try:
        result = store.query(
            job.query,
            use_default_graph_as_union=job.union_default and store is not default_store,
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


def _engine_loop(sock: socket.socket, stores: Stores, prefixes: dict[str, str]) -> None:
    store, default_store = stores.open()
    baseline = _peak_rss_mb()
    while True:
        try:
            header, _ = _recv(sock)
        except (EOFError, OSError):
            return
        cpu = time.process_time()
        outcome = run_job(store, Job(*header), prefixes, default_store)  # type: ignore[arg-type]
        cpu = time.process_time() - cpu  # what admission learns from: work done, whatever the load
        retire = _peak_rss_mb() - baseline > RETIRE_AFTER_GROWTH_MB
        meta = (outcome.status, outcome.kind, outcome.format, outcome.message, outcome.form, retire, cpu)
        try:
            _send(sock, meta, outcome.body)
        except OSError:
            return


@dataclass(frozen=True)
class Stores:
    """How an engine gets its stores: the full one, and (optionally) the default graph alone."""

    full: Callable[[], ox.Store]
    default_only: Callable[[], ox.Store | None] | None = None

    def open(self) -> tuple[ox.Store, ox.Store | None]:
        return self.full(), self.default_only() if self.default_only is not None else None


def _zygote_loop(ctrl: socket.socket, stores: Stores, prefixes: dict[str, str], memory_mb: int) -> None:
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
                opened = stores.open()
                _limit_memory(memory_mb)
                _engine_loop(theirs, Stores(lambda: opened[0], lambda: opened[1]), prefixes)
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

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.sock.close()


@dataclass(eq=False)
class Lane:
    """Engines of one kind: at most ``size`` alive (idle or busy)."""

    name: str
    size: int
    idle: list[Engine] = field(default_factory=list)
    count: int = 0

    def has_room(self) -> bool:
        return bool(self.idle) or self.count < self.size


class _Waiter:
    """A caller waiting for an engine of one of ``lanes`` (compared by identity)."""

    __slots__ = ("lanes",)

    def __init__(self, lanes: list[Lane]):
        self.lanes = lanes


class Executor:
    """A per-process pool of engines in two lanes. Thread-safe; re-creates itself after a fork.

    *General* engines (``size`` of them) take any query and run at lowered CPU priority (nice +10,
    in a session of their own) from birth. *Light* engines (``light_engines``) run at the worker's
    priority and take only queries that :class:`endpoint.admission.CostModel` predicts light, each
    for at most ``light_query_s``: one still running then is killed, remembered as heavy and handed
    to a general engine. A light query takes a free light engine first, else a free general one, else
    waits for either; a heavy one waits for a general engine. So however many heavy queries hold
    the general engines, a light one finds a light engine free and the CPU mostly its own.

    Every wait and run counts against one ``deadline``: a query that gets no engine by then raises
    :class:`EngineBusy`, one that does not finish by then :class:`QueryTimeout` (its engine killed).

    :param open_store: called in each engine to get its store (the loaded in-memory store, or a
        read-only on-disk store opened there).
    :param open_default_store: called in each engine to get the store of the default graph alone
        (for jobs marked ``default_only``), or None where there is none.
    :param size: general engines, i.e. most queries of any kind running at once in this process.
    :param isolate_network: put the engines in an empty network namespace (no SERVICE allowed).
    :param memory_mb: address space an engine may add to what it inherits (0: no cap).
    :param light_engines: engines reserved for queries predicted light (0: none, one lane only).
    :param light_query_s: longest run of a query in a light engine, and what counts as light.
    """

    def __init__(
        self,
        open_store: Callable[[], ox.Store],
        size: int,
        *,
        prefixes: dict[str, str],
        open_default_store: Callable[[], ox.Store | None] | None = None,
        isolate_network: bool,
        memory_mb: int = 0,
        light_engines: int = 0,
        light_query_s: float = 0.25,
    ):
        self.memory_mb = memory_mb
        self.stores = Stores(open_store, open_default_store)
        self.size = max(1, size)
        self.prefixes = prefixes
        self.isolate_network = isolate_network
        self.light_query_s = light_query_s
        self.costs = CostModel(light_query_s)
        self.general = Lane("general", self.size)
        self.light = Lane("light", max(0, light_engines))
        self._owner = -1
        self._lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._engines: dict[int, Engine] = {}
        self._waiting: list[_Waiter] = []  # the lanes each waiting caller accepts, oldest first
        self._zygotes: dict[bool, tuple[int, socket.socket]] = {}  # by light: one zygote per lane

    # zygote -------------------------------------------------------------------------------

    def _start_zygote(self, light: bool) -> None:
        """Fork the zygote of one lane. The general lane's starts a session of its own and lowers its
        priority by :data:`GENERAL_NICE`; its engines inherit both. (Where the kernel groups processes
        by session, Linux's autogroup, a session's share of each CPU follows where its runnable
        processes are: general engines in the server's session would take that share away from the
        CPU a light engine runs on, whatever their nice value.)"""
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
                if not light:
                    _lower_priority()
                if self.isolate_network and not _drop_network():
                    print("henan-kg: engines keep network access (unshare refused)", file=sys.stderr)
                _zygote_loop(theirs, self.stores, self.prefixes, self.memory_mb)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        self._zygotes[light] = (pid, ours)

    def _forget_engines(self) -> None:
        for lane in (self.general, self.light):
            lane.idle, lane.count = [], 0
        self._engines = {}

    def _ensure_owner(self) -> None:
        """After a fork (gunicorn preload, tests) forget the parent's engines and start afresh."""
        if self._owner == os.getpid():
            return
        with self._lock:
            if self._owner == os.getpid():
                return
            self._forget_engines()
            self._zygotes = {}
            for light in (False, True)[: 1 + (self.light.size > 0)]:
                self._start_zygote(light)
            self._owner = os.getpid()

    def _spawn(self, light: bool = False) -> Engine:
        with self._lock:
            for attempt in (1, 2):
                pid, ctrl = self._zygotes[light]
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
                    self._start_zygote(light)
        raise EngineLost("could not start an engine")

    def start(self, prefork: int = 1) -> None:
        """Start the zygote, ``prefork`` general engines and every light engine now rather than on
        the first queries."""
        self._ensure_owner()
        lanes = [self.general] * min(prefork, self.size) + [self.light] * self.light.size
        engines = [self._acquire([lane], None) for lane in lanes]
        for engine, lane in engines:
            self._release(engine, lane)

    # pool ---------------------------------------------------------------------------------

    def _acquire(self, lanes: list[Lane], deadline: float | None) -> tuple[Engine, Lane]:
        """An engine of the first of ``lanes`` (in order of preference) that has one free by
        ``deadline``. Waiters are served in arrival order: a lane with room goes to the oldest
        waiter that accepts it, so that under a steady overload no request waits much longer than
        the others."""
        ticket = _Waiter(lanes)
        with self._cond:
            self._waiting.append(ticket)
            try:
                while True:
                    older = self._waiting[: self._waiting.index(ticket)]
                    lane = next(
                        (lane for lane in lanes if lane.has_room() and not any(lane in other.lanes for other in older)),
                        None,
                    )
                    if lane is None:
                        remaining = None if deadline is None else deadline - time.monotonic()
                        if remaining is not None and remaining <= 0:
                            raise EngineBusy()
                        self._cond.wait(remaining)
                        continue
                    if not lane.idle:
                        break
                    engine = lane.idle.pop()
                    if not _wait_readable(engine.sock, 0.0, probe=True):
                        return engine, lane
                    # an idle engine has nothing to say: readable means it died (EOF); replace it
                    engine.kill()
                    self._engines.pop(engine.pid, None)
                    lane.count -= 1
                lane.count += 1
            finally:
                self._waiting.remove(ticket)
                self._cond.notify_all()  # the next waiter may now be the oldest
        try:
            engine = self._spawn(light=True) if lane is self.light else self._spawn()
        except BaseException:
            self._discard(None, lane)
            raise
        return engine, lane

    def _release(self, engine: Engine, lane: Lane) -> None:
        with self._cond:
            lane.idle.append(engine)
            self._cond.notify_all()  # waiters differ in the lanes they accept

    def _discard(self, engine: Engine | None, lane: Lane) -> None:
        if engine is not None:
            engine.kill()
            self._engines.pop(engine.pid, None)
        with self._cond:
            lane.count -= 1
            self._cond.notify_all()

    # the one public operation -------------------------------------------------------------

    def run(self, job: Job, timeout_s: float | None = None, *, deadline: float | None = None) -> Outcome:
        """Evaluate ``job`` by ``deadline`` (a :func:`time.monotonic` time; default: ``timeout_s``
        from now); raises :class:`QueryTimeout`, :class:`EngineBusy` or :class:`EngineLost`.

        An engine found dead when the job is handed over is replaced and the job tried once more;
        an engine lost while evaluating (killed, or over its memory cap) is reported, not retried.
        """
        self._ensure_owner()
        if deadline is None:
            if timeout_s is None:
                raise TypeError("give timeout_s or deadline")
            deadline = time.monotonic() + timeout_s
        for attempt in (1, 2):
            if time.monotonic() >= deadline:
                raise EngineBusy()
            light = self.light.size > 0 and self.costs.predict_light(job.query)
            try:
                return self._run_once(job, deadline, light)
            except EngineLost as exc:
                if attempt == 2 or not exc.before_start:
                    raise
        raise AssertionError("unreachable")

    def _run_once(self, job: Job, deadline: float, light: bool) -> Outcome:
        engine, lane = self._acquire([self.light, self.general] if light else [self.general], deadline)
        started = time.monotonic()
        cutoff = min(deadline, started + self.light_query_s) if lane is self.light else deadline
        try:
            _send(engine.sock, tuple(vars(job).values()))  # the fields in order, not astuple's deep copy
        except OSError as exc:
            self._discard(engine, lane)
            raise EngineLost(str(exc), before_start=True) from exc
        try:
            if not _wait_readable(engine.sock, cutoff - time.monotonic()):
                raise QueryTimeout(started)
            header, body = _recv(engine.sock, cutoff)
        except QueryTimeout:
            self._discard(engine, lane)
            self.costs.record(job.query, None)
            if cutoff < deadline:  # too long for a light engine: go on in a general one
                return self._run_once(job, deadline, light=False)
            raise QueryTimeout(started) from None
        except (OSError, EOFError, ValueError) as exc:
            self._discard(engine, lane)
            self.costs.record(job.query, None)
            raise EngineLost(str(exc) or type(exc).__name__) from exc
        status, kind, fmt, message, form, retire, cpu = header
        self.costs.record(job.query, cast(float, cpu))
        if retire:
            self._discard(engine, lane)
        else:
            self._release(engine, lane)
        return Outcome(status, kind, fmt, body, message, form)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop every engine and the zygotes of this process."""
        if self._owner != os.getpid():
            return
        with self._cond:
            for engine in list(self._engines.values()):  # busy ones too: nothing may outlive us
                engine.kill()
            self._forget_engines()
        for pid, ctrl in self._zygotes.values():
            ctrl.close()
            _reap(pid)
        self._zygotes = {}
        self._owner = -1


def _wait_readable(sock: socket.socket, timeout_s: float, probe: bool = False) -> bool:
    """Whether ``sock`` has data or hung up within ``timeout_s`` (``probe``: just look, no wait)."""
    if timeout_s <= 0 and not probe:
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(timeout_s, 0.0) * 1000))


def _lower_priority() -> None:
    """Put this process (a general lane's zygote) in a session of its own, :data:`GENERAL_NICE`
    below its worker's priority, and give that session :data:`GENERAL_SESSION_NICE` (Linux
    autogroup); best effort."""
    try:
        os.setsid()
    except OSError:
        pass
    try:
        Path("/proc/self/autogroup").write_text(str(GENERAL_SESSION_NICE))
    except OSError:
        pass
    try:
        os.nice(GENERAL_NICE)
    except OSError:
        pass


def _reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
