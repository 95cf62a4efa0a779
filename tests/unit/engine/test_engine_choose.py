"""Choosing a builder for a target, and the sentence that explains the choice."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tao2ds.core.errors import BuilderMismatch, Tao2dsError
from tao2ds.engine.builders.choose import DeepStreamBuilder, choose_builder
from tao2ds.engine.builders.ssh import SshBuilder
from tao2ds.engine.builders.tensorrt import TensorRTBuilder
from tao2ds.engine.builders.trtexec import TrtexecBuilder
from tao2ds.engine.types import BuilderEnv
from tests.fakes.device import make_device
from tests.fakes.fake_tensorrt import make_fake_tensorrt

T4_103 = BuilderEnv("10.3.0", "12.6", "Tesla T4", "7.5", "dgpu", None, None)
T4_86 = BuilderEnv("8.6.1", "12.0", "Tesla T4", "7.5", "dgpu", None, None)


@dataclass
class Target:
    tensorrt: str = "10.3.0"
    compute_capability: str = "7.5"
    platform: str = "dgpu"
    host: str | None = None
    user: str | None = "nvidia"
    port: int = 22
    ssh_key: str | None = None
    remote_dir: str = "tao2ds"


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """Control what this machine has: tensorrt module (or not), trtexec on PATH (or not)."""

    def setup(*, tensorrt: bool, trtexec: bool):
        if tensorrt:
            monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("10.3.0.26"))
        else:
            monkeypatch.setitem(sys.modules, "tensorrt", None)  # import raises ImportError
        path = str(make_device(tmp_path / "dev").bin) if trtexec else str(tmp_path / "empty")
        monkeypatch.setenv("PATH", path)
        monkeypatch.setattr("tao2ds.engine.builders.trtexec.JETSON_TRTEXEC", tmp_path / "no-trtexec")

    return setup


KH = Path("proj/known_hosts")


def probe_with(envs):
    return lambda builder: envs.get(builder.name)


def test_auto_prefers_matching_tensorrt_module(machine):
    machine(tensorrt=True, trtexec=True)
    builder, reason = choose_builder(
        "auto", Target(), probe_with({"tensorrt": T4_103, "trtexec": T4_103}), known_hosts=KH
    )
    assert isinstance(builder, TensorRTBuilder)
    assert reason == (
        "Building in-process with the tensorrt module: TensorRT 10.3.0, Tesla T4 (compute 7.5) "
        "matches the target."
    )


def test_auto_falls_back_to_trtexec(machine):
    machine(tensorrt=True, trtexec=True)
    builder, reason = choose_builder(
        "auto", Target(), probe_with({"tensorrt": T4_86, "trtexec": T4_103}), known_hosts=KH
    )
    assert isinstance(builder, TrtexecBuilder)
    assert "local trtexec" in reason


def test_auto_goes_to_the_device_over_ssh(machine, tmp_path):
    machine(tensorrt=False, trtexec=True)
    target = Target(
        tensorrt="8.5.2",
        compute_capability="7.2",
        platform="jetson",
        host="xavier.local",
        ssh_key="~/.ssh/id_ed25519",
    )
    builder, reason = choose_builder(
        "auto", target, probe_with({"trtexec": T4_103}), known_hosts=tmp_path / "kh"
    )
    assert isinstance(builder, SshBuilder)
    assert (builder.host, builder.user, builder.port, builder.remote_dir) == (
        "xavier.local",
        "nvidia",
        22,
        "tao2ds",
    )
    assert builder.known_hosts == tmp_path / "kh"
    assert reason == (
        "Building on the device xavier.local over ssh (no tensorrt Python module; the local trtexec "
        "(TensorRT 10.3.0, Tesla T4 (compute 7.5)) does not match; the target needs TensorRT 8.5.2, "
        "compute 7.2, jetson)."
    )


def test_auto_without_host_leaves_it_to_deepstream(machine):
    machine(tensorrt=False, trtexec=False)
    builder, reason = choose_builder("auto", Target(), probe_with({}), known_hosts=KH)
    assert isinstance(builder, DeepStreamBuilder) and builder.build(None) is None
    assert "DeepStream" in reason and "no local trtexec" in reason


def test_explicit_local_builder_must_match(machine):
    machine(tensorrt=False, trtexec=True)
    with pytest.raises(BuilderMismatch):
        choose_builder("trtexec", Target(tensorrt="8.5.2"), probe_with({"trtexec": T4_103}), known_hosts=KH)
    with pytest.raises(Tao2dsError, match="not usable"):
        choose_builder("tensorrt", Target(), probe_with({}), known_hosts=KH)


def test_explicit_ssh_and_unknown(machine):
    machine(tensorrt=False, trtexec=False)
    with pytest.raises(Tao2dsError, match="needs target.host"):
        choose_builder("ssh", Target(), probe_with({}), known_hosts=KH)
    builder, _ = choose_builder("ssh", Target(host="orin"), probe_with({}), known_hosts=KH)
    assert isinstance(builder, SshBuilder) and builder.known_hosts == KH  # the caller's (engine.known_hosts)
    with pytest.raises(Tao2dsError, match="unknown engine builder"):
        choose_builder("magic", Target(), probe_with({}), known_hosts=KH)
