import pytest

from tao2ds.config.compose import compose, split_targets
from tao2ds.core.errors import ConfigError


def test_defaults_compose_to_x86_fp16_sample():
    c = compose([])
    assert c.target == "x86_dgpu"
    assert str(c.cfg.precision.name) == "fp16"
    assert c.cfg.model.onnx.endswith("multitask_sample/model.onnx")


@pytest.mark.parametrize(
    "override,expect",
    [
        (
            "target=jetson_nan",
            "valid choices: jetson_nano, jetson_orin, jetson_thor, jetson_xavier, x86_blackwell, x86_dgpu",
        ),
        ("precision=int4", "valid choices: fp16, fp32, int8"),
        ("pipeline=detect", "valid choices: classify_frames, detect_classify"),
        ("model.threshold=0.3", "unknown config key 'model.threshold'"),
        ("+model.foo=1", "unknown config key 'model.foo'"),
        ("model.batch_size=many", "invalid value for 'model.batch_size'"),
        (
            "engine.builder=docker",
            "expected one of [auto, tensorrt, trtexec, ssh, deepstream, tao_converter, tao_deploy]",
        ),
        ("pipeline.sinks.0.kind=tv", "pipeline.sinks[0].kind"),
    ],
)
def test_bad_overrides_name_key_and_choices(override, expect):
    with pytest.raises(ConfigError) as e:
        split_targets([override])
        compose([override])
    assert expect in str(e.value)


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match="did you mean 'model.classifier_threshold'"):
        compose(["model.classifier_treshold=0.6"])


def test_override_values_and_plus_forms():
    c = compose(
        ["target=jetson_orin", "precision=int8", "model.classifier_threshold=0.6", "++model.batch_size=4"]
    )
    assert (
        c.target,
        str(c.cfg.precision.name),
        c.cfg.model.classifier_threshold,
        c.cfg.model.batch_size,
    ) == ("jetson_orin", "int8", 0.6, 4)


def test_targets_split():
    assert split_targets(["targets=jetson_nano,x86_dgpu", "precision=fp16"]) == (
        ["jetson_nano", "x86_dgpu"],
        ["precision=fp16"],
    )
    assert split_targets(["targets=all"])[0] == [
        "jetson_nano",
        "jetson_orin",
        "jetson_thor",
        "jetson_xavier",
        "x86_blackwell",
        "x86_dgpu",
    ]
    with pytest.raises(ConfigError, match="not both"):
        split_targets(["targets=jetson_nano", "target=x86_dgpu"])


def test_target_records_versions():
    t = compose(["target=jetson_xavier"]).cfg.target
    assert (
        str(t.platform),
        t.gpu.compute_capability,
        t.deepstream,
        t.tensorrt,
        t.gpu.dla_cores,
        t.jetpack,
    ) == ("jetson", "7.2", "6.3", "8.5.2.2", 2, "5.1.2")  # derived from the release table


def test_yaml_files_only_choose_options():
    """Defaults live in the schema: config.yaml is the defaults list, group files hold no value
    equal to the schema default at the same key (outside lists, which replace the default)."""
    import yaml
    from omegaconf import OmegaConf

    from tao2ds.config.compose import CONF_DIR
    from tao2ds.config.schema import ModelConfig, PipelineConfig

    root = yaml.safe_load((CONF_DIR / "config.yaml").read_text())
    assert set(root) == {"defaults"}

    def repeats(node, schema, prefix):
        for k, v in node.items():
            if isinstance(v, dict):
                yield from repeats(v, schema[k], f"{prefix}{k}.")
            elif (
                not isinstance(v, list) and k not in ("name", "topology") and schema.get(k) == v
            ):  # what the file is
                yield f"{prefix}{k}"

    for group, cls in (("pipeline", PipelineConfig), ("model", ModelConfig)):
        schema = OmegaConf.to_container(OmegaConf.structured(cls), enum_to_str=True)
        for f in sorted((CONF_DIR / group).glob("*.yaml")):
            assert list(repeats(yaml.safe_load(f.read_text()), schema, "")) == [], f


def test_composed_sections_come_from_the_schema():
    d = compose([]).to_dict()
    assert d["calibration"] == {
        "images": None,
        "method": "entropy",
        "percentile": 99.99,
        "batch_size": 8,
        "batches": None,
    }
    assert d["engine"]["workspace_mib"] == 1024 and d["engine"]["scaling_compute_hw"] == 1
    assert d["run"] == {
        "backend": "auto",
        "max_frames": None,
        "annotate": True,
        "triton_url": None,
        "triton_timeout_s": 10.0,
    }
    assert d["verify"] == {"min_accuracy": 0.95} and d["cache"] == {"dir": ".tao2ds-cache", "remote": None}
    assert d["build"] == {"dir": "build", "skip_invalid": False}
