"""DeepStream's numeric codes as enums, so renderers and checks name what they mean.

Every enum is an ``IntEnum``: ``keyfile.format_value`` writes it as its integer, so a config
written with these members is byte-identical to one written with bare ints.

Sources (see /work/shared/reference/deepstream.md §1.2, §2.2 and deepstream-parsers.md §4, §6):
nvinfer keys from ``gst-plugins/gst-nvinfer/gstnvinfer_property_parser.cpp`` and
``includes/nvdsinfer_context.h`` (DS 6.0.1, 6.3, 7.1: same values, except ``network-mode=3``
which 7.0 first accepts, DS71 l.709); deepstream-app codes from ``apps-common/includes/
deepstream_sinks.h`` / ``deepstream_sources.h`` and ``includes/nvbufsurface.h`` /
``nvbufsurftransform.h`` of each release.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Optional

from tao2ds.core.errors import CapabilityError
from tao2ds.deepstream import releases


def version_tuple(v: str) -> tuple[int, ...]:
    """'6.0.1' -> (6, 0, 1); non-numeric parts are ignored."""
    return tuple(int(p) for p in str(v).split(".") if p.isdigit())


def install_version(deepstream: str) -> str:
    """The ``X.Y`` of the release's install folder ``/opt/nvidia/deepstream/deepstream-X.Y``:
    NVDS_VERSION, which is 6.0 for DeepStream 6.0.1 (``NVDS_VERSION:=6.0`` in DS 6.0.1
    ``sources/gst-plugins/gst-nvinfer/Makefile``; its sample
    ``samples/configs/deepstream-app/source4_1080p_dec_infer-resnet_tracker_sgie_tiled_display_int8.txt``
    uses ``/opt/nvidia/deepstream/deepstream-6.0/lib/...``)."""
    v = version_tuple(deepstream)
    return f"{v[0]}.{v[1] if len(v) > 1 else 0}"


# --- nvinfer [property] --------------------------------------------------------------------------


class NetworkMode(IntEnum):
    """``network-mode``: 0..2 in every release; 3 (best) from DS 7.0 (gstnvinfer_property_parser.cpp DS71 l.709)."""

    FP32 = 0
    INT8 = 1
    FP16 = 2
    BEST = 3

    @classmethod
    def of_precision(cls, precision: str) -> "NetworkMode":
        return cls[str(precision).upper()]


class NetworkType(IntEnum):
    """``network-type`` (nvdsinfer_context.h ``NvDsInferNetworkType``)."""

    DETECTOR = 0
    CLASSIFIER = 1
    SEGMENTATION = 2
    INSTANCE_SEGMENTATION = 3
    OTHER = 100


class ProcessMode(IntEnum):
    """``process-mode``: 1 full frame (primary), 2 objects (secondary); anything else is an error."""

    PRIMARY = 1
    SECONDARY = 2


class ModelColorFormat(IntEnum):
    RGB = 0
    BGR = 1
    GRAY = 2


class ScalingFilter(IntEnum):
    """``scaling-filter`` (nvbufsurftransform.h ``NvBufSurfTransform_Inter``), 0..6 in 6.0.1/6.3/7.1."""

    NEAREST = 0
    BILINEAR = 1
    ALGO1 = 2  # GPU cubic / VIC 5-tap
    ALGO2 = 3
    ALGO3 = 4
    ALGO4 = 5
    DEFAULT = 6


class ScalingComputeHw(IntEnum):
    """``scaling-compute-hw``: VIC (2) is accepted only by aarch64 builds (property parser
    ``#ifdef __aarch64__``, DS601/DS63/DS71 l.470/470/480)."""

    DEFAULT = 0  # VIC on Jetson, GPU on dGPU
    GPU = 1
    VIC = 2

    def available_on(self, platform: str) -> bool:
        return self is not ScalingComputeHw.VIC or platform == "jetson"


# --- deepstream-app main config --------------------------------------------------------------------


class SourceType(IntEnum):
    """``[sourceN] type`` (deepstream_sources.h): 1..8 in every release, 9 (IPC) from 7.0."""

    CAMERA_V4L2 = 1
    URI = 2
    MULTI_URI = 3
    RTSP = 4
    CAMERA_CSI = 5
    AUDIO_WAV = 6
    AUDIO_URI = 7
    ALSA = 8
    IPC = 9


class SinkType(IntEnum):
    """``[sinkN] type`` (deepstream_sinks.h). 5 changed meaning between releases: nvoverlaysink
    (Jetson) up to DS 6.0.1, nvdrmvideosink (Jetson) from 6.1; both error out on dGPU. 2 is
    nveglglessink (6.0.1 everywhere; dGPU later) or nv3dsink (Jetson from 6.2). Use
    :func:`sink_type` to pick a code for a release; ``OVERLAY`` and ``DRM`` are the same value."""

    FAKE = 1
    DISPLAY = 2
    FILE = 3
    RTSP = 4
    OVERLAY = 5  # DS <= 6.0.1, Jetson
    DRM = 5  # DS >= 6.1, Jetson (an alias of OVERLAY: same code)
    MSGCONV_BROKER = 6


_SINK_KINDS = {
    "fake": SinkType.FAKE,
    "display": SinkType.DISPLAY,
    "file": SinkType.FILE,
    "rtsp": SinkType.RTSP,
    "overlay": SinkType.OVERLAY,
    "drm": SinkType.DRM,
}


def sink_type_problem(kind: str, platform: str, deepstream: str) -> Optional[str]:
    """Why ``kind`` has no sink code on this platform/release, or None (the release table's
    ``sinks``: ``deepstream.releases``)."""
    if kind not in _SINK_KINDS:
        return f"unknown sink kind '{kind}'; valid kinds: fake, display, file, rtsp, overlay, drm"
    release = releases.get_or_none(deepstream)
    if release is not None and releases.sink_code(release, platform, kind) is not None:
        return None
    where = [r.version for r in releases.RELEASES if releases.sink_code(r, platform, kind) is not None]
    if kind == "overlay":
        return "nvoverlaysink (type 5) exists only on Jetson up to DeepStream 6.0.1; use kind=display"
    if kind == "drm":
        return "nvdrmvideosink (type 5) exists only on Jetson from DeepStream 6.1; use kind=display"
    if release is None:
        return f"DeepStream {deepstream} is not in the release table"
    return f"sink kind '{kind}' exists on {platform} with DeepStream {', '.join(where) or 'no release'}"


def sink_type(kind: str, platform: str, deepstream: str) -> SinkType:
    """[sinkN] type code for a sink kind on this platform and release (deepstream.md §2.2)."""

    why = sink_type_problem(kind, platform, deepstream)
    if why is not None:
        raise CapabilityError(
            f"sink kind '{kind}' does not exist on {platform} with DeepStream {deepstream}: {why}",
            key="pipeline.sinks[].kind",
            value=kind,
        )
    return _SINK_KINDS[kind]


class MemoryType(IntEnum):
    """``nvbuf-memory-type`` (nvbufsurface.h): 1..3 dGPU only, 4 Jetson only."""

    DEFAULT = 0
    CUDA_PINNED = 1
    CUDA_DEVICE = 2
    CUDA_UNIFIED = 3
    SURFACE_ARRAY = 4

    @classmethod
    def of_name(cls, name: str) -> "MemoryType":
        return cls[str(name).upper()]

    def available_on(self, platform: str) -> bool:
        if self is MemoryType.SURFACE_ARRAY:
            return platform == "jetson"
        if self in (MemoryType.CUDA_PINNED, MemoryType.CUDA_DEVICE, MemoryType.CUDA_UNIFIED):
            return platform == "dgpu"
        return True


class Codec(IntEnum):
    """``[sinkN] codec``: 1 H264, 2 H265, 3 MPEG4 (RTSP: 1 and 2 only)."""

    H264 = 1
    H265 = 2
    MPEG4 = 3

    @classmethod
    def of_name(cls, name: str) -> "Codec":
        return cls[str(name).upper()]


class EncType(IntEnum):
    """``[sinkN] enc-type``: 0 hardware (NVENC), 1 software (x264/x265)."""

    HW = 0
    SW = 1


class Container(IntEnum):
    """``[sinkN] container`` of a file sink."""

    MP4 = 1
    MKV = 2
