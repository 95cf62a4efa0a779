import pytest
import yaml

from tao2ds.deepstream.tracker import TRACKER_CONFIG_FILE, tracker_config_text


def parse(text: str) -> dict:
    first, _, rest = text.partition("\n")
    assert first == "%YAML:1.0"  # the directive NvMultiObjectTracker's sample files start with
    return yaml.safe_load(rest)


@pytest.mark.parametrize("ds", ["6.0.1", "6.3", "7.1"])
def test_minimal_iou_config_per_release(ds):
    doc = parse(tracker_config_text(ds))
    assert set(doc) == {"BaseConfig", "TargetManagement", "TrajectoryManagement", "DataAssociator"}
    assert doc["DataAssociator"]["matchingScoreWeight4Iou"] == 0.6
    assert ("preserveStreamUpdateOrder" in doc["TargetManagement"]) == (
        ds != "6.0.1"
    )  # first in the 6.1 sample
    assert TRACKER_CONFIG_FILE == "tracker_config.yml"


def test_pure():
    assert tracker_config_text("7.1") == tracker_config_text("7.1")
