"""The issue's "done when": Orin on DeepStream 9.1 with INT8 builds, its config.yaml shows the
derived versions and the calibration cache carries TensorRT 10.16.1's number; the Q/DQ route
ships a strongly typed model where the release has it; impossible combinations stop before work."""

from __future__ import annotations

import yaml

from tests.conftest import DoitRun


def test_orin_on_91_int8(tmp_path):
    run = DoitRun(tmp_path)
    run("build", "target=jetson_orin", "target.deepstream=9.1", "precision=int8")
    out = run.build / "jetson_orin"
    t = yaml.safe_load((out / "config.yaml").read_text())["target"]
    assert (t["deepstream"], t["tensorrt"], t["cuda"], t["jetpack"], t["l4t"]) == (
        "9.1",
        "10.16.1.11",
        "13.2",
        "7.2",
        "R39.2",
    )
    assert (out / "calibration.cache").read_text().startswith("TRT-101601-EntropyCalibration2\n")
    nvinfer = (out / "config_infer_multitask.txt").read_text()
    assert "int8-calib-file=calibration.cache" in nvinfer and "strongly-typed" not in nvinfer

    run("build", "target=jetson_orin", "target.deepstream=9.1", "precision=int8", "precision.int8_route=qdq")
    nvinfer = (out / "config_infer_multitask.txt").read_text().splitlines()
    assert "strongly-typed=1" in nvinfer and "onnx-file=model.qdq.onnx" in nvinfer
    assert not [line for line in nvinfer if line.startswith("int8-calib-file")]


def test_impossible_combinations_stop_before_any_work(tmp_path):
    run = DoitRun(tmp_path)
    for args, says in (
        (["target=jetson_nano", "target.deepstream=9.1"], "it runs DeepStream 6.0.1"),
        (
            ["target=jetson_orin", "target.deepstream=8.0"],
            "it runs DeepStream 6.1, 6.1.1, 6.2, 6.3, 6.4, 7.0, 7.1, 9.1, 9.2",
        ),
        (["target=jetson_thor", "engine.dla_core=0", "precision=fp16"], "jetson_thor has no DLA"),
        (
            ["target=jetson_orin", "precision=int8", "precision.int8_route=qdq"],
            "route qdq needs DeepStream 9.0, 9.1, 9.2",
        ),
    ):
        proc = run("build", *args, check=False)
        assert proc.returncode != 0 and says in proc.stderr, (args, proc.stderr)
        assert not run.build.exists() or not any(run.build.iterdir()), args
