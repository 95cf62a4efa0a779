"""Refuse to use a builder whose engines would not run on the target.

A TensorRT engine is tied to the TensorRT version and the GPU architecture it was
built on (tensorrt.md §g), so both must equal what the target config says.
"""

from __future__ import annotations

from tao2ds.core.errors import BuilderMismatch
from tao2ds.engine.types import BuilderEnv
from tao2ds.engine.versions import build_component, parse_version


def _trt_equal(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and parse_version(a) == parse_version(b)
    except ValueError:
        return False


def mismatches(env: BuilderEnv, target_trt: str, target_cc: str, target_platform: str) -> list[str]:
    """Names of the rows that differ: 'TensorRT', 'compute capability', 'platform'."""
    bad = []
    if not _trt_equal(env.trt_version, target_trt):
        bad.append("TensorRT")
    if str(env.compute_capability) != str(target_cc):
        bad.append("compute capability")
    if env.platform != target_platform:
        bad.append("platform")
    return bad


def _table(rows: list[tuple[str, str, str]], bad: list[str]) -> str:
    head = ("", "target config", "builder")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = []
    for r in [head, *rows]:
        mark = "≠" if r[0] in bad else " "
        lines.append(f"  {mark} {r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}".rstrip())
    return "\n".join(lines)


def check_builder_matches_target(
    env: BuilderEnv, target_trt: str, target_cc: str, target_platform: str
) -> None:
    """Raise BuilderMismatch, with both sides side by side and how to fix it, unless they match."""
    bad = mismatches(env, target_trt, target_cc, target_platform)
    if not bad:
        return
    gpu = env.gpu_name or "unknown GPU"
    if env.device_model:
        gpu = f"{gpu} ({env.device_model})"
    rows = [
        ("TensorRT", str(target_trt), env.trt_version),
        ("compute capability", str(target_cc), str(env.compute_capability or "unknown")),
        ("platform", str(target_platform), env.platform),
        ("GPU", "", gpu),
    ]
    notes = []
    builds = {build_component(str(target_trt)), build_component(env.trt_version)} - {None}
    if builds:
        notes.append(
            "(TensorRT versions are compared as major.minor.patch; the build number "
            f"{' / '.join(sorted(builds))} is ignored.)"
        )
    msg = [
        f"This builder cannot make an engine for the target: {', '.join(bad)} differ.",
        "",
        _table(rows, bad),
        *notes,
        "",
        "A TensorRT engine only runs with the TensorRT version and GPU architecture it was built with.",
        "Fix: build on the device itself (engine.builder=ssh with target.host set, or engine.builder=deepstream "
        "to let DeepStream build at first start), or, if the device was upgraded, update target.tensorrt / "
        "target.gpu.compute_capability in the target config.",
    ]
    raise BuilderMismatch("\n".join(msg))
