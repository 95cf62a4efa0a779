"""doit build/verify with model.calibration_cache: no calibration, the cache per target, provenance."""

import json

from tests.conftest import DoitRun


def test_imported_cache_is_used_rewritten_recorded_and_verified(tmp_path):
    run = DoitRun(tmp_path)
    # a cache TensorRT-8.5-style (Xavier's header) from a quick calibration of the sample
    run("build", "target=jetson_xavier", "precision=int8", "calibration.batches=2")
    cache = tmp_path / "exported.cache"
    cache.write_bytes((run.build / "jetson_xavier" / "calibration.cache").read_bytes())
    assert cache.read_text().startswith("TRT-8502-EntropyCalibration2\n")

    proc = run("verify", "target=jetson_orin", "precision=int8", f"model.calibration_cache={cache}")
    out = run.build / "jetson_orin"
    text = (out / "calibration.cache").read_text()
    assert text.startswith("TRT-100300-EntropyCalibration2\n")
    assert text.split("\n", 1)[1] == cache.read_text().split("\n", 1)[1]  # same entries, same bits
    assert "scales from" in proc.stderr and "not calibrating" in proc.stderr
    m = json.loads((out / "manifest.json").read_text())
    src = m["calibration"]
    assert src["kind"] == "tao_export" and src["header"] == "TRT-8502-EntropyCalibration2"
    assert src["file"] == str(cache) and src["unknown"] == [] and src["uncovered"] == []
    assert str(cache) in m["inputs"] and not any("calibration/cal_" in k for k in m["inputs"])
    report = json.loads((out / "results" / "verify" / "report.json").read_text())
    assert all(a >= 0.95 for a in report["qdq"]["accuracy"].values()), report["qdq"]  # the cache's scales
    assert "int8-calib-file=calibration.cache" in (out / "config_infer_multitask.txt").read_text()


def test_a_cache_for_another_model_fails_cleanly(tmp_path):
    cache = tmp_path / "uff.cache"
    cache.write_text("TRT-7103-EntropyCalibration2\ninput_1:0: 3c010204\nconv1/convolution: 3d000000\n")
    run = DoitRun(tmp_path)
    proc = run(
        "build", "target=jetson_orin", "precision=int8", f"model.calibration_cache={cache}", check=False
    )
    assert proc.returncode != 0, proc.stderr
    assert "none of its 2 tensor names is a tensor of samples/multitask_sample/model.onnx" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (run.build / "_common" / "calibration.json").exists()
