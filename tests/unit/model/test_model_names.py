"""Names from the model and classmap that would break nvinfer's ';'-separated, line-based files are refused."""

import json

import pytest

from tao2ds.core.errors import ModelError
from tao2ds.model.labels import load_classmap
from tao2ds.model.onnx_io import read_graph_io
from tests.model_factory import SEED_CLASSES, make_classmap, make_multitask_onnx

BAD_NAMES = [
    ("Navy\0Blue", "NUL"),
    ("Navy;Blue", "contains ';'"),
    ("Navy\nBlue", "line break"),
    ("Navy\r\nBlue", "line break"),
    ("Navy\u2028Blue", "line break"),  # a line break for str.splitlines(), which reads labels files back
]


@pytest.mark.parametrize("bad,expect", BAD_NAMES)
def test_class_name_refused_naming_file_and_name(tmp_path, bad, expect):
    path = make_classmap(tmp_path / "c.json", {**SEED_CLASSES, "season": ["Fall", bad, "Summer", "Winter"]})
    with pytest.raises(ModelError, match=expect) as e:
        load_classmap(path)
    assert e.value.file == str(path) and e.value.value == bad
    assert (
        str(path) in str(e.value)
        and repr(bad) in str(e.value)
        and "class_mapping['season']['1']" in str(e.value)
    )


@pytest.mark.parametrize("bad,expect", BAD_NAMES)
def test_task_name_refused(tmp_path, bad, expect):
    path = make_classmap(tmp_path / "c.json", {"season": ["Fall", "Spring"], bad: ["a", "b"]})
    with pytest.raises(ModelError, match=expect) as e:
        load_classmap(path)
    assert e.value.file == str(path) and repr(bad) in str(e.value)


def test_duplicate_class_name_within_a_task(tmp_path):
    path = make_classmap(
        tmp_path / "c.json", {**SEED_CLASSES, "season": ["Fall", "Spring", "Fall", "Winter"]}
    )
    with pytest.raises(
        ModelError, match=r"class_mapping\['season'\] names class 'Fall' twice \(indices 0 and 2\)"
    ) as e:
        load_classmap(path)
    assert e.value.file == str(path) and e.value.value == "Fall"


def test_same_class_name_in_two_tasks_is_fine(tmp_path):
    path = make_classmap(tmp_path / "c.json", {"color": ["Other", "Red"], "season": ["Other", "Fall"]})
    assert load_classmap(path) == {"color": ["Other", "Red"], "season": ["Other", "Fall"]}


def test_tasks_list_names_a_task_missing_from_class_mapping(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps({"tasks": ["season", "style"], "class_mapping": {"season": {"0": "Fall", "1": "Spring"}}})
    )
    with pytest.raises(ModelError, match="'tasks' names 'style', which class_mapping does not define") as e:
        load_classmap(path)
    assert e.value.file == str(path) and "class_mapping has: 'season'" in str(e.value)


def test_tasks_must_be_a_list_of_names(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"tasks": "season", "class_mapping": {"season": {"0": "Fall"}}}))
    with pytest.raises(ModelError, match="'tasks' must be a list of task names"):
        load_classmap(path)


def test_classmap_without_tasks_list_still_loads(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"class_mapping": {"season": {"0": "Fall", "1": "Spring"}}}))
    assert load_classmap(path) == {"season": ["Fall", "Spring"]}


@pytest.mark.parametrize(
    "bad,expect",
    [
        ("{task};x", "contains ';'"),
        ("{task}\nx", "line break"),
        ("{task}\0x", "NUL"),
        ("{task}\rx", "line break"),
    ],
)
def test_output_name_refused(tmp_path, bad, expect):
    path = make_multitask_onnx(tmp_path / "m.onnx", {"season": 4}, name_fmt=bad)
    name = bad.format(task="season")
    with pytest.raises(ModelError, match=f"graph output name .* {expect}") as e:
        read_graph_io(path)
    assert e.value.file == str(path) and e.value.value == name and repr(name) in str(e.value)


@pytest.mark.parametrize(
    "bad,expect",
    [("in;1", "contains ';'"), ("in\n1", "line break"), ("in\0001", "NUL"), ("in,1", "contains ','")],
)
def test_input_name_refused(tmp_path, bad, expect):
    path = make_multitask_onnx(tmp_path / "m.onnx", {"season": 4}, input_name=bad)
    with pytest.raises(ModelError, match=f"graph input name .* {expect}") as e:
        read_graph_io(path)
    assert e.value.file == str(path) and e.value.value == bad


def test_ordinary_tensor_names_pass(tmp_path):
    path = make_multitask_onnx(
        tmp_path / "m.onnx", {"season": 4}, input_name="input_1:0", name_fmt="{task}/Softmax:0"
    )
    io = read_graph_io(path)
    assert io.input.name == "input_1:0" and [o.name for o in io.outputs] == ["season/Softmax:0"]
