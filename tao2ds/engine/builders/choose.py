"""The engine builders and the choice between them.

* ``tensorrt``   – in-process, through the tensorrt Python module (tensorrt_builder.py)
* ``trtexec``    – the local trtexec in a subprocess (trtexec_builder.py)
* ``ssh``        – the device's trtexec over ssh (ssh_builder.py)
* ``deepstream`` – build nothing; nvinfer builds from the ONNX at first start

Each builder's module is imported when that builder is chosen: every ``doit`` run chooses (the
engine task's up-to-date check), and a no-op run that leaves the engine to DeepStream or finds
no local TensorRT needs none of them (start-up time, ``tests/e2e/test_noop_imports.py``).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from tao2ds.core.errors import Tao2dsError
from tao2ds.engine.builders.trtexec import find_trtexec

if TYPE_CHECKING:
    from tao2ds.engine.builders.ssh import SshBuilder
    from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult

__all__ = ["Builder", "DeepStreamBuilder", "choose_builder"]

BUILDER_NAMES = ("auto", "tensorrt", "trtexec", "ssh", "deepstream", "tao_converter", "tao_deploy")
_CLASSES = {  # name → module under tao2ds.engine.builders, imported on first use
    "SshBuilder": "ssh",
    "TaoConverterBuilder": "tao_converter",
    "TaoDeployBuilder": "tao_deploy",
    "TaoDeploySshBuilder": "tao_deploy",
    "TensorRTBuilder": "tensorrt",
    "TrtexecBuilder": "trtexec",
}


def _builder_class(name: str) -> Any:
    return getattr(importlib.import_module(f"tao2ds.engine.builders.{_CLASSES[name]}"), name)


class Builder(Protocol):
    name: str

    def probe(self) -> BuilderEnv | None: ...

    def build(self, req: EngineRequest) -> EngineResult | None: ...


class DeepStreamBuilder:
    """Builds nothing: the nvinfer config points at the ONNX and DeepStream builds the engine
    on the device at first start (slow first start, but always the device's own TensorRT)."""

    name = "deepstream"

    def probe(self) -> None:
        return None

    def build(self, req: EngineRequest) -> None:
        return None


def _default_probe(builder: Builder) -> BuilderEnv | None:
    try:
        return builder.probe()
    except Exception:  # a missing/broken local toolchain just means "not this builder"
        return None


def _tensorrt_importable() -> bool:
    try:
        importlib.import_module("tensorrt")
        return True
    except Exception:
        return False


def _mismatches(env: BuilderEnv, want: tuple[str, str, str]) -> list:
    from tao2ds.engine.compat import mismatches  # deferred: see the module doc

    return mismatches(env, *want)


def _describe(env: BuilderEnv) -> str:
    return f"TensorRT {env.trt_version}, {env.gpu_name or 'unknown GPU'} (compute {env.compute_capability or '?'})"


def _ssh_builder(target: Any, known_hosts: Path, cls: str = "SshBuilder", **extra: Any) -> SshBuilder:
    kwargs = dict(extra)
    if getattr(target, "remote_dir", None):
        kwargs["remote_dir"] = target.remote_dir
    return _builder_class(cls)(
        host=target.host,
        user=target.user,
        port=target.port,
        ssh_key=target.ssh_key,
        known_hosts=known_hosts,
        **kwargs,
    )


def choose_builder(
    requested: str,
    target: Any,
    local_env_probe: Callable[[Builder], BuilderEnv | None] | None = None,
    *,
    known_hosts: Path,
) -> tuple[Builder, str]:
    """Pick a builder and say why, in one sentence for the user.

    ``target`` is anything with ``host, user, port, ssh_key, tensorrt, compute_capability,
    platform``. ``local_env_probe`` probes a local builder (None if it is unusable); it is
    injectable so tests need no TensorRT. An explicitly requested local builder that does not
    match the target raises BuilderMismatch.
    """
    probe = local_env_probe or _default_probe
    want = (str(target.tensorrt), str(target.compute_capability), str(target.platform))
    if requested not in BUILDER_NAMES:
        raise Tao2dsError(f"unknown engine builder {requested!r}; choose one of {', '.join(BUILDER_NAMES)}")

    if requested in ("tensorrt", "trtexec"):
        builder: Builder = _builder_class(
            "TensorRTBuilder" if requested == "tensorrt" else "TrtexecBuilder"
        )()
        env = probe(builder)
        if env is None:
            raise Tao2dsError(
                f"engine.builder={requested} was requested, but it is not usable on this machine "
                + (
                    "(the tensorrt Python module does not import)."
                    if requested == "tensorrt"
                    else "(trtexec not found on PATH or in /usr/src/tensorrt/bin)."
                )
            )
        from tao2ds.engine.compat import check_builder_matches_target  # deferred: see the module doc

        check_builder_matches_target(env, *want)
        return builder, f"Building with {requested} as requested ({_describe(env)})."
    if requested == "ssh":
        if not getattr(target, "host", None):
            raise Tao2dsError(
                "engine.builder=ssh needs target.host (and usually target.user / target.ssh_key)"
            )
        return _ssh_builder(target, known_hosts), f"Building on {target.host} over ssh as requested."
    if requested == "tao_converter":
        if not getattr(target, "host", None):
            raise Tao2dsError(
                "engine.builder=tao_converter runs on the Jetson over ssh and needs target.host"
            )
        conv = getattr(target, "tao_converter_path", None)
        return (
            _ssh_builder(target, known_hosts, "TaoConverterBuilder", converter=conv),
            f"Building on {target.host} with tao-converter over ssh, as requested.",
        )
    if requested == "tao_deploy":
        td = dict(getattr(target, "tao_deploy", None) or {})
        where = str(td.get("where") or "local")
        command = td.get("command") or "multitask_classification"
        if where == "ssh":
            if not getattr(target, "host", None):
                raise Tao2dsError("engine.tao_deploy.where=ssh needs target.host")
            return (
                _ssh_builder(target, known_hosts, "TaoDeploySshBuilder", command=command),
                f"Building with TAO Deploy on {target.host} over ssh, as requested.",
            )
        builder = _builder_class("TaoDeployBuilder")(
            where,
            command,
            td.get("image"),
            td.get("docker") or "docker",
            int(getattr(target, "gpu_id", 0) or 0),
        )
        return builder, f"Building with TAO Deploy {builder.place}, as requested."
    if requested == "deepstream":
        return (
            DeepStreamBuilder(),
            "DeepStream will build the engine on the device at first start, as requested.",
        )

    skipped = []
    if _tensorrt_importable():
        builder = _builder_class("TensorRTBuilder")()
        env = probe(builder)
        if env is not None and not _mismatches(env, want):
            return (
                builder,
                f"Building in-process with the tensorrt module: {_describe(env)} matches the target.",
            )
        skipped.append(
            f"the local tensorrt module ({_describe(env)}) does not match"
            if env
            else "the tensorrt module imports but no GPU was found"
        )
    else:
        skipped.append("no tensorrt Python module")
    if find_trtexec() is not None:
        builder = _builder_class("TrtexecBuilder")()
        env = probe(builder)
        if env is not None and not _mismatches(env, want):
            return builder, f"Building with the local trtexec: {_describe(env)} matches the target."
        skipped.append(
            f"the local trtexec ({_describe(env)}) does not match" if env else "the local trtexec failed"
        )
    else:
        skipped.append("no local trtexec")
    why = "; ".join(skipped)
    target_desc = f"TensorRT {want[0]}, compute {want[1]}, {want[2]}"
    if getattr(target, "host", None):
        return (
            _ssh_builder(target, known_hosts),
            f"Building on the device {target.host} over ssh ({why}; the target needs {target_desc}).",
        )
    return (
        DeepStreamBuilder(),
        f"Leaving the engine to DeepStream, which builds it on the device at first start ({why}, and the "
        f"target has no host to build on over ssh; the target needs {target_desc}).",
    )
