"""Engine key, rebuild reasons and the sidecar."""

from __future__ import annotations

import dataclasses
import os

from tao2ds.engine.key import (
    describe_key_change,
    engine_key,
    key_fields,
    read_sidecar,
    sidecar_path,
    stale_reasons,
    write_sidecar,
)
from tao2ds.engine.types import BuilderEnv

XAVIER = BuilderEnv("8.5.2", "11.4", "Xavier", "7.2", "jetson", "Jetson-AGX", "R35.4.1")
ORIN = BuilderEnv("8.6.1", "11.4", "Orin", "8.7", "jetson", "NVIDIA Jetson AGX Orin Developer Kit", "R35.4.1")
ARGS = ("a" * 64, "c" * 64, "fp16", 1, 1024, None)


def test_key_is_stable_and_sensitive():
    k = engine_key(*ARGS, XAVIER)
    assert k == engine_key(*ARGS, XAVIER) and len(k) == 64
    assert engine_key("b" * 64, *ARGS[1:], XAVIER) != k
    assert engine_key(*ARGS[:2], "int8", *ARGS[3:], XAVIER) != k
    assert engine_key(*ARGS, ORIN) != k
    # a build number, GPU marketing name or L4T string does not make a different engine
    same = dataclasses.replace(XAVIER, trt_version="8.5.2.2", gpu_name="Xavier NX", l4t="R35.5.0")
    assert engine_key(*ARGS, same) == k


def test_describe_key_change():
    old = key_fields(*ARGS, XAVIER)
    new = key_fields("b" * 64, "d" * 64, "int8", 4, 2048, 0, ORIN)
    assert describe_key_change(old, new) == [
        "ONNX model changed",
        "calibration cache changed",
        "precision fp16 → int8",
        "batch size 1 → 4",
        "workspace 1024 MiB → 2048 MiB",
        "DLA core none → 0",
        "TensorRT 8.5.2 → 8.6.1",
        "GPU compute capability 7.2 → 8.7",
    ]
    assert describe_key_change(old, old) == []
    assert describe_key_change(key_fields("a" * 64, None, *ARGS[2:], XAVIER), old) == [
        "calibration cache added"
    ]


def test_sidecar_is_byte_identical_and_atomic(tmp_path):
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"engine")
    fields = key_fields(*ARGS, XAVIER)
    path = write_sidecar(engine, fields, XAVIER, ["base_color/Softmax", "season/Softmax"])
    assert path == sidecar_path(engine) == tmp_path / "m.engine.json"
    first = path.read_bytes()
    os.utime(engine, (1, 1))
    write_sidecar(engine, dict(fields), XAVIER, ["base_color/Softmax", "season/Softmax"])
    assert path.read_bytes() == first
    assert b"built_at" not in first and b"time" not in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.engine", "m.engine.json"]  # no temp files left
    side = read_sidecar(engine)
    assert side.key == engine_key(*ARGS, XAVIER)
    assert side.output_order == ["base_color/Softmax", "season/Softmax"]
    assert side.env["trt_version"] == "8.5.2"


def test_stale_reasons(tmp_path):
    engine = tmp_path / "m.engine"
    fields = key_fields(*ARGS, XAVIER)
    assert stale_reasons(engine, fields) == ["no engine yet"]
    engine.write_bytes(b"engine")
    assert stale_reasons(engine, fields) == ["no readable sidecar m.engine.json"]
    write_sidecar(engine, fields, XAVIER, ["x"])
    assert stale_reasons(engine, fields) == []
    assert stale_reasons(engine, key_fields(*ARGS, ORIN)) == [
        "TensorRT 8.5.2 → 8.6.1",
        "GPU compute capability 7.2 → 8.7",
    ]
