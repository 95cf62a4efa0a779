"""Capability checks for .etlt models and the TAO builders (before any task runs)."""

import pytest

from tao2ds.config.capabilities import check_capabilities, uff_supported
from tao2ds.config.compose import compose
from tao2ds.core.errors import CapabilityError
from tests.etlt_factory import make_header_only_etlt

HOST = ["target.host=192.0.2.10"]  # documentation address: nothing connects in these checks


def check(*overrides):
    check_capabilities(compose(list(overrides)).cfg)


@pytest.fixture
def uff(tmp_path):
    return make_header_only_etlt(tmp_path / "abc.etlt", "input_1")


@pytest.fixture
def onnx_etlt(tmp_path):
    return make_header_only_etlt(tmp_path / "m.etlt", None)


@pytest.mark.parametrize(
    "ds, trt, ok",
    [("6.0.1", "8.2.1", True), ("7.0", "8.6.2", True), ("7.1", "10.3.0", False), ("7.0", "10.0.0", False)],
)
def test_uff_release_limit(ds, trt, ok):
    assert uff_supported(ds, trt) is ok


def test_uff_refused_on_orin_naming_deepstream_and_tensorrt(uff):
    with pytest.raises(CapabilityError) as e:
        check("target=jetson_orin", "model.onnx=null", f"model.etlt={uff}")
    assert "DeepStream 7.1, TensorRT 10.3.0" in str(
        e.value
    ) and "UFF parsing ended with DeepStream 7.0" in str(e.value)


def test_uff_accepted_on_nano_and_xavier(uff):
    check("target=jetson_nano", "model.onnx=null", f"model.etlt={uff}")
    check(
        "target=jetson_xavier", "model.onnx=null", f"model.etlt={uff}", "engine.builder=tao_converter", *HOST
    )


def test_onnx_etlt_accepted_everywhere(onnx_etlt):
    check("target=jetson_orin", "model.onnx=null", f"model.etlt={onnx_etlt}", "precision=int8")


@pytest.mark.parametrize(
    "overrides, expect",
    [
        (["model.etlt=x.etlt"], "both set; give one model"),
        (["model.onnx=null"], "no model: set model.onnx"),
        (
            ["target=x86_dgpu", "engine.builder=tao_converter", *HOST],
            "is for Jetson targets; x86_dgpu is dgpu",
        ),
        (
            ["target=jetson_orin", "engine.builder=tao_converter", *HOST],
            "jetson_orin runs JetPack 6.1 with TensorRT 10.3.0, and no tao-converter exists",
        ),
        (["target=jetson_nano", "engine.builder=tao_converter"], "needs target.host"),
        (["engine.builder=tao_deploy", "engine.tao_deploy.where=docker"], "needs engine.tao_deploy.image"),
        (["engine.builder=tao_deploy", "engine.tao_deploy.where=ssh"], "where=ssh needs target.host"),
    ],
)
def test_problems(overrides, expect):
    with pytest.raises(CapabilityError, match=expect):
        check(*overrides)


@pytest.mark.parametrize("builder", ["trtexec", "ssh", "tao_deploy"])
def test_uff_needs_a_uff_capable_builder(uff, builder):
    with pytest.raises(CapabilityError, match=f"engine.builder={builder} cannot build a UFF .etlt"):
        check(
            "target=jetson_xavier", "model.onnx=null", f"model.etlt={uff}", f"engine.builder={builder}", *HOST
        )


def test_uff_int8_refused(uff):
    with pytest.raises(CapabilityError, match="precision=int8 with a UFF .etlt"):
        check("target=jetson_xavier", "model.onnx=null", f"model.etlt={uff}", "precision=int8")
