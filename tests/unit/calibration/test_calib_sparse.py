"""Histogram methods need a populated histogram; sparse tensors keep their observed range."""

import numpy as np
import onnx
import onnxruntime as ort

from tao2ds.calibration.collect import MIN_SAMPLES_PER_BIN, augmented_model_bytes, collect_ranges
from tests.model_factory import make_multitask_onnx


def test_sparse_head_outputs_fall_back_to_max(tmp_path):
    path = make_multitask_onnx(tmp_path / "m.onnx", {"season": 4, "color": 11}, chw=(3, 32, 32))
    rng = np.random.default_rng(3)
    data = [rng.normal(0, 50, (8, 3, 32, 32)).astype(np.float32) for _ in range(4)]
    amax = collect_ranges(path, lambda: iter(data), "entropy")
    model_bytes, names = augmented_model_bytes(onnx.load(str(path)))
    sess = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    outs = [dict(zip(names, sess.run(names, {"input_1": b}))) for b in data]
    logits = np.concatenate([o["season_logits"] for o in outs])
    relu = np.concatenate([o["relu"] for o in outs])
    assert logits.size < MIN_SAMPLES_PER_BIN * 2048 <= relu.size
    assert amax["season_logits"] == np.float32(np.abs(logits).max())  # observed range, no clipping
    assert amax["relu"] <= np.abs(relu).max() * (1 + 1 / 2048)  # a populated tensor goes through the search
