"""Issue 10, security: a target's name is a plain identifier equal to its file's; file sinks stay
inside the target folder."""

import shutil

import pytest

from tao2ds.config.capabilities import find_problems
from tao2ds.config.compose import CONF_DIR, compose
from tao2ds.core.errors import ConfigError


@pytest.mark.parametrize("name", ["../../x", "a/b", "_common", "-rf", "x86 dgpu", ".", "x.y"])
def test_target_name_must_be_a_plain_identifier(name):
    with pytest.raises(ConfigError) as e:
        compose([f"target.name={name!r}"])
    assert e.value.key == "target.name"
    assert str(e.value).startswith(f"target.name={name!r}: a target's name must be a plain identifier")


def test_target_name_must_equal_its_file_name():
    with pytest.raises(ConfigError) as e:
        compose(["target=x86_dgpu", "target.name=jetson_nano"])
    assert str(e.value).startswith(
        f"target.name=jetson_nano but the target's file is {CONF_DIR / 'target' / 'x86_dgpu.yaml'}: "
        "a target's name must equal its file name"
    )


def test_a_copied_target_that_kept_the_old_name_is_refused(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    shutil.copy(conf / "target" / "x86_dgpu.yaml", conf / "target" / "my_box.yaml")
    assert compose(["target=x86_dgpu"], conf_dir=conf).target == "x86_dgpu"
    with pytest.raises(ConfigError) as e:
        compose(["target=my_box"], conf_dir=conf)
    assert e.value.hint == f"set 'name: my_box' in {conf / 'target' / 'my_box.yaml'}"
    (conf / "target" / "my_box.yaml").write_text(
        (conf / "target" / "my_box.yaml").read_text().replace("name: x86_dgpu", "name: my_box")
    )
    assert compose(["target=my_box"], conf_dir=conf).target == "my_box"


@pytest.mark.parametrize("path", ["/tmp/out.mp4", "../out.mp4", "results/../../out.mp4", ""])
def test_file_sink_outside_the_target_folder_is_refused(path):
    found = find_problems(compose([f"pipeline.sinks.1.output_file='{path}'"]).cfg)
    assert [p.key for p in found] == ["pipeline.sinks[1].output_file"]
    assert "must be a relative path inside the target folder" in found[0].message


@pytest.mark.parametrize("path", ["out.mp4", "results/out.mp4", "./x.mkv"])
def test_file_sink_inside_the_target_folder_is_fine(path):
    assert find_problems(compose([f"pipeline.sinks.1.output_file={path}"]).cfg) == []
