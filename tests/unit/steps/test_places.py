"""Where a build writes (build.dir, cache.dir, engine.known_hosts) is checked before any task."""

import os

import pytest

from tao2ds.artifacts.layout import TargetLayout
from tao2ds.config.compose import compose
from tao2ds.core.errors import ConfigError
from tao2ds.steps.context import TargetBuild, _check_sink_files, check_places


def places(*overrides):
    return check_places(compose(list(overrides)).cfg)


@pytest.fixture
def in_project(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


@pytest.mark.parametrize(
    "build_dir,expect",
    [
        ("''", "build.dir is empty: targets would be written into the project itself"),
        ("' '", "build.dir is empty: targets would be written into the project itself"),
        (".", "build.dir=. is the project folder ("),
        ("sub/..", "build.dir=sub/.. is the project folder ("),
        ("..", "build.dir=.. is a folder containing the project ("),
        ("/", "build.dir=/ is a folder containing the project ("),
    ],
)
def test_build_dir_may_not_be_empty_or_hold_the_project(in_project, build_dir, expect):
    with pytest.raises(ConfigError) as e:
        places(f"build.dir={build_dir}")
    assert str(e.value).startswith(expect) and e.value.key == "build.dir"


@pytest.mark.parametrize("key", ["build.dir", "cache.dir"])
def test_a_file_where_a_folder_goes(in_project, key):
    (in_project / "f").write_text("x")
    for value in ("f", "f/deeper/still"):
        with pytest.raises(ConfigError) as e:
            places(f"{key}={value}")
        assert str(e.value).startswith(f"{key}={value}: f is a file, not a directory")


def test_unwritable_folder(in_project, monkeypatch):
    (in_project / "ro").mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == "ro" else real(p, mode))
    with pytest.raises(ConfigError, match=r"^build.dir=ro/build: ro is not writable by this user"):
        places("build.dir=ro/build")


def test_known_hosts_checked_when_a_device_is_reached(in_project):
    (in_project / "kh").mkdir()
    places("engine.known_hosts=kh")  # no target.host: not used
    with pytest.raises(ConfigError, match=r"^engine.known_hosts=kh is a directory"):
        places("engine.known_hosts=kh", "+target.host=jetson")
    (in_project / "f").write_text("x")
    with pytest.raises(ConfigError, match=r"^engine.known_hosts=f/known_hosts: f is a file, not a directory"):
        places("engine.known_hosts=f/known_hosts", "+target.host=jetson")


def test_defaults_pass(in_project):
    places()
    places("build.dir=out/b", "cache.dir=../cache")


@pytest.mark.parametrize(
    "name", ["labels.txt", "./deepstream_app.txt", "manifest.json", "model.onnx", "media"]
)
def test_file_sink_over_a_build_file_is_refused(name):
    c = compose([f"pipeline.sinks.1.output_file={name}"])
    with pytest.raises(
        ConfigError, match=rf"^pipeline.sinks\[1\].output_file={name}: that is one of the build's own files"
    ):
        _check_sink_files(TargetBuild(c, TargetLayout.from_cfg(c.cfg)))


@pytest.mark.parametrize("sub", ["x86_dgpu", "_common"])
def test_a_file_where_a_build_folder_goes(in_project, sub):
    (in_project / "build").mkdir()
    (in_project / "build" / sub).write_text("x")
    with pytest.raises(ConfigError) as e:
        places("build.dir=build")
    assert str(e.value).startswith(f"build.dir=build: build/{sub} is a file where the build folder goes")


def test_a_build_dir_name_too_long(in_project):
    with pytest.raises(ConfigError, match=r"^cannot use .*aaaa: File name too long"):
        places("build.dir=" + "a" * 5000)


def test_cache_dir_may_not_be_the_project_and_a_remote_needs_it(in_project):
    with pytest.raises(ConfigError, match=r"^cache.dir=. is the project folder \("):
        places("cache.dir=.")
    with pytest.raises(ConfigError, match=r"^cache.remote=file:///tmp/r without cache.dir: "):
        places("cache.dir=null", "cache.remote=file:///tmp/r")
    places("cache.dir=null")
