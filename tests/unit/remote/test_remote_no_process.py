"""A host that would be an ssh option is refused before any process starts, wherever a device is described."""

import os
import shutil
import subprocess

import pytest

from pipelines import launch
from tao2ds.core.errors import ConfigError
from tao2ds.engine.builders.ssh import SshBuilder
from tao2ds.remote.device import Device


@pytest.fixture
def no_process(monkeypatch):
    """Fail the test if anything tries to start a process."""

    def refuse(*args, **kwargs):
        pytest.fail(f"a process was started: {args!r}")

    for name in ("run", "Popen", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    for name in ("system", "posix_spawn", "posix_spawnp", "execv", "execvp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / "x"
    return f"-oProxyCommand=touch {marker}", marker


def test_ssh_builder_refuses_an_option_as_host(no_process, evil, tmp_path):
    host, marker = evil
    with pytest.raises(ConfigError) as e:
        builder = SshBuilder(host=host, known_hosts=tmp_path / "kh", port=22)
        builder.probe()  # never reached
    assert e.value.key == "target.host" and e.value.value == host
    assert not marker.exists()


def test_device_refuses_an_option_as_host(no_process, evil, tmp_path):
    host, marker = evil
    with pytest.raises(ConfigError) as e:
        Device(host, None, 22, None, tmp_path / "kh", "tao2ds").sync(tmp_path)
    assert e.value.key == "target.host"
    assert not marker.exists()


def test_launch_refuses_before_copying_or_running(no_process, evil, tmp_path, monkeypatch):
    """run.backend=deepstream-app / pyds on target.host: the ConfigError comes before the copy and the ssh call."""
    host, marker = evil
    monkeypatch.setattr(
        shutil, "which", lambda name: None
    )  # no local deepstream-app: the remote path is taken
    build = tmp_path / "build" / "x86_dgpu"
    build.mkdir(parents=True)
    target = {
        "name": "x86_dgpu",
        "host": host,
        "user": None,
        "port": 22,
        "ssh_key": None,
        "remote_dir": "tao2ds",
    }
    with pytest.raises(ConfigError) as e:
        launch.run_deepstream_app(build, target, tmp_path / "kh")
    assert e.value.key == "target.host"
    for field, value in [
        ("user", "-oProxyCommand=x"),
        ("ssh_key", "-oProxyCommand=x"),
        ("remote_dir", "$(touch x)"),
    ]:
        with pytest.raises(ConfigError) as e:
            launch.run_deepstream_app(build, {**target, "host": "jetson", field: value}, tmp_path / "kh")
        assert e.value.key == f"target.{field}"
    assert not marker.exists()
