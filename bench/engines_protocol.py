"""The endpoint's protocol tests against another engine, each outcome with what kind of check it is.

``tests/test_endpoint_protocol.py`` runs against any ``/sparql`` URL given as
``HENAN_KG_TEST_SPARQL_URL`` (loaded with ``tests/data/endpoint-mini.nq``). Its tests check either
the SPARQL 1.1 Protocol and result formats, which another engine should pass too, or an extra of
ours that another engine is not expected to have; :data:`EXTRAS` names the latter, by test function.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

TESTS = "tests/test_endpoint_protocol.py"
EXTRAS = {
    # by test function, or by one test's id where only some of its cases are ours
    "test_undeclared_known_prefixes_are_added_and_said": "ours declares the prefixes a query uses undeclared",
    "test_service_description": "checks sd:name against our release manifest",
    "test_health": "/health is ours",
    "test_cors_headers": "CORS is a deployment choice",
    "test_cors_preflight_echoes_the_requested_headers_and_exposes_etag": "CORS and ETag are ours",
    "test_access_log_has_query_time_and_size": "reads our access log",
    "test_get_answers_carry_an_etag_and_cache_control_and_revalidate_with_304": "ETag from our graph checksum",
    "test_etag_changes_with_the_graph": "ETag from our graph checksum",
    "test_results_are_gzipped_when_asked_and_identity_otherwise": "our compression threshold, default format, ETag",
    "test_files_are_gzipped_as_a_stream_under_gunicorn": "our query page's script",
    "test_sparqlwrapper_n3_and_turtle_get_turtle": "format=n3 answered in Turtle is ours",
    "test_format_parameter_overrides_accept_for_results": "the format parameter is a convention, not the Protocol",
    "test_format_parameter_for_graphs": "the format parameter is a convention, not the Protocol",
    "test_select_refused_by_q_zero_is_406": "with nothing acceptable HTTP allows 406 or any format; the body is ours",
    "test_graph_refused_by_q_zero": "which acceptable format comes next is a server's choice",
    "test_construct_as_plain_text_or_n_quads": "text/plain as N-Triples and CONSTRUCT as N-Quads are ours",
    "test_text_xml_results_parse": "text/xml for SPARQL XML results is an alias of ours",
    "test_accept_with_q_values[None-application/sparql-results+json]": "the default format is a server's choice",
    "test_accept_with_q_values[*/*-application/sparql-results+json]": "the default format is a server's choice",
    "test_accept_with_q_values[application/json-application/sparql-results+json]": "application/json is an alias",
    "test_accept_with_q_values[text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    "-application/sparql-results+xml]": "what a browser gets is a server's choice",
    "test_accept_with_q_values[text/xml-application/sparql-results+xml]": "text/xml is an alias",
    "test_accept_with_q_values[application/sparql-results+json;q=0, */*-text/csv]": "order among acceptable formats",
    "test_accept_with_q_values[*/*, application/json;q=0-text/csv]": "order among acceptable formats",
}


@dataclass(frozen=True)
class Outcome:
    """One test's result against the engine: ``passed``, ``failed``, ``error`` or ``skipped``."""

    test: str
    result: str
    message: str

    @property
    def function(self) -> str:
        return self.test.split("[")[0]

    @property
    def extra(self) -> str:
        """Why the test checks an extra of ours ('' for a check of the standards)."""
        return EXTRAS.get(self.test) or EXTRAS.get(self.function, "")

    @property
    def kind(self) -> str:
        return "our extra" if self.extra else "standard"


def run(url: str, root: Path) -> list[Outcome]:
    """Run the protocol tests against ``url`` in a pytest subprocess; one outcome per test."""
    with tempfile.TemporaryDirectory(prefix="henan-kg-protocol-") as work:
        report = Path(work) / "junit.xml"
        env = dict(os.environ, HENAN_KG_TEST_SPARQL_URL=url)
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", TESTS],
            cwd=root,
            env=env,
            capture_output=True,
            timeout=900,
        )
        return outcomes(report)


def outcomes(report: Path) -> list[Outcome]:
    """The test cases of a JUnit XML report, with the first line of each failure's message."""
    found = []
    for case in ET.parse(report).getroot().iter("testcase"):
        result, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                result = "failed" if tag == "failure" else tag
                message = (node.get("message") or " ").splitlines()[0][:160].replace("|", "/")
        found.append(Outcome(case.get("name", ""), result, message))
    return found


def table(found: list[Outcome]) -> str:
    """Counts per kind and result, then every test that did not pass, with its message."""
    lines = ["| kind | passed | failed | skipped |", "|---|---|---|---|"]
    for kind in ("standard", "our extra"):
        mine = [o for o in found if o.kind == kind]
        counts = [sum(o.result == r for o in mine) for r in ("passed", "failed", "skipped")]
        counts[1] += sum(o.result == "error" for o in mine)
        lines.append(f"| {kind} | " + " | ".join(map(str, counts)) + " |")
    lines += ["", "| test | kind | result | message (first line) / why an extra |", "|---|---|---|---|"]
    for o in found:
        if o.result in ("failed", "error"):
            why = f" ({o.extra})" if o.extra else ""
            lines.append(f"| {o.test} | {o.kind} | {o.result} | {o.message}{why} |".replace("\n", " "))
    return "\n".join(lines)
