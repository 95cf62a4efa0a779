import pytest

from tao2ds.core.errors import CapabilityError
from tao2ds.deepstream.codes import (
    Codec,
    Container,
    EncType,
    MemoryType,
    NetworkMode,
    NetworkType,
    ProcessMode,
    ScalingComputeHw,
    ScalingFilter,
    SinkType,
    SourceType,
    install_version,
    sink_type,
    sink_type_problem,
    version_tuple,
)
from tao2ds.deepstream.keyfile import format_value


def test_codes_match_deepstream_numbers():
    assert [int(NetworkMode.of_precision(p)) for p in ("fp32", "int8", "fp16")] == [0, 1, 2]
    assert (NetworkType.CLASSIFIER, ProcessMode.PRIMARY, ProcessMode.SECONDARY) == (1, 1, 2)
    assert (SourceType.MULTI_URI, SourceType.RTSP) == (3, 4)
    assert [
        int(MemoryType.of_name(n))
        for n in ("default", "cuda_pinned", "cuda_device", "cuda_unified", "surface_array")
    ] == [0, 1, 2, 3, 4]
    assert (Codec.of_name("h264"), Codec.of_name("h265"), Codec.of_name("mpeg4")) == (1, 2, 3)
    assert (EncType.HW, EncType.SW, Container.MP4, Container.MKV) == (0, 1, 1, 2)
    assert (ScalingFilter.NEAREST, ScalingFilter.BILINEAR, ScalingFilter.DEFAULT) == (0, 1, 6)
    assert (ScalingComputeHw.DEFAULT, ScalingComputeHw.GPU, ScalingComputeHw.VIC) == (0, 1, 2)


def test_intenum_renders_as_its_number():
    """Byte-identical configs: a code is written exactly as the bare int was."""
    for member in (*SinkType, *SourceType, *MemoryType, *NetworkMode, *ScalingFilter, *Codec):
        assert format_value(member) == str(int(member))
    assert format_value([ScalingFilter.BILINEAR, Codec.H265]) == "1;2"


@pytest.mark.parametrize(
    "kind,platform,ds,code",
    [
        ("fake", "dgpu", "7.1", 1),
        ("display", "jetson", "6.0.1", 2),
        ("file", "jetson", "6.3", 3),
        ("rtsp", "dgpu", "7.1", 4),
        ("overlay", "jetson", "6.0.1", 5),
        ("drm", "jetson", "6.1", 5),
        ("drm", "jetson", "7.1", 5),
    ],
)
def test_sink_type_per_release(kind, platform, ds, code):
    assert sink_type(kind, platform, ds) == code and sink_type_problem(kind, platform, ds) is None


@pytest.mark.parametrize(
    "kind,platform,ds,expect",
    [
        ("overlay", "jetson", "6.3", "up to DeepStream 6.0.1"),
        ("overlay", "dgpu", "6.0.1", "only on Jetson"),
        ("drm", "jetson", "6.0.1", "from DeepStream 6.1"),
        ("drm", "dgpu", "7.1", "only on Jetson"),
    ],
)
def test_sink_type_refused(kind, platform, ds, expect):
    assert expect in sink_type_problem(kind, platform, ds)
    with pytest.raises(CapabilityError, match=expect):
        sink_type(kind, platform, ds)


def test_platform_limits_and_install_folder():
    assert not ScalingComputeHw.VIC.available_on("dgpu") and ScalingComputeHw.VIC.available_on("jetson")
    assert not MemoryType.SURFACE_ARRAY.available_on("dgpu") and not MemoryType.CUDA_UNIFIED.available_on(
        "jetson"
    )
    assert MemoryType.DEFAULT.available_on("jetson") and MemoryType.DEFAULT.available_on("dgpu")
    assert (
        install_version("6.0.1") == "6.0"
        and install_version("6.3") == "6.3"
        and install_version("7.1") == "7.1"
    )
    assert version_tuple("6.0.1") == (6, 0, 1)
