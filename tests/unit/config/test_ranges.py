"""The declarative range table: each refusal names key, value and allowed range."""

import pytest

from tao2ds.config.capabilities import RANGES, check_capabilities
from tao2ds.config.compose import compose
from tao2ds.core.errors import CapabilityError


def check(*overrides):
    check_capabilities(compose(list(overrides)).cfg)


RTSP2 = "pipeline.sinks=[{kind:rtsp},{kind:rtsp}]"


@pytest.mark.parametrize(
    "overrides,key,value,allowed",
    [
        (["model.preprocessing.net_scale_factor=0"], "model.preprocessing.net_scale_factor", 0.0, "> 0"),
        (["model.preprocessing.net_scale_factor=-1.5"], "model.preprocessing.net_scale_factor", -1.5, "> 0"),
        (["calibration.batches=0"], "calibration.batches", 0, ">= 1"),
        (["calibration.batch_size=0"], "calibration.batch_size", 0, ">= 1"),
        (["engine.workspace_mib=0"], "engine.workspace_mib", 0, ">= 1"),
        (["engine.gpu_id=-1"], "engine.gpu_id", -1, ">= 0"),
        (["pipeline.streammux.width=0"], "pipeline.streammux.width", 0, ">= 1"),
        (["pipeline.streammux.height=-2"], "pipeline.streammux.height", -2, ">= 1"),
        (["pipeline.tiled_display.rows=0"], "pipeline.tiled_display.rows", 0, ">= 1"),
        (["pipeline.tiled_display.columns=0"], "pipeline.tiled_display.columns", 0, ">= 1"),
        (["pipeline.tiled_display.width=0"], "pipeline.tiled_display.width", 0, ">= 1"),
        (["pipeline.tiled_display.height=0"], "pipeline.tiled_display.height", 0, ">= 1"),
        (["pipeline.sinks.1.bitrate=0"], "pipeline.sinks[1].bitrate", 0, "> 0"),
        ([RTSP2, "pipeline.sinks.1.rtsp_port=0"], "pipeline.sinks[1].rtsp_port", 0, "within 1..65535"),
        ([RTSP2, "pipeline.sinks.0.udp_port=70000"], "pipeline.sinks[0].udp_port", 70000, "within 1..65535"),
        (["model.batch_size=0"], "model.batch_size", 0, ">= 1"),
        (["model.classifier_threshold=-0.1"], "model.classifier_threshold", -0.1, "within 0..1"),
    ],
)
def test_out_of_range_names_key_value_range(overrides, key, value, allowed):
    with pytest.raises(CapabilityError) as e:
        check(*overrides)
    assert e.value.key == key and e.value.value == value
    assert f"{key}={value}: must be {allowed}" in str(e.value)


def test_every_range_key_exists_in_the_schema():
    tree = compose([]).to_dict()
    for path in RANGES:
        node = tree
        for part in path.split("."):
            node = node[0] if isinstance(node, list) and node else node
            name = part[:-3] if part.endswith("[*]") else part
            assert isinstance(node, dict) and name in node, path
            node = node[name]
            if part.endswith("[*]"):
                node = node[0] if node else {}


@pytest.mark.parametrize(
    "overrides",
    [
        ["calibration.batches=null"],
        ["calibration.batches=1"],
        ["model.preprocessing.net_scale_factor=0.0039"],
        ["engine.gpu_id=0"],
        [RTSP2, "pipeline.sinks.0.rtsp_port=65535", "pipeline.sinks.1.rtsp_port=1"],
        ["model.classifier_threshold=1e-05"],
        ["model.classifier_threshold=0"],
        ["model.classifier_threshold=1"],
    ],
)
def test_in_range_values_pass(overrides):
    check(*overrides)
