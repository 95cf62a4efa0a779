"""Malformed YAML under conf/ and a defaults list naming a missing option: one ConfigError naming
the file (and line), not a traceback."""

import shutil

import pytest

from tao2ds.config.compose import CONF_DIR, compose
from tao2ds.core.errors import ConfigError


@pytest.fixture
def conf(tmp_path):
    shutil.copytree(CONF_DIR, tmp_path / "conf")
    return tmp_path / "conf"


@pytest.mark.parametrize(
    "rel,text,expect",
    [
        (
            "target/x86_dgpu.yaml",
            "name: x86_dgpu\n  bad: [\n",
            "target/x86_dgpu.yaml: not valid YAML (line 2, column 6: mapping values are not allowed here)",
        ),
        (
            "target/x86_dgpu.yaml",
            "\tname: x86_dgpu\n",
            "target/x86_dgpu.yaml: not valid YAML (line 1, column 1: found character '\\t' that cannot start any token)",
        ),
        (
            "target/x86_dgpu.yaml",
            "name: x86_dgpu\nplatfrom: dgpu\n",
            "target/x86_dgpu.yaml: unknown config key 'target.platfrom'; valid keys under 'target': ",
        ),
        (
            "model/multitask_sample.yaml",
            "onnx: [1, 2]\n",
            "model/multitask_sample.yaml: invalid value for 'model.onnx': Cannot convert 'ListConfig' to string",
        ),
        (
            "pipeline/classify_frames.yaml",
            "- a\n- b\n",
            "pipeline/classify_frames.yaml: Merge error: list is not a subclass of PipelineConfig",
        ),
    ],
)
def test_bad_yaml_names_the_file(conf, rel, text, expect):
    (conf / rel).write_text(text)
    with pytest.raises(ConfigError) as e:
        compose([], conf_dir=conf)
    assert str(e.value).startswith(f"{conf}/{expect}"), str(e.value)
    assert e.value.exit_code == 2


def test_misspelled_option_in_the_defaults_list(conf):
    (conf / "config.yaml").write_text((conf / "config.yaml").read_text().replace("fp16", "fp61"))
    with pytest.raises(ConfigError) as e:
        compose([], conf_dir=conf)
    assert str(e.value) == (
        f"{conf}/config.yaml: the defaults list chooses unknown precision 'fp61'; "
        "valid choices: fp16, fp32, int8 (did you mean 'fp16'?)"
    )
