"""Probe parsers against the real output formats of trtexec, nvidia-smi, nvcc and Jetson files."""

from __future__ import annotations

import pytest

from tao2ds.core.errors import ProbeError
from tao2ds.engine.probe import (
    decode_trt_version_number,
    env_from_outputs,
    jetson_family,
    parse_cuda_version,
    parse_nv_tegra_release,
    parse_nvidia_smi,
    parse_probe_output,
    parse_trtexec_banner,
    probe_commands,
    probe_script,
    run_local_probe,
)
from tao2ds.engine.types import BuilderEnv

TRTEXEC_10_RUN = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --onnx=m.onnx --skipInference
[11/26/2026-10:00:00] [I] === Model Options ===
[11/26/2026-10:00:00] [I] Format: ONNX
[11/26/2026-10:00:00] [I]
[11/26/2026-10:00:00] [I] TensorRT version: 10.3.0
[11/26/2026-10:00:00] [I] Loading standard plugins
"""
# 8.0 printed getInferLibVersion(): the bare number.
TRTEXEC_80_RUN = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v8001] # trtexec --loadEngine=m.engine
[04/14/2026-01:36:48] [I] TensorRT version: 8001
"""


@pytest.mark.parametrize(
    "banner, version",
    [
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v8201] # trtexec --help", "8.2.1"),
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v8502] # trtexec --help", "8.5.2"),
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # /usr/src/tensorrt/bin/trtexec --help", "8.6.1"),
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v8412] # trtexec --help", "8.4.12"),
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --help", "10.3.0"),
        ("&&&& RUNNING TensorRT.trtexec [TensorRT v101602] [b10] # trtexec --help", "10.16.2"),
        (TRTEXEC_10_RUN, "10.3.0"),
        (TRTEXEC_80_RUN, "8.0.1"),
        ("[07/14/2023-11:52:09] [I] TensorRT version: 8.2.1", "8.2.1"),
    ],
)
def test_trtexec_banner(banner, version):
    assert parse_trtexec_banner(banner) == version


def test_trtexec_banner_missing():
    with pytest.raises(ValueError):
        parse_trtexec_banner("bash: trtexec: command not found")


@pytest.mark.parametrize(
    "digits, version",
    [
        ("8201", "8.2.1"),
        ("8502", "8.5.2"),
        ("8601", "8.6.1"),
        ("7103", "7.1.3"),
        ("100300", "10.3.0"),
        ("110100", "11.1.0"),
    ],
)
def test_decode_version_number(digits, version):
    assert decode_trt_version_number(digits) == version


def test_nvidia_smi():
    assert parse_nvidia_smi("Tesla T4, 7.5, 535.183.06") == ("Tesla T4", "7.5", "535.183.06")
    assert parse_nvidia_smi("NVIDIA GeForce RTX 3060, 8.6, 595.71.05\n") == (
        "NVIDIA GeForce RTX 3060",
        "8.6",
        "595.71.05",
    )
    assert parse_nvidia_smi('Field "compute_cap" is not a valid field to query.') == (None, None, None)
    assert parse_nvidia_smi("Orin (nvgpu), [N/A], 540.4.0") == ("Orin (nvgpu)", None, "540.4.0")


def test_nv_tegra_release():
    r36 = (
        "# R36 (release), REVISION: 4.0, GCID: 37537400, BOARD: generic, EABI: aarch64, "
        "DATE: Fri Sep 13 04:36:44 UTC 2024\n# KERNEL_VARIANT: oot\nTARGET_USERSPACE_LIB_DIR=nvidia\n"
    )
    assert parse_nv_tegra_release(r36) == "R36.4.0"
    assert (
        parse_nv_tegra_release(
            "# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, "
            "DATE: Sat Feb 19 17:05:08 UTC 2022"
        )
        == "R32.7.1"
    )
    assert parse_nv_tegra_release("") is None


@pytest.mark.parametrize(
    "model, family",
    [
        ("NVIDIA Jetson Nano Developer Kit", ("Nano", "5.3")),
        ("Jetson-AGX", ("Xavier", "7.2")),
        ("NVIDIA Jetson Xavier NX Developer Kit", ("Xavier", "7.2")),
        ("NVIDIA Jetson AGX Orin Developer Kit", ("Orin", "8.7")),
        ("NVIDIA Jetson Orin Nano Developer Kit", ("Orin", "8.7")),
        ("Raspberry Pi 4 Model B", (None, None)),
    ],
)
def test_jetson_family(model, family):
    assert jetson_family(model) == family


def test_cuda_version_sources():
    nvcc = (
        "nvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2024 NVIDIA Corporation\n"
        "Built on Wed_Aug_14_10:10:22_PDT_2024\nCuda compilation tools, release 12.6, V12.6.68\n"
        "Build cuda_12.6.r12.6/compiler.34714021_0\n"
    )
    assert parse_cuda_version(nvcc_text=nvcc) == "12.6"
    assert parse_cuda_version(version_json='{"cuda": {"name": "CUDA SDK", "version": "11.4.19"}}') == "11.4"
    assert parse_cuda_version(version_txt="CUDA Version 10.2.300\n") == "10.2"
    # /usr/local/cuda wins over an unrelated nvcc on PATH
    assert parse_cuda_version(nvcc, '{"cuda": {"version": "12.2.140"}}') == "12.2"
    assert parse_cuda_version() is None


def test_env_from_outputs_dgpu():
    env = env_from_outputs(
        {
            "trtexec_banner": "&&&& RUNNING TensorRT.trtexec [TensorRT v100300] [b26] # trtexec",
            "nvidia_smi": "Tesla T4, 7.5, 535.183.06\nTesla T4, 7.5, 535.183.06",
            "cuda_version_json": '{"cuda": {"version": "12.6.2"}}',
        }
    )
    assert env == BuilderEnv("10.3.0", "12.6", "Tesla T4", "7.5", "dgpu", None, None)


def test_env_from_outputs_jetson():
    env = env_from_outputs(
        {
            "trtexec_banner": "&&&& RUNNING TensorRT.trtexec [TensorRT v8201] # trtexec --help",
            "tegra_release": "# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref",
            "device_model": "NVIDIA Jetson Nano Developer Kit\x00",
            "cuda_version_txt": "CUDA Version 10.2.300",
        }
    )
    assert env == BuilderEnv(
        "8.2.1", "10.2", "Nano", "5.3", "jetson", "NVIDIA Jetson Nano Developer Kit", "R32.7.1"
    )


def test_env_trt_version_override_and_missing_trtexec():
    assert env_from_outputs({}, trt_version="10.3.0.26").trt_version == "10.3.0.26"
    with pytest.raises(ProbeError, match="trtexec was not found"):
        env_from_outputs({"nvidia_smi": "Tesla T4, 7.5, 535.183.06"})


def test_probe_script_round_trip(tmp_path, monkeypatch):
    """The one script runs every command; failures are empty answers, outputs stay separated."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/nv_tegra_release").write_text("# R35 (release), REVISION: 4.1, GCID: 33958178\n")
    (root / "proc/device-tree").mkdir(parents=True)
    (root / "proc/device-tree/model").write_bytes(b"Jetson-AGX\x00")
    monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(root))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    out = run_local_probe(probe_commands(trtexec=str(tmp_path / "missing-trtexec")))
    assert out["trtexec_path"] == "" and out["trtexec_banner"] == ""
    assert out["tegra_release"].startswith("# R35")
    assert out["device_model"] == "Jetson-AGX"
    assert out["cuda_version_json"] == ""
    assert set(out) == {k for k, _ in probe_commands()}


def test_probe_script_separates_outputs():
    import subprocess

    script = probe_script([("a", "echo 1; echo 2"), ("b", "echo oops >&2; false"), ("c", "echo 3")])
    proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0
    assert parse_probe_output(proc.stdout) == {"a": "1\n2", "b": "", "c": "3"}
