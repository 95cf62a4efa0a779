"""The build reads the validated config through a read-only view of plain values; the typed
objects, built without OmegaConf, equal OmegaConf's own (issue 14, item 5)."""

import copy
import pickle

import pytest

from tao2ds.config.compose import ComposeCache, compose
from tao2ds.config.view import ConfigList, ConfigView, to_plain, view


def test_view_reads_like_the_config_and_cannot_be_changed():
    v = view({"model": {"onnx": "m.onnx", "sizes": [1, 2]}, "pipeline": {"sources": [{"uri": "a.mp4"}]}})
    assert v.model.onnx == "m.onnx" and v["model"]["sizes"] == [1, 2]
    assert v.pipeline.sources[0].uri == "a.mp4"
    assert isinstance(v.pipeline.sources, ConfigList) and isinstance(v.pipeline.sources[0], ConfigView)
    with pytest.raises(AttributeError, match="no key 'onnxx'"):
        v.model.onnxx
    for change in (
        lambda: v.model.__setitem__("onnx", "x"),
        lambda: setattr(v.model, "onnx", "x"),
        lambda: v.model.update(onnx="x"),
        lambda: v.model.sizes.append(3),
        lambda: v.pipeline.sources.__setitem__(0, {}),
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert v.model.onnx == "m.onnx" and v.model.sizes == [1, 2]


def test_view_survives_pickle_and_deepcopy_as_the_same_values():
    v = view({"a": {"b": [1, {"c": None}]}})
    for other in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
        assert isinstance(other, ConfigView) and other == v and other.a.b[1].c is None
    assert to_plain(v) == {"a": {"b": [1, {"c": None}]}} and type(to_plain(v)) is dict


@pytest.mark.parametrize(
    "overrides", [[], ["target=jetson_orin", "precision=int8", "pipeline=detect_classify"]]
)
def test_typed_objects_equal_omegaconfs(overrides):
    from omegaconf import OmegaConf

    from tao2ds.config.schema import RootConfig

    c = compose(overrides)
    expected = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RootConfig), c.to_dict()))
    assert c.obj == expected
    assert c.cfg == c.to_dict() and str(c.cfg.precision.name) == str(expected.precision.name)


def test_compose_cache_returns_the_same_values_from_one_file_per_entry(tmp_path):
    store = ComposeCache(tmp_path / "cc")
    ovs = ["target=jetson_xavier", "model.classifier_threshold=0.6"]
    assert store.get(ovs) is None
    c = compose(ovs)
    store.put(ovs, c)
    store.save()
    assert len(list((tmp_path / "cc").glob("*.json"))) == 1
    again = ComposeCache(tmp_path / "cc").get(ovs)
    assert again is not None and again.to_dict() == c.to_dict() and again.target == "jetson_xavier"
    assert ComposeCache(tmp_path / "cc").get([*ovs, "precision=fp32"]) is None
