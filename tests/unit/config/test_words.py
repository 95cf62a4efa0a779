"""Issue 10, misleading words: run.backend has one canonical spelling; run.max_frames is named."""

import pytest

from tao2ds.config.capabilities import find_problems
from tao2ds.config.compose import compose
from tao2ds.config.schema import RunBackend
from tao2ds.core.errors import ConfigError


@pytest.mark.parametrize("spelling", ["deepstream-app", "deepstream_app"])
def test_both_spellings_give_the_canonical_backend(spelling):
    c = compose([f"run.backend={spelling}"])
    assert c.to_dict()["run"]["backend"] == "deepstream-app"
    assert c.obj.run.backend is RunBackend["deepstream-app"] and str(c.obj.run.backend) == "deepstream-app"


def test_unknown_backend_lists_canonical_names_once():
    with pytest.raises(ConfigError) as e:
        compose(["run.backend=gstreamer"])
    assert str(e.value) == (
        "invalid value for 'run.backend': Invalid value 'gstreamer', "
        "expected one of [auto, deepstream-app, pyds, servicemaker, reference, triton]"
    )


@pytest.mark.parametrize("frames", [-1, 0])
def test_max_frames_refusal_names_the_key(frames):
    found = find_problems(compose([f"run.max_frames={frames}"]).cfg)
    assert [str(p) for p in found] == [
        f"run.max_frames={frames}: must be >= 1 or null (null = every frame of the sources)"
    ]


def test_line_break_in_a_command_line_value_names_the_key():
    with pytest.raises(ConfigError) as e:
        compose(["pipeline.osd.font=Serif\nBold"])
    assert str(e.value).startswith(
        "pipeline.osd.font: the value given on the command line ('pipeline.osd.font=Serif\\nBold') holds a "
        "line break; config values are single-line"
    )
    assert e.value.key == "pipeline.osd.font"


def test_line_break_in_a_yaml_value_is_refused_for_the_key_file(tmp_path):
    import shutil

    from tao2ds.config.compose import CONF_DIR

    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    pipe = conf / "pipeline" / "classify_frames.yaml"
    pipe.write_text(pipe.read_text() + 'osd:\n  font: "Serif\\nBold"\n')
    found = find_problems(compose([], conf_dir=conf).cfg)
    assert [p.key for p in found] == ["pipeline.osd.font"]
    assert "line break" in found[0].message


def test_unresolvable_interpolation_names_the_key():
    with pytest.raises(ConfigError) as e:
        compose(["model.onnx=${oops}"])
    assert str(e.value) == "invalid value for 'model.onnx': Interpolation key 'oops' not found"
