"""Label order for a UFF .etlt: the reversed rule, and an engine read back from a build overriding it."""

import json

from tao2ds.steps.model import UFF_ORDER_RULE, output_order, uff_output_names

MARKED = ["base_color/Softmax", "category/Softmax", "season/Softmax"]
INFO = {"outputs": [{"name": n} for n in MARKED], "engine_order_rule": UFF_ORDER_RULE}


def sidecar(tmp_path, order):
    path = tmp_path / "e.engine.json"
    path.write_text(json.dumps({"output_order": order}))
    return path


def test_marked_names_follow_the_classmap_tasks_list():
    classes = {"season": ["a"], "base_color": ["b"], "category": ["c"]}
    assert uff_output_names(classes, ["base_color", "category", "season"]) == MARKED
    assert uff_output_names(classes, None) == MARKED  # no tasks list: sorted, as TAO writes it
    assert uff_output_names(classes, ["season", "category", "base_color"]) == MARKED[::-1]


def test_rule_without_an_engine(tmp_path):
    assert output_order(INFO, None) == (MARKED[::-1], "uff-reversed")
    assert output_order(INFO, sidecar(tmp_path, [])) == (
        MARKED[::-1],
        "uff-reversed",
    )  # tao-converter: no readback


def test_engine_read_back_overrides_or_confirms(tmp_path):
    assert output_order(INFO, sidecar(tmp_path, MARKED)) == (MARKED, "engine")
    assert output_order(INFO, sidecar(tmp_path, MARKED[::-1])) == (
        MARKED[::-1],
        "uff-reversed (engine agrees)",
    )


def test_onnx_models_keep_graph_order(tmp_path):
    info = {"outputs": [{"name": n} for n in MARKED]}
    assert output_order(info, None) == (MARKED, "onnx-graph")
    assert output_order(info, sidecar(tmp_path, MARKED)) == (MARKED, "onnx-graph (engine agrees)")
