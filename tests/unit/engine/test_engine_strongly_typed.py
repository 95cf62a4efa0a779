"""A Q/DQ model on a release whose nvinfer builds it strongly typed: trtexec --stronglyTyped and
NetworkDefinitionCreationFlag.STRONGLY_TYPED, no precision flags (TensorRT >= 10.0)."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from tao2ds.core.errors import EngineBuildError, UnsupportedBuild
from tao2ds.engine.builders.tensorrt import TensorRTBuilder
from tao2ds.engine.trtexec_cmd import trtexec_argv
from tao2ds.engine.types import BuilderEnv
from tests.fakes.fake_tensorrt import make_fake_tensorrt
from tests.unit.engine.test_engine_trtexec_cmd import REQ

QDQ = dataclasses.replace(REQ, precision="int8", strongly_typed=True)


def test_trtexec_strongly_typed_drops_precision_flags():
    argv = trtexec_argv(QDQ, "10.16.1")
    assert "--stronglyTyped" in argv
    assert not {"--int8", "--fp16", "--best"} & set(argv)
    assert "--int8" in trtexec_argv(dataclasses.replace(QDQ, strongly_typed=False), "10.16.1")


@pytest.mark.parametrize("version", ["8.6.1", "8.5.2"])
def test_trtexec_strongly_typed_needs_trt_10(version):
    with pytest.raises(UnsupportedBuild, match="TensorRT 10.0"):
        trtexec_argv(QDQ, version)


def test_python_builder_sets_the_strongly_typed_flag(monkeypatch, make_request):
    mod = make_fake_tensorrt("10.16.1.7")
    monkeypatch.setitem(sys.modules, "tensorrt", mod)
    b = TensorRTBuilder()
    b._env = BuilderEnv("10.16.1.7", "13.2", "Thor", "11.0", "jetson", None, None)
    b.build(make_request(precision="int8", strongly_typed=True))
    create = [c for c in mod.calls if c[0] == "create_network"]
    assert create and create[0][1] == 1 << int(mod.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    assert not [c for c in mod.calls if c[0] == "set_flag" and c[1] in ("FP16", "INT8")]


def test_python_builder_refuses_strongly_typed_before_10(monkeypatch, make_request):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("8.6.1"))
    b = TensorRTBuilder()
    b._env = BuilderEnv("8.6.1", "12.2", "Orin", "8.7", "jetson", None, None)
    with pytest.raises(EngineBuildError, match="TensorRT 10.0"):
        b.build(make_request(precision="int8", strongly_typed=True))
