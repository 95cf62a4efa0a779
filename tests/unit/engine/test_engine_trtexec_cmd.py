"""trtexec command lines per TensorRT version, and reading the output order from its log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tao2ds.engine.trtexec_cmd import parse_trtexec_output_order, trtexec_argv
from tao2ds.engine.types import EngineRequest

REQ = EngineRequest(
    onnx=Path("m.onnx"),
    engine_out=Path("m.engine"),
    precision="fp16",
    input_name="input_1",
    input_chw=(3, 80, 60),
    batch_size=4,
    workspace_mib=1024,
    calib_cache=None,
    dla_core=None,
    timing_cache=Path("tc.bin"),
)
SHAPES = ["--minShapes=input_1:1x3x80x60", "--optShapes=input_1:4x3x80x60", "--maxShapes=input_1:4x3x80x60"]


def test_trt_82_nano():
    assert trtexec_argv(REQ, "8.2.1") == [
        "trtexec",
        "--onnx=m.onnx",
        "--saveEngine=m.engine",
        *SHAPES,
        "--workspace=1024",
        "--fp16",
        "--timingCacheFile=tc.bin",
        "--buildOnly",
        "--dumpLayerInfo",
        "--verbose",
    ]


def test_trt_85_xavier_int8_dla():
    req = EngineRequest(
        **{**REQ.__dict__, "precision": "int8", "calib_cache": Path("cal.bin"), "dla_core": 1}
    )
    assert trtexec_argv(req, "8.5.2", trtexec="/usr/src/tensorrt/bin/trtexec") == [
        "/usr/src/tensorrt/bin/trtexec",
        "--onnx=m.onnx",
        "--saveEngine=m.engine",
        "--minShapes=input_1:4x3x80x60",
        "--optShapes=input_1:4x3x80x60",
        "--maxShapes=input_1:4x3x80x60",
        "--memPoolSize=workspace:1024",
        "--int8",
        "--fp16",
        "--calib=cal.bin",
        "--timingCacheFile=tc.bin",
        "--useDLACore=1",
        "--allowGPUFallback",
        "--buildOnly",
        "--dumpLayerInfo",
        "--verbose",
    ]


def test_trt_86_and_103_skip_inference():
    for version in ("8.6.1", "10.3.0", "10.3.0.26"):
        argv = trtexec_argv(REQ, version)
        assert argv[6] == "--memPoolSize=workspace:1024"
        assert argv[-3:] == ["--skipInference", "--dumpLayerInfo", "--verbose"]
        assert "--buildOnly" not in argv and "--workspace=1024" not in argv


def test_trt_80_runs_one_inference_for_the_binding_lines():
    argv = trtexec_argv(REQ, "8.0.1")
    assert argv[-4:] == ["--iterations=1", "--warmUp=0", "--duration=0", "--verbose"]
    assert "--dumpLayerInfo" not in argv and "--buildOnly" not in argv


def test_fp32_and_qdq_int8():
    fp32 = trtexec_argv(
        EngineRequest(**{**REQ.__dict__, "precision": "fp32", "timing_cache": None}), "10.3.0"
    )
    assert not any(a in fp32 for a in ("--fp16", "--int8")) and not any(
        a.startswith("--timing") for a in fp32
    )
    qdq = trtexec_argv(EngineRequest(**{**REQ.__dict__, "precision": "int8"}), "10.3.0")
    assert "--int8" in qdq and not any(a.startswith("--calib") for a in qdq)


def test_trt_11_refuses_implicit_precision():
    int8 = EngineRequest(**{**REQ.__dict__, "precision": "int8", "calib_cache": Path("cal.bin")})
    with pytest.raises(ValueError, match="Q/DQ"):
        trtexec_argv(int8, "11.1.0")
    with pytest.raises(ValueError, match="AutoCast"):
        trtexec_argv(REQ, "11.1.0")
    # a Q/DQ int8 model builds strongly typed: no precision flags at all
    qdq = trtexec_argv(EngineRequest(**{**REQ.__dict__, "precision": "int8"}), "11.1.0")
    assert not any(a in qdq for a in ("--fp16", "--int8", "--best"))


def test_refusals():
    with pytest.raises(ValueError, match="DLA"):
        trtexec_argv(EngineRequest(**{**REQ.__dict__, "precision": "fp32", "dla_core": 0}), "8.5.2")
    with pytest.raises(ValueError, match="only used with precision int8"):
        trtexec_argv(EngineRequest(**{**REQ.__dict__, "calib_cache": Path("c")}), "8.5.2")


# --- output order --------------------------------------------------------------------------------

# TensorRT 8.2 running inference (setUpInference, sampleInference.cpp): the real line format.
LOG_82_INFERENCE = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v8201] # trtexec --onnx=m.onnx
[07/14/2023-11:55:14] [I] Using random values for input input_1
[07/14/2023-11:55:14] [I] Created input binding for input_1 with dimensions 1x3x80x60
[07/14/2023-11:55:14] [I] Using random values for output season/Softmax
[07/14/2023-11:55:14] [I] Created output binding for season/Softmax with dimensions 1x4
[07/14/2023-11:55:14] [I] Using random values for output base_color/Softmax
[07/14/2023-11:55:14] [I] Created output binding for base_color/Softmax with dimensions 1x3
[07/14/2023-11:55:14] [I] Starting inference
"""

# TensorRT 10.3 with --skipInference --dumpLayerInfo: printLayerInfo logs the inspector's one-line
# format in one message, so only its first line carries the [date] [I] prefix.
LOG_103_LAYER_INFO = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --onnx=m.onnx --skipInference --dumpLayerInfo
[11/26/2026-10:00:01] [V] [TRT] Engine Layer Information:
Layer(CaskConvolution): conv, Tactic: 0x0, input_1[Float(1,3,80,60)] -> conv[Float(1,8,80,60)]
[11/26/2026-10:00:01] [I] Layer Information:
[11/26/2026-10:00:01] [I] Layers:
conv + relu
gap
season/Softmax head

Bindings:
input_1
category/Softmax
season/Softmax
base_color/Softmax
[11/26/2026-10:00:01] [I] Skipped inference phase since --skipInference is added.
&&&& PASSED TensorRT.trtexec [TensorRT v100300] [b26] # trtexec --onnx=m.onnx --skipInference --dumpLayerInfo
"""


def test_output_order_from_created_binding_lines():
    assert parse_trtexec_output_order(LOG_82_INFERENCE) == ["season/Softmax", "base_color/Softmax"]


def test_output_order_from_layer_info_bindings():
    assert parse_trtexec_output_order(LOG_103_LAYER_INFO, ["input_1"]) == [
        "category/Softmax",
        "season/Softmax",
        "base_color/Softmax",
    ]


# TensorRT 10.x running inference: setUpInference (sampleInference.cpp v10.3.0 L96-125) logs
# "<Input|Output> binding for <name> with dimensions <dims> is created." (reference tensorrt-tools.md).
LOG_103_INFERENCE = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec --onnx=m.onnx
[11/26/2026-10:00:01] [I] Using random values for input input_1
[11/26/2026-10:00:01] [I] Input binding for input_1 with dimensions 1x3x80x60 is created.
[11/26/2026-10:00:01] [I] Output binding for category/Softmax with dimensions 1x4 is created.
[11/26/2026-10:00:01] [I] Output binding for season/Softmax with dimensions 1x4 is created.
[11/26/2026-10:00:01] [I] Output binding for base_color/Softmax with dimensions 1x3 is created.
[11/26/2026-10:00:01] [I] Starting inference
"""


def test_output_order_from_103_binding_lines():
    assert parse_trtexec_output_order(LOG_103_INFERENCE, ["input_1"]) == [
        "category/Softmax",
        "season/Softmax",
        "base_color/Softmax",
    ]
    # the input line is not an output, even without input_names
    assert parse_trtexec_output_order(LOG_103_INFERENCE) == [
        "category/Softmax",
        "season/Softmax",
        "base_color/Softmax",
    ]


def test_output_order_absent():
    assert parse_trtexec_output_order("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec\n") == []
