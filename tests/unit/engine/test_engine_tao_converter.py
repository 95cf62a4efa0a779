"""engine.builder=tao_converter: tao-converter on the Jetson over the real loopback sshd, with a strict
stand-in (tests/fakes/tao-converter: per-build flag table, key check, UFF/ONNX rules)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tao2ds.core.errors import EngineBuildError, ProbeError, UnsupportedBuild
from tao2ds.engine.builders.tao_converter import TaoConverterBuilder, converter_argv, remote_command
from tests.etlt_factory import KEY, make_header_only_etlt, make_uff_etlt
from tests.fakes.device import FAKES, make_device

UFF_OUTPUTS = ("base_color/Softmax", "category/Softmax", "season/Softmax")


def converter_device(sshd, trt="8.2.1", jetson="nano", build="v3.21.11_trt8.0_aarch64", install=True):
    dev = make_device(sshd.device.dir, trt=trt, jetson=jetson)
    if install:
        shutil.copy2(FAKES / "tao-converter", dev.bin / "tao-converter")
    dev.set("fake_tao_converter_version", build)
    dev.set("fake_tao_key", KEY)
    return dev


def calls(dev) -> list[list[str]]:
    log = dev.bin / "fake_tao_converter_calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def builder(sshd, **kw) -> TaoConverterBuilder:
    args = sshd.builder_kwargs()
    args.pop("trtexec")
    return TaoConverterBuilder(**args, **kw)


@pytest.fixture
def uff_etlt(tmp_path):
    return make_uff_etlt(tmp_path / "m" / "abc.etlt")


def uff_request(make_request, etlt, **kw):
    return make_request(
        **{"onnx": etlt, "model_format": "etlt-uff", "output_names": UFF_OUTPUTS, "key": KEY, **kw}
    )


def test_uff_on_jetson_nano(sshd, make_request, uff_etlt, tmp_path):
    dev = converter_device(sshd)
    req = uff_request(make_request, uff_etlt, batch_size=4, workspace_mib=512)
    result = builder(sshd).build(req)
    assert calls(dev) == [
        [
            "-k", "<key>", "-d", "3,80,60", "-o", "base_color/Softmax,category/Softmax,season/Softmax",
            "-m", "4", "-t", "fp16", "-w", str(512 * 2**20), "-e", "model.engine", "model.etlt",
        ]
    ]  # fmt: skip
    engine = json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])
    assert engine["build"] == "v3.21.11_trt8.0_aarch64" and engine["precision"] == "fp16"
    assert result.output_order == [] and result.env.trt_version == "8.2.1" and result.env.gpu_name == "Nano"
    assert KEY not in result.log and KEY not in sshd.log


def test_onnx_etlt_int8_on_xavier_dla(sshd, make_request, calib_cache_for, multitask_onnx, tmp_path):
    dev = converter_device(sshd, trt="8.5.2", jetson="xavier", build="v3.22.05_trt8.4_aarch64")
    etlt = make_header_only_etlt(tmp_path / "m.etlt", None, multitask_onnx.read_bytes())
    req = make_request(
        onnx=etlt, model_format="etlt-onnx", key=KEY, precision="int8", dla_core=1, batch_size=2,
        calib_cache=calib_cache_for("8.5.2"),
    )  # fmt: skip
    builder(sshd).build(req)
    assert calls(dev)[-1] == [
        "-k", "<key>", "-p", "input_1,2x3x80x60,2x3x80x60,2x3x80x60", "-t", "int8", "-w", str(1024 * 2**20),
        "-e", "model.engine", "-c", "calib.cache", "-u", "1", "model.etlt",
    ]  # fmt: skip
    assert json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])["calib"] is True


def test_wrong_key_fails_without_showing_it(sshd, make_request, uff_etlt):
    converter_device(sshd)
    req = uff_request(make_request, uff_etlt, key="definitely-wrong-key")
    with pytest.raises(EngineBuildError) as e:
        builder(sshd).build(req)
    assert "UffParser: Could not read buffer" in str(e.value)
    assert "definitely-wrong-key" not in str(e.value) and "definitely-wrong-key" not in sshd.log
    assert not req.engine_out.exists()


def test_converter_not_found(sshd, make_request, uff_etlt):
    converter_device(sshd, install=False)
    with pytest.raises(ProbeError, match="tao-converter not found on the device"):
        builder(sshd).build(uff_request(make_request, uff_etlt))


def test_configured_path_is_probed(sshd, make_request, uff_etlt):
    dev = converter_device(sshd, install=False)
    (dev.home / "tools").mkdir(exist_ok=True)
    shutil.copy2(FAKES / "tao-converter", dev.home / "tools" / "tao-converter")
    shutil.copy2(dev.bin / "fake_tao_key", dev.home / "tools" / "fake_tao_key")
    shutil.copy2(dev.bin / "fake_trt_version", dev.home / "tools" / "fake_trt_version")
    builder(sshd, converter=str(dev.home / "tools" / "tao-converter")).build(
        uff_request(make_request, uff_etlt)
    )
    assert (dev.home / "tools" / "fake_tao_converter_calls.log").is_file()


def test_tensorrt_10_device_is_refused(sshd, make_request, uff_etlt):
    converter_device(sshd, trt="10.3.0", jetson="orin")
    with pytest.raises(UnsupportedBuild, match="TensorRT 10.3.0; no tao-converter exists for TensorRT >= 9"):
        builder(sshd).build(uff_request(make_request, uff_etlt))


def test_argv_rules(make_request, uff_etlt):
    with pytest.raises(UnsupportedBuild, match="TAO .etlt files only"):
        converter_argv(make_request(), "tao-converter", "K")
    with pytest.raises(UnsupportedBuild, match="needs a calibration cache"):
        converter_argv(uff_request(make_request, uff_etlt, precision="int8"), "tao-converter", "K")
    cmd = remote_command(
        "/w", converter_argv(uff_request(make_request, uff_etlt), "/opt/tao converter", "@@tao2ds-key@@")
    )
    assert cmd.startswith(
        "cd /w && rm -f model.engine && IFS= read -r TAO2DS_KEY && '/opt/tao converter' -k \"$TAO2DS_KEY\" "
    )
    assert KEY not in cmd


@pytest.mark.parametrize(
    "args, message",
    [
        (["-x", "1"], "Unknown option: -x"),
        (["-t", "fp16", "-t", "fp32"], "option -t given twice"),
        (["-w", "1G"], "expected the workspace in bytes"),
        (["-t", "int8"], "INT8 needs an existing calibration cache"),
        ([], "a UFF model needs -d"),
        (
            ["-d", "3,80,60", "-o", "a/Softmax", "-p", "input_1,1x3x80x60,1x3x80x60,1x3x80x60"],
            "-p is for dynamic-shape",
        ),
    ],
)
def test_stand_in_is_strict(tmp_path, uff_etlt, args, message):
    fake = tmp_path / "bin" / "tao-converter"
    fake.parent.mkdir()
    shutil.copy2(FAKES / "tao-converter", fake)
    (fake.parent / "fake_tao_key").write_text(KEY)
    (fake.parent / "fake_trt_version").write_text("8.6.2")
    proc = subprocess.run(
        [sys.executable, str(fake), "-k", KEY, *args, str(uff_etlt)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and message in proc.stdout
