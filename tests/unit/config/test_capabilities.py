import pytest

from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import compose
from tao2ds.core.errors import CapabilityError


def check(*overrides):
    check_capabilities(compose(list(overrides)).cfg)


def test_int8_on_nano_names_gpu_and_supported_precisions():
    with pytest.raises(CapabilityError) as e:
        check("target=jetson_nano", "precision=int8")
    msg = str(e.value)
    assert "sm_53" in msg and "no INT8" in msg and "fp32, fp16" in msg


@pytest.mark.parametrize("overrides,expect", [
    (["target=x86_dgpu", "engine.dla_core=0"], "has no DLA"),
    (["target=jetson_orin", "engine.dla_core=2"], "DLA cores 0..1"),
    (["target=jetson_orin", "engine.dla_core=0", "precision=fp32"], "FP16 and INT8 only"),
    (["target=jetson_nano", "model.batch_size=64"], "batch sizes 1..16"),
    (["target=x86_dgpu", "engine.scaling_compute_hw=2"], "only on Jetson"),
    (["target=jetson_orin", "pipeline.sinks.0.kind=overlay"], "up to DeepStream 6.0.1"),
    (["target=x86_dgpu", "pipeline.sinks.0.kind=drm"], "only on Jetson"),
    (["target=jetson_orin", "pipeline.memory=cuda_unified"], "dGPU only"),
    (["model.classifier_threshold=1.5"], "within 0..1"),
])
def test_capability_problems(overrides, expect):
    with pytest.raises(CapabilityError, match=expect):
        check(*overrides)


def test_all_problems_reported_at_once():
    with pytest.raises(CapabilityError) as e:
        check("target=jetson_nano", "precision=int8", "model.batch_size=64")
    assert "no INT8" in str(e.value) and "batch sizes" in str(e.value)


@pytest.mark.parametrize("overrides", [
    ["target=jetson_orin", "precision=int8", "engine.dla_core=1"],
    ["target=jetson_nano", "pipeline.sinks.0.kind=overlay"],
    ["target=jetson_xavier", "pipeline.sinks.0.kind=drm", "engine.scaling_compute_hw=2"],
])
def test_valid_combinations_pass(overrides):
    check(*overrides)
