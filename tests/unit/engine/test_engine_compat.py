"""A builder whose engines would not run on the target is refused, with both sides shown."""

from __future__ import annotations

import pytest

from tao2ds.core.errors import BuilderMismatch
from tao2ds.engine.compat import check_builder_matches_target, mismatches
from tao2ds.engine.types import BuilderEnv

T4 = BuilderEnv("10.3.0", "12.6", "Tesla T4", "7.5", "dgpu", None, None)


def test_match_ignores_build_component():
    check_builder_matches_target(T4, "10.3.0", "7.5", "dgpu")
    env = BuilderEnv("10.3.0.26", "12.6", "Tesla T4", "7.5", "dgpu", None, None)
    check_builder_matches_target(env, "10.3.0", "7.5", "dgpu")
    assert mismatches(env, "10.3", "7.5", "dgpu") == []  # 10.3 == 10.3.0


def test_mismatch_message_shows_both_sides():
    xavier = BuilderEnv(
        "8.6.1", "11.4", "Orin", "8.7", "jetson", "NVIDIA Jetson AGX Orin Developer Kit", "R35.4.1"
    )
    with pytest.raises(BuilderMismatch) as e:
        check_builder_matches_target(xavier, "8.5.2", "7.2", "jetson")
    msg = str(e.value)
    assert "TensorRT, compute capability differ" in msg
    lines = msg.splitlines()
    assert any("target config" in ln and "builder" in ln for ln in lines)
    row = next(ln for ln in lines if "TensorRT" in ln and "8.5.2" in ln)
    assert "8.6.1" in row and row.lstrip().startswith("≠")
    row = next(ln for ln in lines if "compute capability" in ln and "7.2" in ln)
    assert "8.7" in row
    row = next(ln for ln in lines if ln.strip().startswith("platform"))
    assert "≠" not in row
    assert (
        "build on the device" in msg and "target.tensorrt" in msg and "target.gpu.compute_capability" in msg
    )


def test_mismatch_mentions_build_number_and_platform():
    env = BuilderEnv("10.3.0.26", "12.6", "Tesla T4", "7.5", "dgpu", None, None)
    with pytest.raises(BuilderMismatch) as e:
        check_builder_matches_target(env, "10.3.0", "8.7", "jetson")
    msg = str(e.value)
    assert "compute capability, platform differ" in msg
    assert "build number 26 is ignored" in msg
