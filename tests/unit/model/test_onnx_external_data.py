"""A model whose weights live in external files is refused before anything is staged (issue 10 §4)."""

import onnx
import pytest

from tao2ds.core.errors import ModelError
from tao2ds.model.onnx_io import read_graph_io
from tests.model_factory import SEED_CLASSES, make_multitask_onnx


def test_external_weights_are_refused_with_the_fix(tmp_path):
    src = make_multitask_onnx(tmp_path / "m.onnx", {k: len(v) for k, v in SEED_CLASSES.items()})
    assert read_graph_io(src).outputs  # the same graph with weights inside is fine
    model = onnx.load(str(src))
    ext = tmp_path / "ext" / "model.onnx"
    ext.parent.mkdir()
    onnx.save_model(model, str(ext), save_as_external_data=True, location="weights.bin", size_threshold=0)
    assert (ext.parent / "weights.bin").is_file()
    with pytest.raises(ModelError) as e:
        read_graph_io(ext)
    text = str(e.value)
    assert "weights.bin" in text and "save_as_external_data=False" in text and str(ext) in text
