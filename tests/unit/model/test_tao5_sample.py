"""Both output spellings of a TAO multitask export: the UFF-era sample and the TAO 5-style one."""

import numpy as np
import onnxruntime as ort
import pytest

from tao2ds.deepstream.labels import render_labels
from tao2ds.model.imageset import load_rgb
from tao2ds.model.labels import build_labels, class_dim, load_classmap
from tao2ds.model.onnx_io import read_graph_io
from tao2ds.model.preprocess import Preprocessing, preprocess_frame
from tests.conftest import ROOT
from tests.model_factory import SEED_CLASSES, make_classmap, make_multitask_onnx

UFF_SAMPLE = ROOT / "samples" / "multitask_sample"
TAO5_SAMPLE = ROOT / "samples" / "multitask_tao5"
CAFFE = Preprocessing("caffe", 1.0, (103.939, 116.779, 123.68), 1, (3, 80, 60), 1, "test")


def labels_of(onnx, classmap):
    io = read_graph_io(onnx)
    return build_labels(load_classmap(classmap), [(o.name, class_dim(o.shape)) for o in io.outputs])


@pytest.mark.parametrize(
    "name_fmt,order",
    [
        ("{task}", ["base_color", "category", "season"]),  # TAO 5 ONNX (keras2onnx: Keras output names)
        ("{task}/Softmax", ["season", "category", "base_color"]),  # UFF-era names, NVIDIA's labels order
    ],
)
def test_both_spellings_map_outputs_to_tasks_by_name(tmp_path, name_fmt, order):
    onnx = make_multitask_onnx(
        tmp_path / "m.onnx", {k: len(v) for k, v in SEED_CLASSES.items()}, order=order, name_fmt=name_fmt
    )
    labels = labels_of(onnx, make_classmap(tmp_path / "c.json", SEED_CLASSES))
    assert list(labels.tasks) == order
    assert labels.classes == tuple(tuple(SEED_CLASSES[t]) for t in order)


def test_the_tao5_sample_has_tao5_outputs():
    io = read_graph_io(TAO5_SAMPLE / "model.onnx")
    assert io.input.name == "input_1" and list(io.input.shape)[1:] == [3, 80, 60]
    assert not isinstance(io.input.shape[0], int) or io.input.shape[0] < 1  # dynamic batch
    assert [o.name for o in io.outputs] == ["base_color", "category", "season"]
    assert [list(o.shape)[1:] for o in io.outputs] == [[11], [10], [4]]
    assert all(len(o.shape) == 2 and not isinstance(o.shape[0], int) for o in io.outputs)
    labels = labels_of(TAO5_SAMPLE / "model.onnx", TAO5_SAMPLE / "classmap.json")
    assert render_labels(labels.classes).splitlines()[0].startswith("Black;Blue;Brown")


def test_the_two_samples_are_one_network_in_two_spellings():
    """Trained alike (same data, seeds, schedule): per task, the same probabilities on the same images."""
    images = sorted((UFF_SAMPLE / "validation" / "images").glob("*.jpg"))[:24]
    x = np.stack([preprocess_frame(load_rgb(p), CAFFE) for p in images])
    results = {}
    for sample in (UFF_SAMPLE, TAO5_SAMPLE):
        sess = ort.InferenceSession(str(sample / "model.onnx"), providers=["CPUExecutionProvider"])
        names = [o.name for o in sess.get_outputs()]
        results[sample] = {n.split("/")[0]: p for n, p in zip(names, sess.run(None, {"input_1": x}))}
    for task in ("base_color", "category", "season"):
        np.testing.assert_allclose(results[UFF_SAMPLE][task], results[TAO5_SAMPLE][task], atol=1e-5)
