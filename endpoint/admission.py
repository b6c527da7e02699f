"""Which queries may use the light lane: a guess from the query text, corrected by experience.

Each worker keeps, besides its ``THREADS`` general engines, ``LIGHT_ENGINES`` engines reserved for
queries predicted *light* (see :class:`endpoint.executor.Executor`), so that a short query does not
queue behind heavy ones. The prediction is deliberately simple:

* a query text this worker has run before is light if its last run used at most half of
  ``LIGHT_QUERY_S`` of CPU time in its engine (CPU, not wall time: on a busy machine a short query
  takes longer by the clock but not in work), and heavy if it used more; a text that was ever
  stopped (in a light engine or at the time limit) stays heavy, since a query near the line would
  otherwise go back and forth, stopped and started again, its first run wasted each time;
* a text never seen is light if it has a ``LIMIT`` and no ``ORDER BY``, ``GROUP BY``, ``HAVING``,
  ``OFFSET`` or aggregate, since Oxigraph then stops at the first ``LIMIT`` solutions instead of
  computing them all; anything else is heavy until it has run fast once.

A wrong guess costs little: a query in a light engine is stopped after ``LIGHT_QUERY_S``, remembered
as heavy, and goes on waiting for a general engine within its own time limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from endpoint.screen import tokens

# Words that make a query compute every solution before the first one is known.
_WHOLE_RESULT = frozenset(
    {"ORDER", "GROUP", "HAVING", "OFFSET", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
)


def looks_light(query: str) -> bool:
    """The guess for a query never run here: a ``LIMIT`` and nothing that needs the whole result."""
    words = {t.text.upper() for t in tokens(query) if t.kind == "word"}
    return "LIMIT" in words and not words & _WHOLE_RESULT


class CostModel:
    """Per-worker memory of how long each query text ran (the last ``remembered`` texts); thread-safe."""

    def __init__(self, light_s: float, remembered: int = 4096):
        self.light_s = light_s
        self.remembered = remembered
        self._lock = threading.Lock()
        self._light: OrderedDict[str, bool] = OrderedDict()
        self._stopped: OrderedDict[str, None] = OrderedDict()  # texts stopped once: heavy for good

    def predict_light(self, query: str) -> bool:
        """Whether ``query`` may use a light engine."""
        with self._lock:
            known = self._light.get(query)
            if known is not None:
                self._light.move_to_end(query)
                return known
        return looks_light(query)

    def record(self, query: str, cpu_s: float | None) -> None:
        """The CPU time one run of ``query`` used; ``None``: it was stopped before answering."""
        with self._lock:
            if cpu_s is None:
                self._stopped[query] = None
                self._stopped.move_to_end(query)
                while len(self._stopped) > self.remembered:
                    self._stopped.popitem(last=False)
            self._light[query] = cpu_s is not None and cpu_s <= self.light_s / 2 and query not in self._stopped
            self._light.move_to_end(query)
            while len(self._light) > self.remembered:
                self._light.popitem(last=False)
