"""Measure a built engine with ``trtexec --loadEngine`` and read its performance summary.

What trtexec prints at the end of an inference run (NVIDIA/TensorRT samples/common/sampleReporting.cpp
``printEpilog``, read at tags 8.0.1, 8.2.1, 8.4.1, 8.5.2, v10.3.0 and v11.0), each line behind the
logger's ``[MM/DD/YYYY-HH:MM:SS] [I] `` prefix::

    === Performance summary ===
    Throughput: <q> qps
    Latency: min = <a> ms, max = <b> ms, mean = <c> ms, median = <d> ms, percentile(99%) = <e> ms
    End-to-End Host Latency: ...            (8.0 and 8.2 only; removed in 8.4)
    Enqueue Time: ...
    H2D Latency: ...
    GPU Compute Time: ...
    D2H Latency: ...
    Total Host Walltime: <s> s
    Total GPU Compute Time: <s> s

Up to 8.4 each timing line has one ``percentile(P%)`` (``--percentile``, default 99; 8.2.1
sampleOptions.h ``defaultPercentile{99}``); from 8.5 there are several (``--percentile=90,95,99`` by
default; 8.5.2 sampleOptions.h ``defaultPercentiles{90, 95, 99}``), e.g. the real 8.6 log in NVIDIA's
trt-samples-for-hackathon-cn cookbook/07-Tool/trtexec/result-03.log. Numbers are C++ ``ostream``
floats (6 significant digits, scientific notation for very small or large values).

A query is one ``enqueue`` of the engine: for explicit-batch engines "a single query" of the whole
``--shapes`` batch (v10.3.0 sampleReporting.cpp ``printPerformanceReport``: "treat inference with
explicit batch as a single query"), so images per second are ``qps × batch``. TensorRT before 8.0
printed another layout and is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from tao2ds.core.errors import BuildError, VersionError
from tao2ds.engine.trtexec_cmd import shape_spec
from tao2ds.engine.versions import parse_version

_NUM = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan))"
_PREFIX = re.compile(r"^\[\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\] \[[A-Z]\] ")
_TIMING = re.compile(
    rf"min = (?P<min>{_NUM}) ms, max = (?P<max>{_NUM}) ms, mean = (?P<mean>{_NUM}) ms, "
    rf"median = (?P<median>{_NUM}) ms(?P<pcts>(?:, percentile\({_NUM}%\) = (?:{_NUM}) ms)*)\s*$"
)
_PCT = re.compile(rf"percentile\((?P<p>{_NUM})%\) = (?P<v>{_NUM}) ms")
_TIMING_LINES = {
    "Latency": "latency_ms",
    "End-to-End Host Latency": "end_to_end_host_latency_ms",
    "Enqueue Time": "enqueue_time_ms",
    "H2D Latency": "h2d_latency_ms",
    "GPU Compute Time": "gpu_compute_time_ms",
    "D2H Latency": "d2h_latency_ms",
}
HEADER = "=== Performance summary ==="


def _pct_key(p: str) -> str:
    f = float(p)
    return f"p{int(f)}" if f.is_integer() else "p" + f"{f:g}".replace(".", "_")


def _timing(text: str, what: str) -> dict[str, float]:
    m = _TIMING.match(text)
    if not m:
        raise BuildError(f"trtexec's performance summary has an unreadable {what!r} line: {text!r}")
    out = {k: float(m.group(k)) for k in ("min", "max", "mean", "median")}
    for pm in _PCT.finditer(m.group("pcts")):
        out[_pct_key(pm.group("p"))] = float(pm.group("v"))
    return out


def parse_performance_summary(log: str, trt_version: str, batch: int = 1) -> dict[str, Any]:
    """The performance summary of a trtexec run (the last one in ``log``), as numbers.

    Returns ``throughput_qps``, ``images_per_s`` (qps × batch), one dict per timing line
    (``latency_ms``, ``gpu_compute_time_ms``, …: min, max, mean, median, p<P> for each percentile
    printed) and the two totals. BuildError if the log has no summary (trtexec failed or
    inference was skipped), VersionError for TensorRT before 8.0.
    """
    v = parse_version(trt_version)
    if v < (8, 0, 0):
        raise VersionError(
            f"TensorRT {trt_version}: trtexec before 8.0 prints another performance report; "
            "profiling needs TensorRT 8.0 or later",
            value=trt_version,
        )
    bodies = [_PREFIX.sub("", line.rstrip("\r")) for line in log.splitlines()]
    starts = [i for i, b in enumerate(bodies) if b.strip() == HEADER]
    if not starts:
        raise BuildError("trtexec printed no performance summary (did inference run?)")
    result: dict[str, Any] = {"trt_version": trt_version, "batch": batch}
    for body in bodies[starts[-1] + 1 :]:
        name, sep, rest = body.partition(": ")
        if not sep:
            continue
        if name == "Throughput":
            m = re.fullmatch(rf"({_NUM}) qps\s*", rest)
            if not m:
                raise BuildError(f"trtexec's performance summary has an unreadable throughput: {body!r}")
            result["throughput_qps"] = float(m.group(1))
        elif name in _TIMING_LINES:
            result[_TIMING_LINES[name]] = _timing(rest, name)
        elif name in ("Total Host Walltime", "Total GPU Compute Time"):
            m = re.fullmatch(rf"({_NUM}) s\s*", rest)
            if m:
                result[
                    "total_host_walltime_s" if name.startswith("Total Host") else "total_gpu_compute_s"
                ] = float(m.group(1))
        elif name.startswith("&&&&") or name in (
            "Explanations of the performance metrics are printed in the verbose logs.",
        ):
            break
    missing = [k for k in ("throughput_qps", "latency_ms", "gpu_compute_time_ms") if k not in result]
    if missing:
        raise BuildError(f"trtexec's performance summary lacks {', '.join(missing)}")
    result["images_per_s"] = result["throughput_qps"] * batch
    return result


def headline(perf: dict[str, Any]) -> dict[str, Optional[float]]:
    """The figures the report shows: throughput, latency median/p99 and GPU compute median (ms)."""
    lat, gpu = perf.get("latency_ms", {}), perf.get("gpu_compute_time_ms", {})
    return {
        "throughput_qps": perf.get("throughput_qps"),
        "images_per_s": perf.get("images_per_s"),
        "latency_median_ms": lat.get("median"),
        "latency_p99_ms": lat.get("p99"),
        "gpu_compute_median_ms": gpu.get("median"),
    }


def profile_argv(
    trtexec: str,
    engine: str | Path,
    input_name: str,
    shape: tuple[int, ...],
    *,
    dla_core: Optional[int] = None,
    warmup_ms: int = 200,
    duration_s: int = 3,
    iterations: int = 10,
) -> list[str]:
    """``trtexec --loadEngine`` at the engine's batch (its opt = max profile shape).

    ``--shapes`` picks the profile point for explicit-batch engines with a dynamic batch (ours: min 1,
    opt = max = batch); ``--useDLACore`` is needed again at load time for a DLA engine. ``--warmUp``
    (ms), ``--duration`` (s) and ``--iterations`` exist in every trtexec from 8.0 on (sampleOptions.cpp).
    """
    argv = [
        trtexec,
        f"--loadEngine={engine}",
        "--shapes=" + shape_spec(input_name, tuple(shape)),
        f"--warmUp={int(warmup_ms)}",
        f"--duration={int(duration_s)}",
        f"--iterations={int(iterations)}",
    ]
    if dla_core is not None:
        argv.append(f"--useDLACore={dla_core}")
    return argv
