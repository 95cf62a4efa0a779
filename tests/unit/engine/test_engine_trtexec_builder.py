"""The trtexec stand-in behaves like the version it emulates, and the local trtexec builder drives it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from tao2ds.core.errors import EngineBuildError
from tao2ds.engine.builders.trtexec import TrtexecBuilder
from tao2ds.engine.trtexec_cmd import parse_trtexec_output_order, trtexec_argv
from tao2ds.engine.types import BuilderEnv
from tests.fakes.device import make_device
from tests.unit.engine.conftest import GRAPH_OUTPUTS


def run_fake(dev, *args, env=None):
    return subprocess.run([str(dev.trtexec), *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "version, flag",
    [
        ("8.2.1", "--memPoolSize=workspace:1024"),
        ("8.0.1", "--dumpLayerInfo"),
        ("8.5.2", "--skipInference"),
        ("10.3.0", "--workspace=1024"),
        ("10.3.0", "--buildOnly"),
        ("11.1.0", "--int8"),
        ("11.1.0", "--fp16"),
        ("11.1.0", "--calib=cal.bin"),
    ],
)
def test_fake_rejects_flags_the_version_lacks(tmp_path, multitask_onnx, version, flag):
    dev = make_device(tmp_path / "dev", trt=version)
    proc = run_fake(dev, f"--onnx={multitask_onnx}", flag)
    assert proc.returncode == 1
    assert f"Unknown option: {flag.split('=')[0]}" in proc.stdout
    assert "&&&& FAILED TensorRT.trtexec" in proc.stdout


@pytest.mark.parametrize(
    "version, precisions",
    [
        ("8.0.1", ["fp32", "fp16", "int8"]),
        ("8.2.1", ["fp32", "fp16", "int8"]),
        ("8.4.1", ["fp16"]),
        ("8.5.2", ["fp16", "int8"]),
        ("8.6.1", ["fp16", "int8"]),
        ("10.3.0", ["fp32", "fp16", "int8"]),
        ("11.1.0", ["fp32", "int8"]),
    ],
)
def test_fake_accepts_what_trtexec_argv_builds(tmp_path, make_request, calib_cache_for, version, precisions):
    """Cross-check of two independent readings of the flag history: our argv vs the fake's checks.

    The int8 cache is written for the emulated version (header TRT-<NV_TENSORRT_VERSION>-...), as tao2ds
    writes it; the fake refuses a cache of another version, as TensorRT does.
    """
    dev = make_device(tmp_path / "dev", trt=version)
    for precision in precisions:
        calib = calib_cache_for(version) if precision == "int8" and version != "11.1.0" else None
        req = make_request(
            precision=precision,
            calib_cache=calib,
            timing_cache=tmp_path / "tc.bin",
            engine_out=tmp_path / f"{precision}.engine",
        )
        proc = subprocess.run(trtexec_argv(req, version, str(dev.trtexec)), capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
        assert "&&&& PASSED" in proc.stdout


def test_fake_version_file_wins_over_env(tmp_path, multitask_onnx):
    dev = make_device(tmp_path / "dev", trt="8.2.1")
    env = {"PATH": "/usr/bin:/bin", "FAKE_TRT_VERSION": "10.3.0"}
    assert "[TensorRT v8201] #" in run_fake(dev, "--help", env=env).stdout
    dev.set("fake_trt_version", None)
    assert "[TensorRT v100300] [b26] #" in run_fake(dev, "--help", env=env).stdout


def test_fake_checks_inputs(tmp_path, multitask_onnx):
    dev = make_device(tmp_path / "dev", trt="8.5.2")
    assert (
        "Cannot find input tensor"
        in run_fake(dev, f"--onnx={multitask_onnx}", "--minShapes=x:1x3x80x60").stdout
    )
    assert run_fake(dev, "--onnx=/nonexistent.onnx").returncode == 1
    dla = run_fake(
        dev,
        f"--onnx={multitask_onnx}",
        "--useDLACore=0",
        "--fp16",
        "--minShapes=input_1:1x3x80x60",
        "--optShapes=input_1:4x3x80x60",
        "--maxShapes=input_1:4x3x80x60",
    )
    assert "DLA does not support dynamic shapes" in dla.stdout
    assert (
        "not found"
        in run_fake(dev, f"--onnx={multitask_onnx}", "--int8", f"--calib={tmp_path}/no.bin").stdout
    )


@pytest.mark.parametrize(
    "version, header",
    [
        ("10.3.0", "TRT-10300-EntropyCalibration2"),  # TAO Deploy's MAJOR*1000+... formula: wrong for 10.x
        ("10.3.0", "TRT-8502-EntropyCalibration2"),
        ("8.2.1", "TRT-8502-EntropyCalibration2"),
        ("8.5.2", "TRT-8502-MinMaxCalibration"),  # another calibrator
        ("8.5.2", "TRT-8502-EntropyCalibration2 "),  # not exactly the header
    ],
)
def test_fake_rejects_calibration_cache_of_another_version(tmp_path, multitask_onnx, version, header):
    dev = make_device(tmp_path / "dev", trt=version)
    cache = tmp_path / "cal.bin"
    cache.write_text(header + "\ninput_1: 3c010a14\n")
    proc = run_fake(dev, f"--onnx={multitask_onnx}", "--int8", "--fp16", f"--calib={cache}")
    assert proc.returncode == 1
    assert "] [E] " in proc.stdout and "&&&& FAILED TensorRT.trtexec" in proc.stdout


@pytest.mark.parametrize(
    "version, header",
    [
        ("8.2.1", "TRT-8201-EntropyCalibration2"),
        ("8.5.2", "TRT-8502-EntropyCalibration2"),
        ("10.3.0", "TRT-100300-EntropyCalibration2"),
    ],
)
def test_fake_accepts_calibration_cache_of_its_version(tmp_path, multitask_onnx, version, header):
    dev = make_device(tmp_path / "dev", trt=version)
    cache = tmp_path / "cal.bin"
    cache.write_text(header + "\ninput_1: 3c010a14\n")
    proc = run_fake(dev, f"--onnx={multitask_onnx}", "--int8", "--fp16", f"--calib={cache}")
    assert proc.returncode == 0, proc.stdout
    assert "] [E] " not in proc.stdout


@pytest.mark.parametrize(
    "repeated",
    [
        ["--fp16", "--fp16"],
        ["--verbose", "--verbose"],
        ["--optShapes=input_1:1x3x80x60", "--optShapes=input_1:2x3x80x60"],
    ],
)
def test_fake_rejects_a_repeated_flag(tmp_path, multitask_onnx, repeated):
    dev = make_device(tmp_path / "dev", trt="8.5.2")
    proc = run_fake(dev, f"--onnx={multitask_onnx}", *repeated)
    assert proc.returncode == 1
    assert f"Unknown option: {repeated[1].split('=')[0]}" in proc.stdout
    assert "&&&& FAILED TensorRT.trtexec" in proc.stdout


@pytest.mark.parametrize(
    "version, line",
    [
        ("8.5.2", "Created output binding for season/Softmax with dimensions 2x4"),
        ("10.3.0", "Output binding for season/Softmax with dimensions 2x4 is created."),
    ],
)
def test_fake_binding_lines_per_version_are_read_back(tmp_path, multitask_onnx, version, line):
    """An inference run (no --skipInference/--buildOnly) prints that version's binding lines."""
    dev = make_device(tmp_path / "dev", trt=version)
    dev.set("fake_trt_output_order", "reversed")
    proc = run_fake(
        dev,
        f"--onnx={multitask_onnx}",
        "--fp16",
        "--minShapes=input_1:1x3x80x60",
        "--optShapes=input_1:2x3x80x60",
        "--maxShapes=input_1:2x3x80x60",
    )
    assert proc.returncode == 0, proc.stdout
    assert f"[I] {line}\n" in proc.stdout
    assert ("Created output binding" in proc.stdout) == version.startswith("8.")
    assert parse_trtexec_output_order(proc.stdout, ["input_1"]) == GRAPH_OUTPUTS[::-1]


def test_local_build_with_a_cache_of_another_version_fails(local_device, make_request, calib_cache):
    local_device(trt="10.3.0")  # calib_cache is for 8.5.2
    req = make_request(precision="int8", calib_cache=calib_cache)
    with pytest.raises(EngineBuildError, match="TRT-100300-EntropyCalibration2"):
        TrtexecBuilder().build(req)
    assert not req.engine_out.exists()


@pytest.fixture
def local_device(tmp_path, monkeypatch):
    """Make a fake device the local machine: its bin first on PATH, its files the probe's sysroot."""

    def use(**kwargs):
        dev = make_device(tmp_path / "dev", **kwargs)
        monkeypatch.setenv("PATH", dev.path_env)
        monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
        return dev

    return use


def test_local_build_dgpu(local_device, make_request, tmp_path):
    dev = local_device(trt="10.3.0", gpu="Tesla T4, 7.5, 535.183.06")
    req = make_request(timing_cache=tmp_path / "cache" / "timing.cache", batch_size=2)
    builder = TrtexecBuilder(dev.trtexec)
    result = builder.build(req)
    assert result.env == BuilderEnv("10.3.0", "12.6", "Tesla T4", "7.5", "dgpu", None, None)
    assert result.output_order == GRAPH_OUTPUTS
    assert result.engine == req.engine_out and req.engine_out.read_bytes().startswith(b"FAKE-TRT-ENGINE")
    assert json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])["precision"] == "fp16"
    assert req.timing_cache.read_text().startswith("FAKE-TIMING-CACHE")
    assert sorted(p.name for p in req.engine_out.parent.iterdir()) == [
        "multitask.engine"
    ]  # temp name renamed
    [argv] = dev.calls()
    tmp = argv[1].removeprefix("--saveEngine=")
    assert tmp.startswith(str(req.engine_out.parent / ".multitask.engine."))
    # trtexec updates a copy of the timing cache, renamed over the real one only after a good build
    tmp_tc = argv[7].removeprefix("--timingCacheFile=")
    assert tmp_tc.startswith(str(req.timing_cache.parent / ".timing.cache.")) and not Path(tmp_tc).exists()
    assert argv == [
        f"--onnx={req.onnx}",
        f"--saveEngine={tmp}",
        "--minShapes=input_1:1x3x80x60",
        "--optShapes=input_1:2x3x80x60",
        "--maxShapes=input_1:2x3x80x60",
        "--memPoolSize=workspace:1024",
        "--fp16",
        f"--timingCacheFile={tmp_tc}",
        "--skipInference",
        "--dumpLayerInfo",
        "--verbose",
    ]


def test_local_build_emulated_jetson_nano_trt80(local_device, make_request):
    """8.0 has no engine inspector: the order comes from one inference's binding lines."""
    dev = local_device(trt="8.0.1", jetson="nano")
    dev.set("fake_trt_output_order", "reversed")
    result = TrtexecBuilder(dev.trtexec).build(make_request())
    assert result.env == BuilderEnv(
        "8.0.1", "10.2", "Nano", "5.3", "jetson", "NVIDIA Jetson Nano Developer Kit", "R32.7.1"
    )
    assert result.output_order == GRAPH_OUTPUTS[::-1]
    assert "Created output binding for season/Softmax" in result.log
    assert "--workspace=1024" in dev.calls()[-1] and "--iterations=1" in dev.calls()[-1]


def test_local_build_failure_leaves_nothing(local_device, make_request, tmp_path):
    dev = local_device(trt="10.3.0")
    req = make_request()
    dev.set("fake_trt_version", "10.3.0")
    bad = dataclasses.replace(req, input_name="not_an_input")
    with pytest.raises(EngineBuildError, match="Cannot find input tensor"):
        TrtexecBuilder(dev.trtexec).build(bad)
    assert not req.engine_out.exists()
    assert list(req.engine_out.parent.iterdir()) == []
