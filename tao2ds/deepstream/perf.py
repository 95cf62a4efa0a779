"""deepstream-app's own FPS lines (``[application] enable-perf-measurement=1``).

deepstream-app's ``perf_cb`` (sources/apps/sample_apps/deepstream-app/deepstream_app_main.c, the
same code "imported from deepstream-app as is" into deepstream-test5, DeepStream 6.x/7.x) prints a
header every 20 reports and then, every ``perf-measurement-interval-sec``, one line with the current
and the average FPS of each stream, tab-separated::

    **PERF:  FPS 0 (Avg)	FPS 1 (Avg)
    **PERF:  30.02 (29.96)	29.98 (29.90)

(``g_print ("**PERF: ")`` then ``"%.2f (%.2f)\\t"`` per stream). The header line has no numbers and
is skipped; the last report's averages are the run's figures.
"""

from __future__ import annotations

import re
from typing import Any

_LINE = re.compile(r"^\*\*PERF:\s*(.*)$")
_PAIR = re.compile(r"([-+]?\d+(?:\.\d+)?)\s*\(([-+]?\d+(?:\.\d+)?)\)")


def parse_perf_log(log: str) -> dict[str, Any]:
    """Per-stream FPS from a deepstream-app log: the last report's current and average FPS per
    stream, their sum over streams, and how many reports there were."""
    reports: list[list[tuple[float, float]]] = []
    for line in log.splitlines():
        m = _LINE.match(line.strip("\r"))
        if not m or "FPS" in m.group(1):
            continue
        pairs = [(float(a), float(b)) for a, b in _PAIR.findall(m.group(1))]
        if pairs:
            reports.append(pairs)
    if not reports:
        return {"reports": 0, "streams": 0, "fps": None, "fps_avg": None, "per_stream": []}
    last = reports[-1]
    return {
        "reports": len(reports),
        "streams": len(last),
        "fps": round(sum(c for c, _ in last), 2),  # all streams together, latest interval
        "fps_avg": round(sum(a for _, a in last), 2),  # all streams together, since the start
        "per_stream": [{"fps": c, "fps_avg": a} for c, a in last],
    }
