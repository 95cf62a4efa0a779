"""Sweeps in Hydra's grammar: every combination once, folders named after the swept values (issue 14, item 1)."""

import pytest

from tao2ds.config.compose import Combination, expand_sweeps
from tao2ds.core.errors import ConfigError


def test_no_sweep_is_one_combination_with_the_overrides_as_given():
    (c,) = expand_sweeps(["target=jetson_orin", "precision=int8", "model.preprocessing.offsets=[1,2,3]"])
    assert c.overrides == ("target=jetson_orin", "precision=int8", "model.preprocessing.offsets=[1,2,3]")
    assert c.swept == () and c.folder("jetson_orin") == "jetson_orin"


def test_product_targets_first_then_command_line_order():
    combos = expand_sweeps(
        ["model.classifier_threshold=0.5,0.7", "targets=jetson_orin,x86_dgpu", "precision=fp16,int8"]
    )
    assert [c.swept for c in combos] == [
        (("target", t), ("model.classifier_threshold", th), ("precision", p))
        for t in ("jetson_orin", "x86_dgpu")
        for th in ("0.5", "0.7")
        for p in ("fp16", "int8")
    ]
    first = combos[0]
    assert first.overrides == ("target=jetson_orin", "model.classifier_threshold=0.5", "precision=fp16")
    assert first.folder("jetson_orin") == "jetson_orin__classifier_threshold-0.5__fp16"
    assert len({c.folder(dict(c.swept)["target"]) for c in combos}) == 8


def test_target_list_keeps_todays_folders_and_target_sweep_is_the_same():
    a = expand_sweeps(["targets=jetson_nano,x86_dgpu"])
    b = expand_sweeps(["target=jetson_nano,x86_dgpu"])
    assert (
        [c.overrides for c in a]
        == [c.overrides for c in b]
        == [("target=jetson_nano",), ("target=x86_dgpu",)]
    )
    assert [c.folder(dict(c.swept)["target"]) for c in a] == ["jetson_nano", "x86_dgpu"]


def test_range_glob_choice_and_duplicates():
    assert [c.swept[0][1] for c in expand_sweeps(["model.batch_size=range(1,4)"])] == ["1", "2", "3"]
    assert [c.swept[0][1] for c in expand_sweeps(["precision=glob(fp*)"])] == ["fp16", "fp32"]
    assert [c.swept[0][1] for c in expand_sweeps(["precision=choice(fp16,fp16,fp32)"])] == ["fp16", "fp32"]
    # a target sweep with a glob selects targets
    assert [c.overrides for c in expand_sweeps(["target=glob(jetson_*,exclude=jetson_nano)"])] == [
        ("target=jetson_orin",),
        ("target=jetson_thor",),
        ("target=jetson_xavier",),
    ]


def test_quoted_comma_and_list_are_values_not_sweeps():
    (c,) = expand_sweeps(["pipeline.sources.0.uri='a,b.mp4'"])
    assert c.swept == ()


@pytest.mark.parametrize(
    "override,expect",
    [
        ("model.classifier_threshold=interval(0,1)", "an interval has no list of values"),
        ("model.onnx=glob(*.onnx)", "glob() selects options of a config group"),
        ("precision=glob(int4*)", "selects no value"),
        ("precision=fp16,(", "cannot parse override"),
    ],
)
def test_sweeps_that_cannot_be_built_say_why(override, expect):
    with pytest.raises(ConfigError, match=expect.replace("(", r"\(").replace(")", r"\)")):
        expand_sweeps([override])


def test_folder_names_hold_only_safe_characters_and_disambiguate_leaves():
    c = Combination(
        ("x",),
        (("model.onnx", "/data/m v2.onnx"), ("calibration.batch_size", "4"), ("model.batch_size", "2")),
    )
    assert (
        c.folder("x86_dgpu") == "x86_dgpu__onnx-_data_m_v2.onnx__calibration.batch_size-4__model.batch_size-2"
    )
