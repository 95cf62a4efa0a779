import json

import pytest

from tao2ds.core.errors import ModelError
from tao2ds.deepstream.labels import parse_labels, render_labels
from tao2ds.model.labels import build_labels, class_dim, load_classmap, task_of_output
from tao2ds.model.onnx_io import read_graph_io
from tests.model_factory import SEED_CLASSES, make_classmap, make_multitask_onnx

SEED_LABELS = (
    "Fall;Spring;Summer;Winter\n"
    "Bags;Bottomwear;Eyewear;Fragrance;Innerwear;Jewellery;Sandal;Shoes;Topwear;Watches\n"
    "Black;Blue;Brown;Green;Grey;Navy Blue;Pink;Purple;Red;Silver;White\n"
)
COUNTS = {k: len(v) for k, v in SEED_CLASSES.items()}


def labels_from(onnx, classmap):
    io = read_graph_io(onnx)
    return build_labels(load_classmap(classmap), [(o.name, class_dim(o.shape)) for o in io.outputs])


def test_seed_graph_order_gives_the_seed_labels_file(seed_model):
    labels = labels_from(*seed_model)
    assert render_labels(labels.classes) == SEED_LABELS
    assert labels.tasks == ("season", "category", "base_color")


@pytest.mark.parametrize(
    "order", [["base_color", "category", "season"], ["category", "season", "base_color"]]
)
def test_lines_follow_graph_output_order_not_classmap(tmp_path, order):
    onnx = make_multitask_onnx(tmp_path / "m.onnx", COUNTS, order=order)
    cm = make_classmap(tmp_path / "c.json", SEED_CLASSES)
    labels = labels_from(onnx, cm)
    assert list(labels.tasks) == order
    assert labels.classes == tuple(tuple(SEED_CLASSES[t]) for t in order)


def test_parsed_like_nvinfer_line_i_is_output_i(seed_model):
    text = render_labels(labels_from(*seed_model).classes)
    assert "\r" not in text and not any(line.endswith(";") for line in text.splitlines())
    rows = parse_labels(text)
    outputs = [o.name for o in read_graph_io(seed_model[0]).outputs]
    for i, name in enumerate(outputs):
        task = name.split("/")[0]
        assert rows[i] == SEED_CLASSES[task]


def test_classmap_indices_sorted_numerically(tmp_path):
    classes = {"t": {str(i): f"c{i}" for i in range(12)}}  # "10" sorts before "2" as strings
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"tasks": ["t"], "class_mapping": classes}))
    assert load_classmap(p)["t"] == [f"c{i}" for i in range(12)]


def test_task_matching():
    tasks = ["color", "color_base", "season"]
    assert task_of_output("color_base/Softmax", tasks) == "color_base"
    assert task_of_output("color/Softmax", tasks) == "color"
    assert task_of_output("season", tasks) == "season"
    assert task_of_output("seasonal/Softmax", tasks) is None


def test_task_missing_from_graph(tmp_path):
    onnx = make_multitask_onnx(tmp_path / "m.onnx", {"season": 4, "category": 10})
    with pytest.raises(ModelError, match="base_color have no output"):
        labels_from(onnx, make_classmap(tmp_path / "c.json", SEED_CLASSES))


def test_output_with_no_task(tmp_path):
    onnx = make_multitask_onnx(tmp_path / "m.onnx", {**COUNTS, "style": 3})
    with pytest.raises(ModelError, match="'style/Softmax'.*matches no task"):
        labels_from(onnx, make_classmap(tmp_path / "c.json", SEED_CLASSES))


def test_class_count_mismatch(tmp_path):
    onnx = make_multitask_onnx(tmp_path / "m.onnx", {**COUNTS, "season": 5})
    with pytest.raises(ModelError, match="'season/Softmax' has 5 classes but classmap task 'season' has 4"):
        labels_from(onnx, make_classmap(tmp_path / "c.json", SEED_CLASSES))


@pytest.mark.parametrize(
    "bad,expect",
    [
        ("Navy;Blue", "contains ';'"),
        ("Navy\nBlue", "line break"),
        ("x" * 128, "128 bytes"),
        ("é" * 64, "128 bytes"),
        ("", "empty"),
    ],
)
def test_bad_class_names(tmp_path, bad, expect):
    classes = {**SEED_CLASSES, "season": ["Fall", bad, "Summer", "Winter"]}
    with pytest.raises(ModelError, match=expect) as e:
        load_classmap(make_classmap(tmp_path / "c.json", classes))
    assert "class_mapping['season']['1']" in str(e.value)


def test_gapped_indices(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"tasks": ["t"], "class_mapping": {"t": {"0": "a", "2": "b"}}}))
    with pytest.raises(ModelError, match=r"indices must be 0..1"):
        load_classmap(p)


def test_not_a_classmap(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"a": 1}')
    with pytest.raises(ModelError, match="class_mapping"):
        load_classmap(p)
    p.write_text("{")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_classmap(p)
