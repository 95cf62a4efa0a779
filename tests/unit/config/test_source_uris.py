"""Network source URIs: a scheme uridecodebin can open, and a host; calibration.percentile range."""

import pytest

from tao2ds.config.capabilities import find_problems
from tao2ds.config.compose import compose
from tao2ds.core.errors import ConfigError


@pytest.mark.parametrize(
    "uri,expect",
    [
        ("rtsp://", "pipeline.sources[0].uri=rtsp://: the URI names no host"),
        ("http:///clip.mp4", "pipeline.sources[0].uri=http:///clip.mp4: the URI names no host"),
        (
            "ftp://host/clip.mp4",
            "pipeline.sources[0].uri=ftp://host/clip.mp4: 'ftp' sources cannot be opened; ",
        ),
    ],
)
def test_bad_network_sources(uri, expect):
    found = find_problems(compose([f"pipeline.sources.0.uri='{uri}'"]).cfg)
    assert len(found) == 1 and found[0].message.startswith(expect)


@pytest.mark.parametrize(
    "uri", ["rtsp://cam:554/stream", "https://example.com/clip.mp4", "udp://239.0.0.1:5000"]
)
def test_good_network_sources(uri):
    assert find_problems(compose([f"pipeline.sources.0.uri='{uri}'"]).cfg) == []


def test_percentile_range():
    found = find_problems(compose(["calibration.percentile=101"]).cfg)
    assert [p.message for p in found] == [
        "calibration.percentile=101.0: must be within 0..100 (a percentile of |activation|)"
    ]


def test_ssh_builder_without_a_host_is_a_config_problem():
    found = find_problems(compose(["engine.builder=ssh"]).cfg)
    assert [p.message for p in found] == [
        "engine.builder=ssh builds on the device, but x86_dgpu has no target.host"
    ]


def test_target_versions_must_be_readable():
    # a release tao2ds does not know is refused when versions are derived from the release table
    with pytest.raises(ConfigError, match="target.deepstream=abc: tao2ds knows DeepStream 6.0.1, "):
        compose(["target.deepstream=abc"])
    found = find_problems(compose(["target.arch=sparc"]).cfg)
    assert [p.message for p in found] == [
        "target.arch='sparc': tao2ds cannot read this; expected x86_64 or aarch64"
    ]
    found = find_problems(compose(["target=jetson_orin", "target.l4t=36.4"]).cfg)
    assert [p.message for p in found] == [
        "target.l4t='36.4': tao2ds cannot read this; expected e.g. R36.4.0, or null"
    ]


@pytest.mark.parametrize("target", ["x86_dgpu", "jetson_nano", "jetson_xavier", "jetson_orin"])
def test_shipped_targets_pass(target):
    assert find_problems(compose([f"target={target}", "precision=fp16"]).cfg) == []


def test_max_batch_size_range():
    found = find_problems(compose(["target.max_batch_size=0"]).cfg)
    assert found[0].message == "target.max_batch_size=0: must be >= 1"
