import pytest

from tao2ds.config.compose import compose, split_targets
from tao2ds.core.errors import ConfigError


def test_defaults_compose_to_x86_fp16_sample():
    c = compose([])
    assert c.target == "x86_dgpu"
    assert str(c.cfg.precision.name) == "fp16"
    assert c.cfg.model.onnx.endswith("multitask_sample/model.onnx")


@pytest.mark.parametrize("override,expect", [
    ("target=jetson_nan", "valid choices: jetson_nano, jetson_orin, jetson_xavier, x86_dgpu"),
    ("precision=int4", "valid choices: fp16, fp32, int8"),
    ("pipeline=detect", "valid choices: classify_frames, detect_classify"),
    ("model.threshold=0.3", "unknown config key 'model.threshold'"),
    ("+model.foo=1", "unknown config key 'model.foo'"),
    ("model.batch_size=many", "invalid value for 'model.batch_size'"),
    ("engine.builder=docker", "expected one of [auto, tensorrt, trtexec, ssh, deepstream]"),
    ("pipeline.sinks.0.kind=tv", "pipeline.sinks[0].kind"),
])
def test_bad_overrides_name_key_and_choices(override, expect):
    with pytest.raises(ConfigError) as e:
        split_targets([override])
        compose([override])
    assert expect in str(e.value)


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match="did you mean 'model.classifier_threshold'"):
        compose(["model.classifier_treshold=0.6"])


def test_override_values_and_plus_forms():
    c = compose(["target=jetson_orin", "precision=int8", "model.classifier_threshold=0.6", "++model.batch_size=4"])
    assert (c.target, str(c.cfg.precision.name), c.cfg.model.classifier_threshold, c.cfg.model.batch_size) == \
        ("jetson_orin", "int8", 0.6, 4)


def test_targets_split():
    assert split_targets(["targets=jetson_nano,x86_dgpu", "precision=fp16"]) == (["jetson_nano", "x86_dgpu"], ["precision=fp16"])
    assert split_targets(["targets=all"])[0] == ["jetson_nano", "jetson_orin", "jetson_xavier", "x86_dgpu"]
    with pytest.raises(ConfigError, match="not both"):
        split_targets(["targets=jetson_nano", "target=x86_dgpu"])


def test_target_records_versions():
    t = compose(["target=jetson_xavier"]).cfg.target
    assert (str(t.platform), t.gpu.compute_capability, t.deepstream, t.tensorrt, t.gpu.dla_cores, t.jetpack) == \
        ("jetson", "7.2", "6.3", "8.5.2", 2, "5.1.2")
