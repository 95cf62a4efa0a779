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


def test_conf_file_not_utf8_is_named(conf):
    (conf / "target" / "x86_dgpu.yaml").write_bytes(b"name: x86_dgpu\ndescription: caf\xe9\n")
    with pytest.raises(ConfigError) as e:
        compose([], conf_dir=conf)
    assert str(e.value) == (
        f"{conf}/target/x86_dgpu.yaml: not UTF-8 text (byte 0xe9 at offset 31, line 2)\n  hint: save it as UTF-8"
    )


def test_duplicate_key_in_a_conf_file(conf):
    pipe = conf / "pipeline" / "classify_frames.yaml"
    pipe.write_text(pipe.read_text() + "sinks: []\n")
    with pytest.raises(
        ConfigError,
        match=r"classify_frames.yaml: not valid YAML \(line \d+, column 1: found duplicate key sinks\)",
    ):
        compose([], conf_dir=conf)


def test_a_directory_named_like_an_option_is_not_one(conf, tmp_path):
    from tao2ds.config.compose import ComposeCache

    (conf / "target" / "x86_dgpu.yaml").unlink()
    (conf / "target" / "x86_dgpu.yaml").mkdir()
    assert ComposeCache(tmp_path / "cache.json", conf).get([]) is None  # hashing conf/ skips it
    with pytest.raises(
        ConfigError,
        match="chooses unknown target 'x86_dgpu'; valid choices: jetson_nano, jetson_orin, jetson_thor, jetson_xavier, x86_blackwell",
    ):
        compose([], conf_dir=conf)
