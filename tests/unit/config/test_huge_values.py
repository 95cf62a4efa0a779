"""Huge and negative numbers: integers DeepStream reads must fit a gint; a few more ranges."""

import pytest

from tao2ds.config.capabilities import find_problems
from tao2ds.config.compose import compose


@pytest.mark.parametrize(
    "override,expect",
    [
        (
            "pipeline.streammux.width=100000000000",
            "pipeline.streammux.width=100000000000: must be within -2147483648..2147483647 (DeepStream reads 32-bit integers)",
        ),
        (
            "engine.gpu_id=3000000000",
            "engine.gpu_id=3000000000: must be within -2147483648..2147483647 (DeepStream reads 32-bit integers)",
        ),
        (
            "engine.workspace_mib=99999999999999999999",
            "engine.workspace_mib=99999999999999999999: must be within -2147483648..2147483647 (MiB; 2 PiB is beyond any GPU)",
        ),
        ("pipeline.osd.text_size=0", "pipeline.osd.text_size=0: must be >= 1"),
        ("pipeline.osd.border_width=-3", "pipeline.osd.border_width=-3: must be >= 0"),
        ("pipeline.sources.0.latency=-1", "pipeline.sources[0].latency=-1: must be >= 0 (ms)"),
        (
            "model.batch_size=99999999999999999999",
            "model.batch_size=99999999999999999999: x86_dgpu takes batch sizes 1..64",
        ),
    ],
)
def test_one_problem_naming_key_value_and_range(override, expect):
    assert [p.message for p in find_problems(compose([override]).cfg)] == [expect]


def test_largest_gint_passes():
    assert find_problems(compose(["pipeline.streammux.batched_push_timeout=2147483647"]).cfg) == []


@pytest.mark.parametrize(
    "override,expect",
    [
        (
            "model.preprocessing.net_scale_factor=nan",
            "model.preprocessing.net_scale_factor=nan: must be a finite number, > 0 or null",
        ),
        (
            "model.classifier_threshold=inf",
            "model.classifier_threshold=inf: must be a finite number, within 0..1",
        ),
        (
            "model.preprocessing.offsets=[nan,1,2]",
            "model.preprocessing.offsets=[nan, 1.0, 2.0]: every value must be a finite number",
        ),
        (
            "model.preprocessing.image_mean=[1,2]",
            "model.preprocessing.image_mean=[1.0, 2.0]: needs 3 values, B;G;R as TAO's image_mean",
        ),
    ],
)
def test_non_finite_and_short_lists_name_the_key(override, expect):
    assert [p.message for p in find_problems(compose([override]).cfg)] == [expect]
