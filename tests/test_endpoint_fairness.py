"""Fair under load: queued time counts against the time limit, and light queries have their own engines.

The main test runs gunicorn over the mini release with a 2 s limit, keeps 16 five-way cross joins
(each runs until killed) in flight from another process, and sends a normal query every 0.2 s: every cross join must be
answered 503 by limit + 1 s after it was sent (those that never got an engine say the server is
busy and carry ``Retry-After``), and the normal query's p95 must stay within 3 × its idle median.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from conftest import gunicorn_server, processes
from endpoint.admission import CostModel, looks_light
from endpoint.executor import GENERAL_NICE, GENERAL_SESSION_NICE, EngineBusy, Executor, Job, QueryTimeout

LIMIT_S = 2.0
HEAVY_CLIENTS = 16
WORKERS, THREADS = 2, 4
# 68 triples to the fifth power: runs until killed
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n0 ?o }"
# a normal query that does some work (about 20 ms: 68 × 68 × 4 rows filtered) and has a LIMIT,
# so it is predicted light; its answer is empty
NORMAL = (
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g <http://purl.org/dc/terms/title> ?i "
    'FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), "x")) } LIMIT 1'
)
JSON = "application/sparql-results+json"


# --- the prediction -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, light",
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10", True),
        ("select ?s { ?s a ?t } limit 5", True),
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 10", False),
        ("SELECT * WHERE { ?s ?p ?o } OFFSET 100000 LIMIT 1", False),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } LIMIT 1", False),
        ("SELECT ?p WHERE { ?s ?p ?o } GROUP BY ?p LIMIT 3", False),
        ('SELECT * WHERE { ?s ?p "LIMIT" } # LIMIT 3', False),  # in a string or a comment it is no LIMIT
    ],
)
def test_the_guess_from_the_text(query: str, light: bool) -> None:
    assert looks_light(query) is light


def test_experience_overrides_the_guess() -> None:
    costs = CostModel(light_s=0.25, remembered=2)
    fast, slow = "SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o } LIMIT 1"
    assert not costs.predict_light(fast) and costs.predict_light(slow)
    costs.record(fast, 0.01)
    costs.record(slow, None)  # stopped
    assert costs.predict_light(fast) and not costs.predict_light(slow)
    costs.record(slow, 0.3)  # finished, but slower than a light query may be
    assert not costs.predict_light(slow)
    costs.record("ASK {}", 0.0)
    costs.record("ASK { ?s ?p ?o }", 0.0)  # only the last two texts are remembered
    assert not costs.predict_light(fast)


def test_a_query_near_the_line_does_not_go_back_and_forth() -> None:
    """Light means at most half of light_s of CPU; a text once stopped stays heavy, so that on a busy
    machine it is not stopped in a light engine (its run wasted) again and again."""
    costs = CostModel(light_s=0.25)
    near, fast = "SELECT * { ?s ?p ?o } ORDER BY ?s", "SELECT * { ?s ?p ?o } ORDER BY ?o"
    costs.record(near, 0.2)  # within light_s, but with no margin for a busy machine
    costs.record(fast, 0.1)
    assert not costs.predict_light(near) and costs.predict_light(fast)
    costs.record(fast, None)  # stopped in a light engine (the machine was busy) ...
    costs.record(fast, 0.1)  # ... then quick again in a general one
    assert not costs.predict_light(fast)


# --- the executor's lanes --------------------------------------------------------------------------


def _store() -> ox.Store:
    store = ox.Store()
    for i in range(68):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))))
    return store


def _job(query: str) -> Job:
    return Job(query, None, None, False, "json", None, 100_000)


def test_a_light_query_passes_heavy_ones_and_a_wrong_guess_moves_to_a_general_engine() -> None:
    store = _store()
    pool = Executor(lambda: store, 1, prefixes={}, isolate_network=False, light_engines=1, light_query_s=0.3)
    outcomes: list[str] = []

    def heavy() -> None:
        try:
            pool.run(_job(CROSS_JOIN), 3.0)
            outcomes.append("answered")
        except (QueryTimeout, EngineBusy) as exc:
            outcomes.append(type(exc).__name__)

    try:
        pool.start(prefork=1)
        assert pool.general.count == 1 and pool.light.count == 1
        light_pid = pool.light.idle[0].pid
        general_pid = pool.general.idle[0].pid
        base = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, general_pid) == min(19, base + GENERAL_NICE)
        assert os.getpriority(os.PRIO_PROCESS, light_pid) == base
        assert os.getsid(general_pid) != os.getsid(0) == os.getsid(light_pid)  # a session of their own
        autogroup = Path(f"/proc/{general_pid}/autogroup")
        if autogroup.exists():  # Linux with autogroup: that session yields to others
            assert autogroup.read_text().split()[-1] == str(GENERAL_SESSION_NICE)
        thread = threading.Thread(target=heavy)
        thread.start()
        while not (pool.general.count == 1 and not pool.general.idle):  # the cross join holds the general engine
            time.sleep(0.01)
        started = time.monotonic()
        assert pool.run(_job("SELECT * WHERE { ?s ?p ?o } LIMIT 3"), 3.0).status == "ok"
        assert time.monotonic() - started < 1.0  # it did not wait for the cross join
        # a query that looks light but is not: cut in the light engine, then waits for the general
        # one, which the cross join holds until its own deadline; so this one is answered busy
        wrong = (
            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
            'FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), STR(?l), "x")) } LIMIT 1'
        )
        assert pool.costs.predict_light(wrong)
        started = time.monotonic()
        with pytest.raises((EngineBusy, QueryTimeout)):
            pool.run(_job(wrong), 1.0)
        assert time.monotonic() - started < 1.5
        assert not pool.costs.predict_light(wrong)  # remembered as heavy
        thread.join()
        assert outcomes == ["QueryTimeout"]
    finally:
        pool.close()


def test_a_query_past_its_deadline_is_not_started() -> None:
    store = _store()
    pool = Executor(lambda: store, 1, prefixes={}, isolate_network=False)
    try:
        with pytest.raises(EngineBusy):
            pool.run(_job("ASK {}"), deadline=time.monotonic() - 0.01)
        assert pool.run(_job("ASK {}"), deadline=time.monotonic() + 5).status == "ok"
    finally:
        pool.close()


# --- through the real server -----------------------------------------------------------------------


def _busy_general_engines(server_pid: int) -> int:
    """Engines of the server at general (lowered) priority that are running (state R)."""
    table = processes()
    parents = {pid: p.parent for pid, p in table.items()}
    workers = {p for p, pp in parents.items() if pp == server_pid}
    zygotes = {p for p, pp in parents.items() if pp in workers}
    engines = {p for p, pp in parents.items() if pp in zygotes}
    return sum(1 for p in engines if table[p].state == "R" and table[p].nice > os.nice(0))


def _post(url: str, query: str, timeout: float = 30) -> requests.Response:
    return requests.post(url, data={"query": query}, headers={"Accept": JSON}, timeout=timeout)


# The cross joins come from another process in a session of its own, as they would from other
# machines: their clients' work is not charged to the process that times the normal query. It
# sends until its stdin closes, then prints one JSON line per cross join.
HEAVY_CLIENTS_SCRIPT = """
import json, sys, threading, time
import requests
url, query, clients, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
stop, results = threading.Event(), []
def client():
    while not stop.is_set():
        sent = time.monotonic()
        try:
            r = requests.post(url, data={"query": query}, headers={"Accept": "application/sparql-results+json"},
                              timeout=timeout)
            results.append((time.monotonic() - sent, r.status_code, r.text, r.headers.get("Retry-After")))
        except requests.RequestException as exc:
            results.append((time.monotonic() - sent, 0, str(exc), None))
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
sys.stdin.read()
stop.set()
for t in threads:
    t.join()
for row in results:
    print(json.dumps(row))
"""


def test_heavy_queries_are_answered_in_time_and_light_ones_keep_their_latency(mini_release, tmp_path):
    settings = {
        "QUERY_TIMEOUT_S": LIMIT_S,
        "THREADS": THREADS,
        "LIGHT_ENGINES": 1,
        "RESULT_CACHE_BYTES": 0,
        "ACCESS_LOG": "false",
    }
    with gunicorn_server(mini_release, tmp_path / "gunicorn.log", workers=WORKERS, **settings) as server:
        url = server.sparql

        def normal() -> float:
            started = time.monotonic()
            response = _post(url, NORMAL)
            took = time.monotonic() - started
            assert response.status_code == 200, response.text
            assert response.json()["results"]["bindings"] == []
            return took

        def paced(count: int) -> list[float]:
            """``count`` normal queries, one every 0.2 s (or right after the last one, if it was slower)."""
            took, next_at = [], time.monotonic()
            for _ in range(count):
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += 0.2
                took.append(normal())
            return took

        for _ in range(10):  # warm up both workers (their engines, and what they know of the query)
            normal()
        idle_median = statistics.median(paced(25))  # paced as under load, for a like-for-like figure

        clients = subprocess.Popen(
            [sys.executable, "-c", HEAVY_CLIENTS_SCRIPT, url, CROSS_JOIN, str(HEAVY_CLIENTS), str(LIMIT_S + 30)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            # wait until the cross joins hold every general engine of both workers
            deadline = time.monotonic() + 30
            while _busy_general_engines(server.pid) < WORKERS * THREADS:
                assert clients.poll() is None, "the heavy clients stopped"
                assert time.monotonic() < deadline, "the cross joins never held every general engine"
                time.sleep(0.05)
            loaded = paced(50)  # 10 s: five rounds of the limit
        finally:
            out, _ = clients.communicate(timeout=LIMIT_S + 60)  # closes stdin: the clients stop
    heavy = [tuple(json.loads(line)) for line in out.splitlines()]

    loaded.sort()
    p95 = loaded[int(0.95 * (len(loaded) - 1))]
    latest = max(took for took, *_ in heavy)
    busy = [h for h in heavy if "server is busy" in h[2]]
    print(
        f"\nidle median {idle_median * 1000:.1f} ms; under load ({len(loaded)} normal queries, {len(heavy)} "
        f"cross joins, {len(busy)} of them refused busy): median {statistics.median(loaded) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {loaded[-1] * 1000:.1f} ms; latest 503 {latest:.2f} s "
        f"(limit {LIMIT_S:g} s)"
    )
    assert len(heavy) >= 4 * HEAVY_CLIENTS
    assert all(status == 503 for _, status, *_ in heavy), sorted({(s, t[:120]) for _, s, t, _ in heavy if s != 503})
    assert all("QUERY_TIMEOUT_S = 2 s" in text for _, _, text, _ in heavy)
    assert latest <= LIMIT_S + 1.0, sorted(took for took, *_ in heavy)[-5:]
    assert busy, "16 cross joins on 8 general engines: some never got one"
    assert all(retry == "2" for _, _, _, retry in busy)
    assert p95 <= 3 * idle_median, (idle_median, [round(x * 1000, 1) for x in loaded])
