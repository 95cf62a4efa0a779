"""trtexec's performance summary per TensorRT version (engine.perf), and the --loadEngine command line.

The literal logs below are laid out line for line as sampleReporting.cpp printEpilog prints them
(8.2.1: one percentile and End-to-End Host Latency; 8.5.2 / v10.3.0: percentiles 90, 95, 99);
the numbers are made up. The stand-in runs check the parser against the stand-in's own output for
each emulated version.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tao2ds.core.errors import BuildError, VersionError
from tao2ds.engine.perf import headline, parse_performance_summary, profile_argv
from tao2ds.engine.probe import parse_trtexec_banner
from tests.fakes.device import make_device

LOG_82 = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v8201] # trtexec --loadEngine=m.engine
[02/01/2022-10:00:00] [I] Timing trace has 2931 queries over 3.00214 s
[02/01/2022-10:00:00] [I] === Performance summary ===
[02/01/2022-10:00:00] [I] Throughput: 976.287 qps
[02/01/2022-10:00:00] [I] Latency: min = 0.998291 ms, max = 1.82251 ms, mean = 1.01956 ms, median = 1.01465 ms, percentile(99%) = 1.09668 ms
[02/01/2022-10:00:00] [I] End-to-End Host Latency: min = 1.00195 ms, max = 1.96 ms, mean = 1.03 ms, median = 1.02 ms, percentile(99%) = 1.2 ms
[02/01/2022-10:00:00] [I] Enqueue Time: min = 0.0217285 ms, max = 0.0817871 ms, mean = 0.0249 ms, median = 0.0244141 ms, percentile(99%) = 0.0317383 ms
[02/01/2022-10:00:00] [I] H2D Latency: min = 0.0078125 ms, max = 0.0124512 ms, mean = 0.00830078 ms, median = 0.00830078 ms, percentile(99%) = 0.00927734 ms
[02/01/2022-10:00:00] [I] GPU Compute Time: min = 0.984131 ms, max = 1.80884 ms, mean = 1.00623 ms, median = 1.00146 ms, percentile(99%) = 1.08301 ms
[02/01/2022-10:00:00] [I] D2H Latency: min = 3.8147e-06 ms, max = 1.2207e-05 ms, mean = 5.1e-06 ms, median = 4.95911e-06 ms, percentile(99%) = 9.53674e-06 ms
[02/01/2022-10:00:00] [I] Total Host Walltime: 3.00214 s
[02/01/2022-10:00:00] [I] Total GPU Compute Time: 2.94926 s
[02/01/2022-10:00:00] [I] Explanations of the performance metrics are printed in the verbose logs.
&&&& PASSED TensorRT.trtexec [TensorRT v8201] # trtexec --loadEngine=m.engine
"""

LOG_10 = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --loadEngine=m.engine --shapes=input_1:8x3x80x60
[08/01/2024-10:00:00] [I] TensorRT version: 10.3.0
[08/01/2024-10:00:00] [I] === Performance summary ===
[08/01/2024-10:00:00] [I] Throughput: 512.5 qps
[08/01/2024-10:00:00] [I] Latency: min = 1.8 ms, max = 2.9 ms, mean = 1.95 ms, median = 1.93 ms, percentile(90%) = 2.01 ms, percentile(95%) = 2.05 ms, percentile(99%) = 2.4 ms
[08/01/2024-10:00:00] [I] Enqueue Time: min = 0.02 ms, max = 0.05 ms, mean = 0.025 ms, median = 0.024 ms, percentile(90%) = 0.03 ms, percentile(95%) = 0.031 ms, percentile(99%) = 0.04 ms
[08/01/2024-10:00:00] [I] H2D Latency: min = 0.1 ms, max = 0.2 ms, mean = 0.11 ms, median = 0.105 ms, percentile(90%) = 0.12 ms, percentile(95%) = 0.13 ms, percentile(99%) = 0.15 ms
[08/01/2024-10:00:00] [I] GPU Compute Time: min = 1.7 ms, max = 2.7 ms, mean = 1.83 ms, median = 1.81 ms, percentile(90%) = 1.9 ms, percentile(95%) = 1.92 ms, percentile(99%) = 2.2 ms
[08/01/2024-10:00:00] [I] D2H Latency: min = 0.003 ms, max = 0.01 ms, mean = 0.004 ms, median = 0.004 ms, percentile(90%) = 0.005 ms, percentile(95%) = 0.006 ms, percentile(99%) = 0.008 ms
[08/01/2024-10:00:00] [I] Total Host Walltime: 3.0039 s
[08/01/2024-10:00:00] [I] Total GPU Compute Time: 2.8181 s
&&&& PASSED TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --loadEngine=m.engine --shapes=input_1:8x3x80x60
"""


def test_82_summary_one_percentile_and_end_to_end_line():
    p = parse_performance_summary(LOG_82, "8.2.1", batch=1)
    assert p["throughput_qps"] == 976.287 and p["images_per_s"] == 976.287
    assert p["latency_ms"] == {
        "min": 0.998291,
        "max": 1.82251,
        "mean": 1.01956,
        "median": 1.01465,
        "p99": 1.09668,
    }
    assert p["end_to_end_host_latency_ms"]["p99"] == 1.2
    assert p["gpu_compute_time_ms"]["median"] == 1.00146
    assert p["d2h_latency_ms"]["min"] == pytest.approx(3.8147e-06)  # ostream's scientific notation
    assert p["total_host_walltime_s"] == 3.00214 and p["total_gpu_compute_s"] == 2.94926
    assert headline(p) == {
        "throughput_qps": 976.287,
        "images_per_s": 976.287,
        "latency_median_ms": 1.01465,
        "latency_p99_ms": 1.09668,
        "gpu_compute_median_ms": 1.00146,
    }


def test_10x_summary_three_percentiles_and_images_per_batch():
    p = parse_performance_summary(LOG_10, "10.3.0", batch=8)
    assert p["latency_ms"]["p90"] == 2.01 and p["latency_ms"]["p95"] == 2.05 and p["latency_ms"]["p99"] == 2.4
    assert "end_to_end_host_latency_ms" not in p
    assert p["images_per_s"] == pytest.approx(512.5 * 8)  # one query = one explicit batch of 8
    assert headline(p)["gpu_compute_median_ms"] == 1.81


def test_last_summary_wins_and_missing_summary_fails():
    twice = LOG_82.replace("&&&& PASSED", "X") + LOG_10
    assert parse_performance_summary(twice, "10.3.0")["throughput_qps"] == 512.5
    no_summary = "\n".join(line for line in LOG_10.splitlines() if "Performance summary" not in line)
    with pytest.raises(BuildError, match="no performance summary"):
        parse_performance_summary(no_summary, "10.3.0")
    broken = LOG_10.replace("median = 1.81 ms", "median = ? ms")
    with pytest.raises(BuildError, match="GPU Compute Time"):
        parse_performance_summary(broken, "10.3.0")


def test_trt7_layout_is_refused():
    with pytest.raises(VersionError, match="8.0"):
        parse_performance_summary(LOG_82, "7.1.3")


def test_profile_argv_gpu_and_dla():
    argv = profile_argv(
        "trtexec", "m.engine", "input_1", (4, 3, 80, 60), warmup_ms=100, duration_s=2, iterations=50
    )
    assert argv == [
        "trtexec",
        "--loadEngine=m.engine",
        "--shapes=input_1:4x3x80x60",
        "--warmUp=100",
        "--duration=2",
        "--iterations=50",
    ]
    assert profile_argv("trtexec", "m.engine", "input_1", (1, 3, 80, 60), dla_core=1)[-1] == "--useDLACore=1"


def _standin(tmp_path: Path, version: str, *args: str) -> subprocess.CompletedProcess:
    device = make_device(tmp_path / "device", trt=version)  # its own copy: the stand-in logs beside itself
    return subprocess.run(
        [sys.executable, str(device.trtexec), *args], cwd=tmp_path, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "version,percentiles",
    [
        ("8.2.1", {"p99"}),
        ("8.4.1", {"p99"}),
        ("8.5.2", {"p90", "p95", "p99"}),
        ("10.3.0", {"p90", "p95", "p99"}),
    ],
)
def test_parser_reads_the_standin_of_each_version(tmp_path, multitask_onnx, version, percentiles):
    shapes = [f"--{k}Shapes=input_1:{b}x3x80x60" for k, b in (("min", 1), ("opt", 4), ("max", 4))]
    built = _standin(
        tmp_path, version, f"--onnx={multitask_onnx}", "--saveEngine=m.engine", *shapes, "--fp16"
    )
    assert built.returncode == 0, built.stdout
    argv = profile_argv("trtexec", "m.engine", "input_1", (4, 3, 80, 60))
    ran = _standin(tmp_path, version, *argv[1:])
    assert ran.returncode == 0, ran.stdout
    assert parse_trtexec_banner(ran.stdout) == version
    p = parse_performance_summary(ran.stdout, version, batch=4)
    assert set(k for k in p["latency_ms"] if k.startswith("p")) == percentiles
    assert ("end_to_end_host_latency_ms" in p) == (version == "8.2.1")  # removed in 8.4
    # the stand-in's fp16 figure is 0.15 ms of GPU compute per image; the latency adds the transfers
    assert p["gpu_compute_time_ms"]["median"] == pytest.approx(0.6)
    assert p["latency_ms"]["median"] > p["gpu_compute_time_ms"]["median"]
    assert p["images_per_s"] == pytest.approx(p["throughput_qps"] * 4)


def test_standin_refuses_an_engine_of_another_version_and_a_shape_outside_the_profile(
    tmp_path, multitask_onnx
):
    shapes = [f"--{k}Shapes=input_1:{b}x3x80x60" for k, b in (("min", 1), ("opt", 2), ("max", 2))]
    assert (
        _standin(tmp_path, "8.5.2", f"--onnx={multitask_onnx}", "--saveEngine=m.engine", *shapes).returncode
        == 0
    )
    other = _standin(tmp_path, "10.3.0", "--loadEngine=m.engine", "--shapes=input_1:2x3x80x60")
    assert other.returncode == 1 and "not compatible" in other.stdout
    outside = _standin(tmp_path, "8.5.2", "--loadEngine=m.engine", "--shapes=input_1:4x3x80x60")
    assert outside.returncode == 1 and "optimization profile" in outside.stdout
