"""Input files checked before any task: empty, a directory, a dangling link or a link loop."""

import os

import pytest

from tao2ds.config.compose import compose
from tao2ds.core.errors import InputError
from tao2ds.steps.context import _check_inputs, file_problem


def test_file_problems(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "ok").write_bytes(b"x")
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    assert file_problem(tmp_path / "ok") is None
    assert file_problem(tmp_path / "empty") == "the file is empty"
    assert file_problem(tmp_path) == "is a directory, not a file"
    assert file_problem(tmp_path / "loop_a") == "is a symbolic link that leads nowhere (dangling, or a loop)"
    assert (
        file_problem(tmp_path / "dangling") == "is a symbolic link that leads nowhere (dangling, or a loop)"
    )
    assert file_problem(tmp_path / "none") == "file not found"
    os.mkfifo(tmp_path / "fifo")
    assert file_problem(tmp_path / "fifo") == "is not a regular file (a device, pipe or socket)"


@pytest.mark.parametrize("key", ["model.onnx", "model.classmap", "model.spec", "pipeline.sources.0.uri"])
def test_an_empty_input_is_refused_naming_the_key(tmp_path, key):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError) as e:
        _check_inputs(compose([f"{key}={tmp_path / 'empty.mp4'}"]).cfg)
    shown = key.replace(".0.", "[0].")
    assert str(e.value).startswith(f"{shown}={tmp_path / 'empty.mp4'}: the file is empty")
    assert e.value.exit_code == 3


def test_an_empty_frame_of_a_sequence_is_named(tmp_path):
    (tmp_path / "img_0000.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "img_0001.jpg").write_bytes(b"")
    uri = tmp_path / "img_%04d.jpg"
    with pytest.raises(InputError, match=rf"{tmp_path / 'img_0001.jpg'}: the file is empty"):
        _check_inputs(compose([f"pipeline.sources.0.uri={uri}", "run.backend=reference"]).cfg)


def test_a_name_too_long_for_the_file_system(tmp_path):
    long = tmp_path / ("a" * 5000)
    assert file_problem(long) == "cannot be read (File name too long)"
    with pytest.raises(
        InputError, match=r"^pipeline.sources\[0\].uri=.*: cannot be read \(File name too long\)"
    ):
        _check_inputs(compose([f"pipeline.sources.0.uri={long}.mp4"]).cfg)


def test_two_different_sources_with_one_name_are_refused(tmp_path):
    for d, data in (("a", b"first"), ("b", b"second")):
        (tmp_path / d).mkdir()
        (tmp_path / d / "clip.mp4").write_bytes(data)
    srcs = f"pipeline.sources=[{{uri:{tmp_path}/a/clip.mp4}},{{uri:{tmp_path}/b/clip.mp4}}]"
    with pytest.raises(InputError) as e:
        _check_inputs(compose([srcs]).cfg)
    assert str(e.value).startswith(
        f"pipeline.sources[1].uri={tmp_path}/b/clip.mp4: {tmp_path}/b/clip.mp4 and {tmp_path}/a/clip.mp4 "
        "(pipeline.sources[0]) are different files with one name; both would be staged as media/clip.mp4"
    )


def test_one_file_listed_twice_is_staged_once(tmp_path):
    from tao2ds.artifacts.layout import TargetLayout
    from tao2ds.steps.configs import local_media
    from tao2ds.steps.context import TargetBuild

    (tmp_path / "clip.mp4").write_bytes(b"x")
    c = compose([f"pipeline.sources=[{{uri:{tmp_path}/clip.mp4}},{{uri:{tmp_path}/clip.mp4}}]"])
    _check_inputs(c.cfg)
    assert local_media(TargetBuild(c, TargetLayout.from_cfg(c.cfg))) == [tmp_path / "clip.mp4"]
