"""`doit profile target=T` against the trtexec stand-in on the loopback OpenSSH "device": the engine
is copied there, trtexec --loadEngine runs at the engine's batch, and the performance summary (in
the emulated TensorRT version's layout) lands in results/profile.json and in the report."""

import json
import os
import stat

import pytest

from tests.conftest import DoitRun
from tests.fakes.device import make_device
from tests.fakes.sshd import sshd  # noqa: F401  (fixture)

FAKE_DEEPSTREAM_APP = """#!/bin/sh
[ "$1" = -c ] && [ -f "$2" ] || { echo "usage: deepstream-app -c <config>" >&2; exit 2; }
printf '\\n**PERF:  FPS 0 (Avg)\\t\\n'
printf '**PERF:  28.00 (28.00)\\t\\n'
printf '**PERF:  30.25 (29.12)\\t\\n'
echo "** INFO: <bus_callback:314>: Received EOS. Exiting ..."
"""


def _device_args(sshd, tmp_path):  # noqa: F811
    return [
        "engine.builder=ssh",
        *sshd.target_overrides(),
        f"cache.dir={tmp_path / 'cache'}",
    ]


@pytest.fixture(scope="module")
def orin_b4(sshd, tmp_path_factory):  # noqa: F811
    """One ssh build (batch 4) for the module; each test leaves the device as it found it."""
    tmp_path = tmp_path_factory.mktemp("orin_b4")
    make_device(sshd.device.dir, trt="10.3.0", jetson="orin")
    args = ["target=jetson_orin", "precision=fp16", "model.batch_size=4", *_device_args(sshd, tmp_path)]
    run = DoitRun(tmp_path)
    run("build", *args)
    return run, args, sshd.device


def test_profile_over_ssh_writes_profile_json_and_reaches_the_report(orin_b4):
    run, args, device = orin_b4
    builds = len(device.calls())
    proc = run("profile", *args, "profile.duration_s=1", "profile.warmup_ms=50")
    calls = device.calls()[builds:]
    assert len(calls) == 1
    argv = calls[0]
    assert argv[0] == "--loadEngine=model.onnx_b4_gpu0_fp16.engine"
    assert "--shapes=input_1:4x3x80x60" in argv and "--duration=1" in argv and "--warmUp=50" in argv
    out = run.build / "jetson_orin"
    # the engine went to <remote_dir>/<folder>/ on the device, byte for byte
    engine = out / "model.onnx_b4_gpu0_fp16.engine"
    remote = device.dir.parent / "remote" / "jetson_orin" / engine.name
    assert remote.read_bytes() == engine.read_bytes()

    profile = json.loads((out / "results" / "profile.json").read_text())
    t = profile["trtexec"]
    assert t["where"] == run_host(args) and t["summary"]["trt_version"] == "10.3.0"
    # stand-in: fp16 = 0.15 ms GPU compute per image, batch 4
    assert t["gpu_compute_median_ms"] == pytest.approx(0.6)
    assert t["latency_p99_ms"] > t["latency_median_ms"] > t["gpu_compute_median_ms"]
    assert t["images_per_s"] == pytest.approx(4 * t["throughput_qps"])
    assert "TensorRT 10.3.0, batch 4" in proc.stdout
    assert "Performance summary" in (out / "results" / "profile" / "trtexec.log").read_text()

    run("report")
    page = (run.build / "report.html").read_text()
    assert f"{t['images_per_s']:.4g}" in page and f"{t['latency_p99_ms']:.4g}" in page
    # the per-combination profile table: one row per timing line, min … p99 … max
    assert "<th scope='row'>GPU compute (ms)</th>" in page
    assert (
        "<th scope='col'>p90</th><th scope='col'>p95</th><th scope='col'>p99</th><th scope='col'>max</th>"
        in page
    )


def run_host(args):
    return next(a.split("=", 1)[1] for a in args if a.startswith("target.host="))


def test_profile_with_deepstream_app_parses_its_fps_lines(orin_b4):
    run, args, device = orin_b4
    fake = device.bin / "deepstream-app"
    fake.write_text(FAKE_DEEPSTREAM_APP)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    try:
        run("profile", *args, "run.backend=deepstream_app", "profile.duration_s=1")
    finally:
        fake.unlink()
    profile = json.loads((run.build / "jetson_orin" / "results" / "profile.json").read_text())
    assert profile["deepstream_app"]["reports"] == 2 and profile["deepstream_app"]["fps_avg"] == 29.12
    assert profile["deepstream_app"]["per_stream"] == [{"fps": 30.25, "fps_avg": 29.12}]
    assert "trtexec" in profile  # the engine is measured too


def test_profile_refuses_when_the_device_no_longer_matches_the_engine(orin_b4):
    run, args, device = orin_b4
    before = len(device.calls())
    device.set("fake_trt_version", "10.4.0")  # the device was upgraded after the build
    try:
        proc = run("profile", *args, check=False)
    finally:
        device.set("fake_trt_version", "10.3.0")
    # the engine step re-probes the device before profile runs, and refuses with both versions shown
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "10.3.0" in proc.stderr and "10.4.0" in proc.stderr
    assert len(device.calls()) == before  # no trtexec ran


def test_profile_without_an_engine_says_how_to_get_one(tmp_path):
    run = DoitRun(tmp_path)
    run("build", "target=jetson_orin")  # engine.builder=auto: DeepStream builds it on the device
    proc = run("profile", "target=jetson_orin", check=False)
    assert (
        proc.returncode != 0 and "no engine to profile" in proc.stderr and "engine.builder=ssh" in proc.stderr
    )


def test_profile_here_when_the_local_trtexec_matches_the_engine(tmp_path, monkeypatch):
    dev = make_device(
        tmp_path / "here", trt="10.16.0.72"
    )  # a Tesla T4 (7.5) with x86_dgpu's TensorRT (DS 9.2)
    monkeypatch.setenv("PATH", f"{dev.bin}:{os.environ['PATH']}")
    monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
    run = DoitRun(tmp_path)
    args = ["target=x86_dgpu", "engine.builder=trtexec"]
    run("build", *args)
    proc = run("profile", *args, "profile.duration_s=1")
    assert "the local trtexec" in proc.stdout
    load = [c for c in dev.calls() if c[0].startswith("--loadEngine=")]
    assert (
        len(load) == 1
        and load[0][0] == f"--loadEngine={run.build / 'x86_dgpu' / 'model.onnx_b1_gpu0_fp16.engine'}"
    )
    profile = json.loads((run.build / "x86_dgpu" / "results" / "profile.json").read_text())
    assert profile["trtexec"]["where"] == "local" and profile["trtexec"][
        "gpu_compute_median_ms"
    ] == pytest.approx(0.15)

    refused = run("profile", *args, "profile.where=ssh", check=False)  # no target.host to go to
    assert refused.returncode != 0 and "target.host" in refused.stderr and "Traceback" not in refused.stderr
