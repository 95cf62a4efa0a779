"""TensorRT calibration cache format: real caches from tensorrt.md §c parse, decode and re-render byte-exactly."""

from __future__ import annotations

import struct

import pytest

from tao2ds.calibration.cache_format import (
    CalibrationCache,
    amax_from_scale,
    scale_from_amax,
    trt_version_number,
)

# Real caches quoted in /work/shared/reference/tensorrt.md §c (sources in the comments there).
DETECTNET_V2 = (  # NVIDIA-AI-IOT/deepstream_tao_apps models/detectnet_v2/cal.bin @release/tlt2.0
    "TRT-7000-EntropyCalibration2\n"
    "input_1: 3c010a14\n"
    "conv1/convolution: 3ceb0a2e\n"
    "bn_conv1/batchnorm/mul_1: 3db4c090\n"
)
SSD = "TRT-7000-EntropyCalibration2\nInput: 3f9849a2\n"  # same branch, models/ssd/cal.bin
CUDLA = (  # NVIDIA-AI-IOT/cuDLA-samples data/model/qat2ptq.cache
    "TRT-8600-EntropyCalibration2\nimages: 3c00f9f4\n/model.0/act/Mul_output_0: 3e6c9314\n"
)
ISSUE_2036 = "TRT-8203-EntropyCalibration2\n167: 3c009976\n"  # NVIDIA/TensorRT issue 2036
ORT_EP = "TRT-7103-EntropyCalibration2\ndata_0: 4000889d\n"  # ORT TensorRT EP comment
REAL_CACHES = [DETECTNET_V2, SSD, CUDLA, ISSUE_2036, ORT_EP]


def _f32(hex_digits: str) -> float:
    return struct.unpack("!f", bytes.fromhex(hex_digits))[0]


# --- header version -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "header"),
    [
        ("7.0.0", 7000),  # deepstream_tao_apps caches
        ("7.1.3", 7103),  # ORT EP comment
        ("7.2.2", 7202),
        ("8.2.3", 8203),  # TensorRT issue 2036
        ("8.6.0", 8600),  # cuDLA-samples
        ("8.6.1", 8601),  # TRT-8601 written by TensorRT 8.6.1 (ultralytics issue 14121)
        ("8.6.1.6", 8601),  # build number ignored
    ],
)
def test_trt_version_number_below_10_uses_tao_formula(version: str, header: int) -> None:
    assert trt_version_number(version) == header


def test_observed_8510_header_is_8_5_10_not_8_5_1() -> None:
    # The formula maps 8.5.1 to 8501; a TRT-8510 header only fits a 8.5.10 release (DRIVE OS builds).
    assert trt_version_number("8.5.10") == 8510
    assert trt_version_number("8.5.1") == 8501
    assert trt_version_number("8.5.2.2") == 8502


def test_trt_version_number_10_uses_reported_ngc_header() -> None:
    # NV_TENSORRT_VERSION from 10 is MAJOR*10000+MINOR*100+PATCH (NvInferRuntimeBase.h v10.3.0 L89-93);
    # TAO Deploy's MAJOR*1000+... would give 10300 for 10.3.
    assert trt_version_number("10.3.0") == 100300
    assert trt_version_number("10.16.1.11") == 101601


# Caches TensorRT itself wrote, in NVIDIA's TensorRT cookbook (NVIDIA/trt-samples-for-hackathon-cn; reference
# tensorrt-tools.md finding 18). Only the 10.6.0 file's full text was available here; for the other three the
# header is TensorRT's and the body is a stand-in line.
COOKBOOK_CACHES = {
    "8.2.4": "TRT-8204-EntropyCalibration2\ninputT0: 3c010a14\n",  # cookbook/05-Plugin/useINT8/int8.cache @311650a2
    # cookbook/05-Plugin/UseINT8-PTQ-V2-deprecated/model.int8cache @30f6e924
    "10.0.1": "TRT-100001-EntropyCalibration2\ninputT0: 3c010a14\n",
    "10.6.0": (  # cookbook/05-Plugin/UseINT8-PTQ-V2-deprecated/model.int8cache @918c3b0e, verbatim
        "TRT-100600-EntropyCalibration2\n"
        "inputT0: 3ebfcfb9\n"
        "(Unnamed Layer* 0) [PluginV2DynamicExt]_output: 3ec3d80a\n"
        "outputT0: 3ec3d80a\n"
    ),
    "10.14.1": "TRT-101401-EntropyCalibration2\ninputT0: 3c010a14\n",  # same path @1c8b6b6c
}


@pytest.mark.parametrize(
    ("version", "header"), [("8.2.4", 8204), ("10.0.1", 100001), ("10.6.0", 100600), ("10.14.1", 101401)]
)
def test_trt_version_number_matches_caches_tensorrt_wrote(version: str, header: int) -> None:
    assert trt_version_number(version) == header


@pytest.mark.parametrize("version", sorted(COOKBOOK_CACHES))
def test_caches_tensorrt_wrote_round_trip(version: str) -> None:
    text = COOKBOOK_CACHES[version]
    cache = CalibrationCache.parse(text)
    assert cache.version == trt_version_number(version)
    assert cache.header == text.splitlines()[0]
    assert cache.render() == text
    assert CalibrationCache(trt_version_number(version), scales=cache.scales).render() == text


def test_cookbook_1060_cache_values() -> None:
    cache = CalibrationCache.parse(COOKBOOK_CACHES["10.6.0"])
    assert list(cache.scales) == ["inputT0", "(Unnamed Layer* 0) [PluginV2DynamicExt]_output", "outputT0"]
    assert cache.scales["inputT0"] == _f32("3ebfcfb9")


@pytest.mark.parametrize("bad", ["", "8", "eight.six", "8.x.1", "8.10.0", "-1.2.3"])
def test_trt_version_number_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        trt_version_number(bad)


# --- decoding real caches ---------------------------------------------------------------------------


def test_detectnet_input_scale_means_unit_range() -> None:
    cache = CalibrationCache.parse(DETECTNET_V2)
    assert (cache.version, cache.algorithm) == (7000, "EntropyCalibration2")
    assert list(cache.scales) == ["input_1", "conv1/convolution", "bn_conv1/batchnorm/mul_1"]
    assert cache.scales["input_1"] == pytest.approx(0.0078759, rel=1e-5)
    assert cache.amax()["input_1"] == pytest.approx(1.0002, abs=1e-4)


def test_ssd_input_scale_means_caffe_range() -> None:
    cache = CalibrationCache.parse(SSD)
    assert cache.scales["Input"] == pytest.approx(1.18975, rel=1e-5)
    assert cache.amax()["Input"] == pytest.approx(151.1, abs=0.05)  # 255 - 103.939


def test_onnx_style_names_and_other_versions() -> None:
    cudla = CalibrationCache.parse(CUDLA)
    assert cudla.version == 8600
    assert cudla.scales["images"] == _f32("3c00f9f4")
    assert cudla.scales["/model.0/act/Mul_output_0"] == _f32("3e6c9314")
    assert CalibrationCache.parse(ISSUE_2036).scales == {"167": _f32("3c009976")}
    ort_ep = CalibrationCache.parse(ORT_EP)
    assert ort_ep.version == 7103
    assert ort_ep.scales["data_0"] == pytest.approx(2.00833, rel=1e-5)


@pytest.mark.parametrize("text", REAL_CACHES)
def test_real_caches_rerender_byte_exact(text: str) -> None:
    assert CalibrationCache.parse(text).render() == text


# --- rendering --------------------------------------------------------------------------------------


def test_render_format_and_amax_round_trip() -> None:
    cache = CalibrationCache.from_amax(8601, {"input_1": 1.0002, "a/b": 151.061})
    text = cache.render()
    assert text.startswith("TRT-8601-EntropyCalibration2\n")
    assert text.endswith("\n") and "\r" not in text
    lines = text.splitlines()
    assert [ln.split(": ")[0] for ln in lines[1:]] == ["input_1", "a/b"]
    assert all(len(ln.split(": ")[1]) == 8 for ln in lines[1:])
    back = CalibrationCache.parse(text).amax()
    assert back["input_1"] == pytest.approx(1.0002, rel=1e-6)
    assert back["a/b"] == pytest.approx(151.061, rel=1e-6)


def test_render_zero_pads_small_scales() -> None:
    # 1e-39 is a float32 subnormal, bit pattern 0x000ae398: Python's hex() would drop the zeros.
    cache = CalibrationCache(8601, scales={"tiny": 1e-39, "zero": 0.0})
    lines = cache.render().splitlines()
    assert lines[1] == "tiny: 000ae398"
    assert lines[2] == "zero: 00000000"
    assert CalibrationCache.parse(cache.render()).render() == cache.render()


def test_parse_accepts_unpadded_hex_like_trtexec() -> None:
    # TAO writes hex(...)[2:], which loses leading zeros; trtexec parses it as an integer anyway.
    cache = CalibrationCache.parse("TRT-8601-EntropyCalibration2\nt: ae398\n")
    assert cache.render() == "TRT-8601-EntropyCalibration2\nt: 000ae398\n"


def test_render_rejects_bad_scales_and_names() -> None:
    for scale in (float("nan"), float("inf"), -1.0, 1e39):
        with pytest.raises(ValueError):
            CalibrationCache(8601, scales={"t": scale}).render()
    with pytest.raises(ValueError):
        CalibrationCache(8601, scales={"a\nb": 1.0}).render()


def test_scale_amax_helpers() -> None:
    assert scale_from_amax(127.0) == 1.0
    assert amax_from_scale(scale_from_amax(3.5)) == pytest.approx(3.5)


# --- tolerant parsing -------------------------------------------------------------------------------


def test_parse_splits_on_last_colon_space() -> None:
    text = "TRT-8510-EntropyCalibration2\nconv:0: 3c010a14\n(Unnamed Layer* 8) [Constant]_output: 39137939\n"
    cache = CalibrationCache.parse(text)
    assert list(cache.scales) == ["conv:0", "(Unnamed Layer* 8) [Constant]_output"]
    assert cache.render() == text


def test_parse_tolerates_crlf_blank_lines_and_uppercase() -> None:
    cache = CalibrationCache.parse("TRT-7000-EntropyCalibration2\r\ninput_1: 3C010A14\r\n\r\n")
    assert cache.render() == "TRT-7000-EntropyCalibration2\ninput_1: 3c010a14\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", "line 1"),
        ("input_1: 3c010a14\n", "line 1"),
        ("TRT-abc-EntropyCalibration2\n", "line 1"),
        ("TRT-7000\n", "line 1"),
        ("TRT-7000-EntropyCalibration2\ninput_1 3c010a14\n", "line 2"),
        ("TRT-7000-EntropyCalibration2\na: 3c010a14\nb: 3c01zz14\n", "line 3"),
        ("TRT-7000-EntropyCalibration2\na: 3c010a14\nb: 3c010a1400\n", "line 3"),
        ("TRT-7000-EntropyCalibration2\n: 3c010a14\n", "line 2"),
        ("TRT-7000-EntropyCalibration2\na: 3c010a14\n\na: 3c010a14\n", "line 4"),
    ],
)
def test_parse_errors_name_the_line(text: str, line: str) -> None:
    with pytest.raises(ValueError, match=line):
        CalibrationCache.parse(text)
