"""nvinfer and deepstream-app configs contain only keys their release knows (releases.py)."""

from __future__ import annotations

import pytest

from tao2ds.core.errors import ConfigError
from tao2ds.deepstream import releases
from tao2ds.deepstream.keyfile import load_keyfile
from tao2ds.deepstream.nvinfer import nvinfer_entries, render_nvinfer_config
from tests.unit.deepstream.test_app import app, classify_frames
from tests.unit.deepstream.test_nvinfer import inputs

ALL = [r.version for r in releases.RELEASES]


@pytest.mark.parametrize("ds", ALL)
def test_every_release_takes_the_classifier_config(ds):
    for over in ({}, {"secondary": True, "operate_on_gie_id": 1, "dla_core": 0, "precision": "int8"}):
        keys = {k for k, v in nvinfer_entries(inputs(deepstream=ds, **over)) if v is not None}
        assert keys <= releases.get(ds).nvinfer_keys


@pytest.mark.parametrize("ds", ALL)
def test_every_release_takes_the_app_config(ds):
    r = releases.get(ds)
    for platform in ("jetson", "dgpu"):
        if r.stack(platform) is not None:
            assert "[primary-gie]" in app(classify_frames(), platform=platform, deepstream=ds)


def test_strongly_typed_is_written_where_the_release_parses_it():
    text = render_nvinfer_config(inputs(deepstream="9.1", precision="int8", strongly_typed=True))
    kf = load_keyfile(text, "mem")
    assert kf.get_integer("property", "strongly-typed") == 1
    for ds in ("7.1", "8.0"):  # 8.0: not shown to parse it (its parser source is not public)
        with pytest.raises(ConfigError, match=f"DeepStream {ds} would contain \\[property\\] strongly-typed"):
            nvinfer_entries(inputs(deepstream=ds, precision="int8", strongly_typed=True))


def test_a_key_the_release_lacks_is_refused(monkeypatch):
    monkeypatch.setattr(releases, "APP_BASE_KEYS", {**releases.APP_BASE_KEYS, "osd": frozenset({"enable"})})
    with pytest.raises(ConfigError, match=r"\[osd\] gpu-id"):
        app(classify_frames(), deepstream="9.2")
