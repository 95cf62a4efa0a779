"""Capability checks of the Triton route (pipeline.infer_plugin, pipeline.triton.url, run.backend=triton)."""

import pytest

from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import compose
from tao2ds.core.errors import CapabilityError


def check(*overrides):
    check_capabilities(compose(list(overrides)).cfg)


@pytest.mark.parametrize(
    "overrides,key,expect",
    [
        (["pipeline.triton.url=http://h:8001"], "pipeline.triton.url", "gRPC mode needs the Triton server"),
        (["pipeline.triton.url=h:0"], "pipeline.triton.url", "is not host:port"),
        (["model.name=my/model"], "model.name", "cannot name a Triton model"),
        (["run.triton_url=h"], "run.triton_url", "is not host:port"),
        (["run.triton_timeout_s=0"], "run.triton_timeout_s", "run.triton_timeout_s"),
    ],
)
def test_nvinferserver_refusals(overrides, key, expect):
    with pytest.raises(CapabilityError) as e:
        check("pipeline.infer_plugin=nvinferserver", *overrides)
    assert expect in str(e.value) and e.value.key == key


def test_nvinfer_refuses_triton_only_settings():
    with pytest.raises(CapabilityError) as e:
        check("pipeline.triton.url=h:8001")
    assert "applies to nvinferserver only" in str(e.value)
    with pytest.raises(CapabilityError) as e:
        check("run.backend=triton")
    assert "this build is for nvinfer" in str(e.value) and "pipeline.infer_plugin=nvinferserver" in str(
        e.value
    )


@pytest.mark.parametrize("target", ["jetson_nano", "jetson_xavier", "jetson_orin", "x86_dgpu"])
# (DeepStream < 6.0, which nvinferserver.release_problem refuses, is outside the release table already)
def test_every_target_takes_nvinferserver(target):
    check(
        f"target={target}",
        "pipeline.infer_plugin=nvinferserver",
        "pipeline.triton.url=triton.lan:8001",
        "run.backend=triton",
        "run.triton_url='[::1]:8001'",  # Hydra: brackets need quotes
    )


def test_uff_etlt_refused(tmp_path):
    from tests.etlt_factory import make_header_only_etlt

    uff = make_header_only_etlt(tmp_path / "abc.etlt", "input_1")
    with pytest.raises(CapabilityError) as e:
        check(
            "target=jetson_nano",
            "model.onnx=null",
            f"model.etlt={uff}",
            "pipeline.infer_plugin=nvinferserver",
        )
    assert "a UFF model" in str(e.value) and "re-export the model as ONNX" in str(e.value)
