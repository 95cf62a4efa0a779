"""What a sweep builds: one target build per valid combination, shared target-independent work,
invalid combinations reported together (issue 14, item 1)."""

import logging
import shutil

import pytest

from tao2ds.core.errors import ConfigError, LockMismatch
from tao2ds.steps.context import build_context


def test_sweep_targets_folders_and_one_common_group(tmp_path):
    ctx = build_context(
        ["targets=jetson_orin,x86_dgpu", "precision=fp16,int8", f"build.dir={tmp_path}"], cache=None
    )
    got = [(tb.name, tb.composed.target, str(tb.cfg.precision.name), tb.layout.root) for tb in ctx.targets]
    assert got == [
        (f"{t}__{p}", t, p, tmp_path / f"{t}__{p}")
        for t in ("jetson_orin", "x86_dgpu")
        for p in ("fp16", "int8")
    ]
    assert ctx.groups == (ctx,) and ctx.common.root == tmp_path / "_common" and ctx.int8
    assert [tb.int8 for tb in ctx.targets] == [False, True, False, True]


def test_no_sweep_keeps_the_target_folder(tmp_path):
    ctx = build_context(["target=jetson_orin", f"build.dir={tmp_path}"], cache=None)
    (tb,) = ctx.targets
    assert (tb.name, tb.folder, tb.layout.root) == ("jetson_orin", None, tmp_path / "jetson_orin")


def test_sweeping_the_model_gives_each_model_its_own_common_work(tmp_path, seed_model):
    onnx, classmap = seed_model
    other = shutil.copy(onnx, tmp_path / "other.onnx")
    ctx = build_context(
        [
            f"model.onnx={onnx},{other}",
            f"model.classmap={classmap}",
            "model.spec=null",
            "precision=fp16,int8",
            f"build.dir={tmp_path / 'b'}",
        ],
        cache=None,
    )
    assert len(ctx.targets) == 4
    g1, g2 = ctx.groups
    assert [str(tb.cfg.model.onnx) for tb in g1.targets] == [str(onnx)] * 2
    assert [str(tb.cfg.model.onnx) for tb in g2.targets] == [str(other)] * 2
    assert g1.tag != g2.tag and g1.tag.startswith("__")
    assert g1.common.root.name == f"_common{g1.tag}" and g1.common.root.parent == tmp_path / "b"
    assert [(g.tag, tb.name) for g, tb in ctx.each_target()] == [
        (g.tag, tb.name) for g in (g1, g2) for tb in g.targets
    ]


def test_invalid_combinations_are_all_reported_before_any_work(tmp_path):
    args = [
        "targets=jetson_nano,jetson_orin",
        "precision=fp16,int8",
        "engine.dla_core=1",
        f"build.dir={tmp_path}",
    ]
    with pytest.raises(ConfigError) as e:
        build_context(args, cache=None)
    msg = str(e.value)
    assert msg.startswith("2 of 4 sweep combinations cannot be built")
    assert (
        "- target=jetson_nano precision=fp16: target jetson_nano cannot build" in msg and "has no DLA" in msg
    )
    assert "- target=jetson_nano precision=int8: target jetson_nano cannot build" in msg and "no INT8" in msg
    assert "jetson_orin" not in msg
    assert "build.skip_invalid=true to build the other 2" in msg
    assert not any(tmp_path.iterdir())


def test_consent_builds_only_the_valid_combinations(tmp_path, caplog):
    args = [
        "targets=jetson_nano,jetson_orin",
        "precision=fp16,int8",
        "build.skip_invalid=true",
        f"build.dir={tmp_path}",
    ]
    with caplog.at_level(logging.WARNING):
        ctx = build_context(args, cache=None)
    assert [tb.name for tb in ctx.targets] == ["jetson_nano__fp16", "jetson_orin__fp16", "jetson_orin__int8"]
    assert (
        "skipping 1 of 4 sweep combinations" in caplog.text
        and "target=jetson_nano precision=int8" in caplog.text
    )


def test_a_problem_every_combination_shares_is_reported_once(tmp_path):
    with pytest.raises(ConfigError) as e:
        build_context(
            ["targets=jetson_nano,jetson_orin", "model.batch_size=0", f"build.dir={tmp_path}"], cache=None
        )
    assert "sweep combinations" not in str(e.value) and "model.batch_size" in str(e.value)


def test_lock_and_sweep_do_not_mix(tmp_path):
    with pytest.raises(LockMismatch, match="fixes the whole build config; drop precision=fp16,int8"):
        build_context([f"lock={tmp_path / 'build.lock'}", "precision=fp16,int8"], cache=None)
