"""Every DeepStream release tao2ds knows, as one table of data (6.0.1 … 9.2).

One row (:class:`Release`) per release says what it ships per platform (TensorRT, CUDA, Ubuntu,
the Python its bindings are built for, JetPack/L4T on Jetson), which Jetson modules and dGPU
architectures it runs on, whether pyds / PyServiceMaker / nvinferserver ship, which model
parsers nvinfer still has, which nvinfer / deepstream-app keys it knows, its sink codes and its
INT8 routes. Capability checks (``config.capabilities``), version derivation
(``config.compose``), config rendering (``deepstream.nvinfer`` / ``deepstream.app``), trtexec flags
and calibration-cache headers (through ``target.tensorrt``) all read this table. (The one release
comparison left elsewhere is the tracker YAML's format switch at 6.1 in ``deepstream.tracker``.) Adding a release = one :class:`Release` row (README: "Adding a
DeepStream release"); ``tests/unit/deepstream/test_releases.py`` checks the table.

Where each fact comes from (``[key]`` as in /work/shared/reference/deepstream.md §8 and
tao-tools.md §6; paths in NVIDIA/DeepStream are at tag v9.0.0 e91b3c5 / v9.1.0 581889d):

- 6.0.1 … 7.1 platform stacks: deepstream.md §5 (DSY, DOCK-*, DOC-inst-*, TAO601-trt, TAO71-trt).
  Jetson TensorRT of 6.0.1 is 8.2.1 [TAO601-trt]; x86 is 8.0.1 [DSY].
- 8.0: TensorRT 10.9.0.34 x86 / 10.13.2.6 Jetson (DS 8.0 Migration Guide); CUDA 12.8 x86 / 13.0
  Thor, JetPack 7.0 r38.2 [DOCK-80]; "Support for Blackwell and Jetson Thor" (DS 9.0 release
  notes, "DS 8.0 (Previous Release)" section).
- 9.0: TensorRT 10.14.1.48, CUDA 13.1 x86 / 13.0 Thor, JetPack 7.1 (r38.4), Thor only (DS 9.0
  release notes; NVIDIA-AI-IOT/deepstream_dockers README "Jetson Thor support only. Also x86 uses
  CUDA 13.1 and Jetson Thor uses Cuda 13").
- 9.1: JetPack 7.2 GA (L4T r39.2), CUDA 13.2, TensorRT 10.16.x (NVIDIA/DeepStream v9.1.0
  ``build/BUILD.md`` L26-30); exact TensorRT: 10.16.0 on x86 (``deepstream_dockers/README.md``
  L139-141, nv-tensorrt-local-repo-…-10.16.0-cuda-13.2), 10.16.1.11 on Jetson
  (``deepstream_dockers/jetson_dockerfiles/Dockerfile_Jetson_Run`` L71 ``tensorrt-libs=10.16.1.11``).
- 9.2: "TensorRT 10.16.0.72 for x86 and TensorRT 10.16.1.7 for Jetson" (DS 9.2 Migration Guide);
  Turing … Blackwell, GB300, RTX Pro 4500, Jetson Orin and Thor (DS 9.2 release notes). CUDA,
  JetPack and Ubuntu of 9.2 were not found in a source: taken over from 9.1 (marked in ``notes``).
- Compute capabilities: developer.nvidia.com/cuda-gpus and /cuda-legacy-gpus (Thor T5000/T4000 =
  11.0, GB300 = 10.3, RTX PRO Blackwell = 12.0, GB10 = 12.1, Orin = 8.7, Xavier = 7.2, TX2 = 6.2,
  Nano = 5.3). CUDA 13 renamed Thor's sm_101 to sm_110 (gcc nvptx patch, PTX ISA 9.0).
- dGPU architectures per release: 7.1 "T4/Hopper/Ampere/Ada", 8.0 "+ Blackwell", 9.0 and 9.2 as
  their release notes' "About this Release" (tao-tools.md §6.1). Before 7.1 the lists are inferred
  from each release's CUDA (Ada/Hopper need CUDA 11.8, i.e. 6.2+), not read from release notes.
- DLA: Xavier and Orin AGX/NX have 2 cores; Nano, TX2 and Thor none (deepstream.md §2.3 [TRT-DLA]).
- pyds: 1.1.1 (6.0.1) … 1.2.0 (7.1) [PY-hist]; deprecated from 9.0, no wheels (tao-tools.md §6.1).
  PyServiceMaker: preinstalled from 8.0 (DS 8.0+ docs, tao-tools.md §6.1).
- nvinfer keys: ``gstnvinfer_property_parser.h`` — the 6.0.x tree's [property] keys
  (hiennguyen9874/deepstream-sources @048ffad, [HN-601-pp]) hold every key tao2ds writes; the DS 6.4
  API reference shows ``disable-output-host-copy``, ``auto-inc-mem``, ``max-gpu-mem-per``; v9.0.0 adds ``strongly-typed``, ``warmup-engine``, ``dynamic-properties``,
  ``stabilize-buffer-count``, ``parse-segmentation-func-name`` (L97, L125-128), 9.1 unchanged
  (tao-tools.md §6.3). Whether 8.0 already had them is not checked (its sources are not public), so
  8.0 is given the 7.1 set: tao2ds never writes a key it cannot show a release parses.
  ``network-mode=3`` (best) from 7.0 (codes.NetworkMode).
- Parsers: UFF and Caffe gone from DS 7.1's model builder (tao-tools.md finding 5; deepstream.md §5).
- Sinks: type 5 = nvoverlaysink on Jetson up to 6.0.1, nvdrmvideosink on Jetson from 6.1; both
  error out on dGPU; codes 1..4 everywhere (``deepstream_sinks.h`` of 6.0.1, 6.1, 6.2, 9.1).
- INT8: implicit calibration (``int8-calib-file``) works while TensorRT is 10.x (DS 9.1 nvinfer
  still calls ``setInt8Calibrator``, ``nvdsinfer_model_builder.cpp`` L422-461); a Q/DQ ONNX is
  offered where nvinfer can build it strongly typed (``strongly-typed``, 9.0+).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

from tao2ds.core.errors import CapabilityError, ConfigError, VersionError

PLATFORMS = ("jetson", "dgpu")

# --- hardware ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JetsonModule:
    """A Jetson module family, known by its GPU's compute capability."""

    name: str
    compute_capability: str
    dla_cores: int  # the most any module of the family has
    description: str


JETSON_MODULES: Mapping[str, JetsonModule] = {
    m.compute_capability: m
    for m in (
        JetsonModule("nano", "5.3", 0, "Jetson Nano (Maxwell)"),
        JetsonModule("tx2", "6.2", 0, "Jetson TX2 (Pascal)"),
        JetsonModule("xavier", "7.2", 2, "Jetson AGX Xavier / Xavier NX (Volta)"),
        JetsonModule("orin", "8.7", 2, "Jetson AGX Orin / Orin NX / Orin Nano (Ampere)"),
        JetsonModule("thor", "11.0", 0, "Jetson AGX Thor / T5000 / T4000 (Blackwell)"),
    )
}

# dGPU architecture of a compute capability (developer.nvidia.com/cuda-gpus)
DGPU_ARCHITECTURES: Mapping[str, str] = {
    "6.0": "pascal",
    "6.1": "pascal",
    "7.0": "volta",
    "7.5": "turing",
    "8.0": "ampere",
    "8.6": "ampere",
    "8.9": "ada",
    "9.0": "hopper",
    "10.0": "blackwell",
    "10.3": "blackwell",  # GB300 / B300
    "12.0": "blackwell",  # RTX PRO Blackwell, GeForce RTX 50
    "12.1": "blackwell",  # GB10 (DGX Spark)
}


def hardware_name(platform: str, compute_capability: str) -> Optional[str]:
    """'orin', 'thor', … for a Jetson; 'turing', 'blackwell', … for a dGPU; None if unknown."""
    cc = str(compute_capability)
    if platform == "jetson":
        m = JETSON_MODULES.get(cc)
        return m.name if m else None
    return DGPU_ARCHITECTURES.get(cc)


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """What one platform build of a release ships."""

    tensorrt: str
    cuda: str
    ubuntu: str
    python: str  # the system Python its Python bindings / apps run on
    jetpack: Optional[str] = None
    l4t: Optional[str] = None


# nvinfer [property] keys DS 6.0.1 parses: every CONFIG_GROUP_INFER_* of the [property] group in
# gstnvinfer_property_parser.h of the 6.0.x tree (hiennguyen9874/deepstream-sources @048ffad,
# [HN-601-pp]); all still parsed in 9.1 (tao-tools.md §6.3: none removed). Later releases add to
# this set (Release.nvinfer_keys_added).
NVINFER_BASE_KEYS = frozenset(
    {
        "gie-unique-id",
        "process-mode",
        "interval",
        "labelfile-path",
        "gpu-id",
        "secondary-reinfer-interval",
        "output-tensor-meta",
        "enable-dla",
        "use-dla-core",
        "batch-size",
        "tensor-meta-pool-size",
        "network-mode",
        "model-engine-file",
        "int8-calib-file",
        "workspace-size",
        "output-blob-names",
        "is-classifier",
        "network-type",
        "force-implicit-batch-dim",
        "infer-dims",
        "output-io-formats",
        "layer-device-precision",
        "model-color-format",
        "net-scale-factor",
        "offsets",
        "mean-file",
        "maintain-aspect-ratio",
        "symmetric-padding",
        "scaling-filter",
        "scaling-compute-hw",
        "network-input-order",
        "input-tensor-from-meta",
        "custom-lib-path",
        "parse-bbox-func-name",
        "parse-bbox-instance-mask-func-name",
        "engine-create-func-name",
        "parse-classifier-func-name",
        "custom-network-config",
        "model-file",
        "proto-file",
        "uff-file",
        "uff-input-order",
        "input-dims",
        "uff-input-dims",
        "uff-input-blob-name",
        "tlt-encoded-model",
        "tlt-model-key",
        "onnx-file",
        "num-detected-classes",
        "enable-dbscan",
        "cluster-mode",
        "classifier-type",
        "classifier-threshold",
        "classifier-async-mode",
        "segmentation-threshold",
        "segmentation-output-order",
        "output-instance-mask",
        "input-object-min-width",
        "input-object-min-height",
        "input-object-max-width",
        "input-object-max-height",
        "operate-on-gie-id",
        "operate-on-class-ids",
        "filter-out-class-ids",
    }
)

# deepstream-app groups → keys tao2ds writes, all in the DS 6.0.1 parser (deepstream_config_file_parser.c
# [HN-601-app]) and still in 9.1 ([DS91-cfp], deepstream.md §2.2; tao-tools.md §6.3: nothing removed).
APP_BASE_KEYS: Mapping[str, frozenset] = {
    "application": frozenset({"enable-perf-measurement", "perf-measurement-interval-sec"}),
    "tiled-display": frozenset(
        {"enable", "rows", "columns", "width", "height", "gpu-id", "nvbuf-memory-type"}
    ),
    "source": frozenset(
        {"enable", "type", "uri", "num-sources", "latency", "gpu-id", "cudadec-memtype", "nvbuf-memory-type"}
    ),
    "streammux": frozenset(
        {
            "gpu-id",
            "live-source",
            "batch-size",
            "batched-push-timeout",
            "width",
            "height",
            "enable-padding",
            "nvbuf-memory-type",
        }
    ),
    "primary-gie": frozenset(
        {
            "enable",
            "gpu-id",
            "plugin-type",
            "batch-size",
            "interval",
            "gie-unique-id",
            "nvbuf-memory-type",
            "config-file",
        }
    ),
    "secondary-gie": frozenset(
        {
            "enable",
            "gpu-id",
            "plugin-type",
            "batch-size",
            "gie-unique-id",
            "operate-on-gie-id",
            "operate-on-class-ids",
            "nvbuf-memory-type",
            "config-file",
        }
    ),
    "tracker": frozenset(
        {
            "enable",
            "tracker-width",
            "tracker-height",
            "ll-lib-file",
            "ll-config-file",
            "gpu-id",
            "display-tracking-id",
        }
    ),
    "osd": frozenset(
        {
            "enable",
            "gpu-id",
            "border-width",
            "text-size",
            "text-color",
            "text-bg-color",
            "font",
            "show-clock",
            "nvbuf-memory-type",
        }
    ),
    "sink": frozenset(
        {
            "enable",
            "type",
            "sync",
            "source-id",
            "gpu-id",
            "nvbuf-memory-type",
            "codec",
            "enc-type",
            "bitrate",
            "container",
            "output-file",
            "rtsp-port",
            "udp-port",
        }
    ),
    "tests": frozenset({"file-loop"}),
}

_SINKS_COMMON = {"fake": 1, "display": 2, "file": 3, "rtsp": 4}
SINKS_UP_TO_601 = {"jetson": {**_SINKS_COMMON, "overlay": 5}, "dgpu": dict(_SINKS_COMMON)}
SINKS_FROM_61 = {"jetson": {**_SINKS_COMMON, "drm": 5}, "dgpu": dict(_SINKS_COMMON)}

# [sourceN] type codes (deepstream_sources.h): 1..8 in every release, 9 (IPC) from 7.0 (codes.SourceType)
SOURCES_UP_TO_64 = {
    "camera_v4l2": 1,
    "uri": 2,
    "multi_uri": 3,
    "rtsp": 4,
    "camera_csi": 5,
    "audio_wav": 6,
    "audio_uri": 7,
    "alsa": 8,
}
SOURCES_FROM_70 = {**SOURCES_UP_TO_64, "ipc": 9}

_PRE_71_PARSERS = ("onnx", "uff", "caffe", "etlt")
_FROM_71_PARSERS = ("onnx", "etlt")  # tlt-encoded-model still parsed; only ONNX payloads (tao-tools.md §3.5)
_DS9_KEYS = (
    "strongly-typed",
    "warmup-engine",
    "dynamic-properties",
    "stabilize-buffer-count",
    "parse-segmentation-func-name",
)


@dataclass(frozen=True)
class Release:
    version: str
    dgpu: Optional[Stack]
    jetson: Optional[Stack]
    jetson_modules: tuple[str, ...]
    dgpu_architectures: tuple[str, ...]
    pyds: Optional[str]  # the pyds wheel published for it ("" = shipped, version not recorded), None = none
    pyservicemaker: bool
    nvinferserver: bool  # Triton plugin (nvinferserver) ships
    parsers: tuple[str, ...]  # model parsers nvinfer's builder has: onnx, uff, caffe, etlt
    sinks: Mapping[str, Mapping[str, int]]  # platform → sink kind → [sinkN] type
    source_types: Mapping[str, int] = field(default_factory=lambda: dict(SOURCES_FROM_70))
    nvinfer_keys_added: tuple[str, ...] = ()
    network_mode_best: bool = True  # network-mode=3
    # NvMultiObjectTracker YAML: TargetManagement.preserveStreamUpdateOrder, first in the 6.1 IOU sample
    # (absent from 6.0.1's config_tracker_IOU.yml; tracker.py cites the files)
    tracker_preserve_stream_order: bool = True
    int8_routes: tuple[str, ...] = ("cache",)
    # samples/models/Primary_Detector model file of this release (deepstream-parsers.md F3); None = not checked
    primary_detector_model: Optional[str] = None
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)

    def stack(self, platform: str) -> Optional[Stack]:
        return self.jetson if platform == "jetson" else self.dgpu

    def runs_on(self, platform: str, compute_capability: str) -> bool:
        if self.stack(platform) is None:
            return False
        hw = hardware_name(platform, compute_capability)
        return hw in (self.jetson_modules if platform == "jetson" else self.dgpu_architectures)

    @property
    def nvinfer_keys(self) -> frozenset:
        added = [k for r in RELEASES if r.key <= self.key for k in r.nvinfer_keys_added]
        return NVINFER_BASE_KEYS | frozenset(added)

    def app_keys(self, group: str) -> frozenset:
        """Keys of a deepstream-app group (``source0`` → the ``source`` set, ``sink1`` → ``sink``)."""
        base = re.sub(r"\d+$", "", group)
        return APP_BASE_KEYS.get(base, frozenset())

    @property
    def pyds_available(self) -> bool:
        return self.pyds is not None


def _stack(trt, cuda, ubuntu, python, jetpack=None, l4t=None) -> Stack:
    return Stack(trt, cuda, ubuntu, python, jetpack, l4t)


TURING_ON = ("turing", "ampere", "ada", "hopper")

RELEASES: tuple[Release, ...] = (
    Release(
        "6.0.1",
        dgpu=_stack("8.0.1", "11.4", "18.04", "3.6"),
        jetson=_stack("8.2.1", "10.2", "18.04", "3.6", "4.6.1", "R32.7.1"),
        jetson_modules=("nano", "tx2", "xavier"),
        dgpu_architectures=("pascal", "volta", "turing", "ampere"),
        pyds="1.1.1",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        primary_detector_model="resnet10.caffemodel",
        source_types=SOURCES_UP_TO_64,
        sinks=SINKS_UP_TO_601,
        network_mode_best=False,
        tracker_preserve_stream_order=False,
        sources=("deepstream.md §5 [TAO601-trt] [DSY] [HN-601-nano]",),
    ),
    Release(
        "6.1",
        dgpu=_stack("8.2.5.1", "11.6", "20.04", "3.8"),
        jetson=_stack("8.4.0.11", "11.4", "20.04", "3.8", "5.0.1", "R34.1.1"),
        jetson_modules=("xavier", "orin"),
        dgpu_architectures=("pascal", "volta", "turing", "ampere"),
        pyds="",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        source_types=SOURCES_UP_TO_64,
        sinks=SINKS_FROM_61,
        network_mode_best=False,
        notes=("JetPack 5.0.1 is a developer preview",),
        sources=("deepstream.md §5 [TAO71-trt] [DSY]",),
    ),
    Release(
        "6.1.1",
        dgpu=_stack("8.4.1.5", "11.7", "20.04", "3.8"),
        jetson=_stack("8.4.1.5", "11.4", "20.04", "3.8", "5.0.2", "R35.1"),
        jetson_modules=("xavier", "orin"),
        dgpu_architectures=("pascal", "volta", "turing", "ampere"),
        pyds="",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        source_types=SOURCES_UP_TO_64,
        sinks=SINKS_FROM_61,
        network_mode_best=False,
        sources=("deepstream.md §5 [DOC-qs-611] [DOC-rf-611] [DOCK-611]",),
    ),
    Release(
        "6.2",
        dgpu=_stack("8.5.2.2", "11.8", "20.04", "3.8"),
        jetson=_stack("8.5.2.2", "11.4", "20.04", "3.8", "5.1", "R35.2.1"),
        jetson_modules=("xavier", "orin"),
        dgpu_architectures=("volta", *TURING_ON),
        pyds="1.1.6",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        source_types=SOURCES_UP_TO_64,
        sinks=SINKS_FROM_61,
        network_mode_best=False,
        sources=("deepstream.md §5 [DOC-ov-62] [DOCK-62]",),
    ),
    Release(
        "6.3",
        dgpu=_stack("8.5.3.1", "12.1", "20.04", "3.8"),
        jetson=_stack("8.5.2.2", "11.4", "20.04", "3.8", "5.1.2", "R35.4.1"),
        jetson_modules=("xavier", "orin"),
        dgpu_architectures=("volta", *TURING_ON),
        pyds="1.1.8",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        primary_detector_model="resnet10.caffemodel",
        source_types=SOURCES_UP_TO_64,
        sinks=SINKS_FROM_61,
        network_mode_best=False,
        sources=("deepstream.md §5 [DOCK-63] [TAO71-trt]",),
    ),
    Release(
        "6.4",
        dgpu=_stack("8.6.1.6", "12.2", "22.04", "3.10"),
        jetson=_stack("8.6.2", "12.2", "22.04", "3.10", "6.0", "R36.2"),
        jetson_modules=("orin",),
        dgpu_architectures=TURING_ON,
        pyds="1.1.10",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        source_types=SOURCES_UP_TO_64,
        # in the 6.4 header (DS 6.4 API reference gstnvinfer_property_parser.h L42-45); maybe older
        nvinfer_keys_added=("disable-output-host-copy", "auto-inc-mem", "max-gpu-mem-per"),
        sinks=SINKS_FROM_61,
        network_mode_best=False,
        notes=("JetPack 6.0 developer preview (r36.2)",),
        sources=("deepstream.md §5 [DOCK-64]",),
    ),
    Release(
        "7.0",
        dgpu=_stack("8.6.1.6", "12.2", "22.04", "3.10"),
        jetson=_stack("8.6.2", "12.2", "22.04", "3.10", "6.0", "R36.3"),
        jetson_modules=("orin",),
        dgpu_architectures=TURING_ON,
        pyds="1.1.11",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_PRE_71_PARSERS,
        primary_detector_model="resnet18_trafficcamnet.etlt",
        sinks=SINKS_FROM_61,
        sources=("deepstream.md §5 [DOC-inst-70] [DOCK-70]",),
    ),
    Release(
        "7.1",
        dgpu=_stack("10.3.0.26", "12.6", "22.04", "3.10"),
        jetson=_stack("10.3.0", "12.6", "22.04", "3.10", "6.1", "R36.4.0"),
        jetson_modules=("orin",),
        dgpu_architectures=TURING_ON,
        pyds="1.2.0",
        pyservicemaker=False,
        nvinferserver=True,
        parsers=_FROM_71_PARSERS,
        primary_detector_model="resnet18_trafficcamnet_pruned.onnx",
        sinks=SINKS_FROM_61,
        sources=("deepstream.md §5 [DOC-inst-71] [DOCK-71] [DSY]; tao-tools.md §6.1",),
    ),
    Release(
        "8.0",
        dgpu=_stack("10.9.0.34", "12.8", "24.04", "3.12"),
        jetson=_stack("10.13.2.6", "13.0", "24.04", "3.12", "7.0", "R38.2"),
        jetson_modules=("thor",),
        dgpu_architectures=(*TURING_ON, "blackwell"),
        pyds="",
        pyservicemaker=True,
        nvinferserver=True,
        parsers=_FROM_71_PARSERS,
        sinks=SINKS_FROM_61,
        notes=(
            "Jetson: Thor only (Orin stays on 7.1 until 9.1)",
            "nvinfer keys new in 9.0 are not assumed here: 8.0's parser source is not public",
        ),
        sources=("DS 8.0 Migration Guide; [DOCK-80]; DS 9.0 release notes (DS 8.0 section)",),
    ),
    Release(
        "9.0",
        dgpu=_stack("10.14.1.48", "13.1", "24.04", "3.12"),
        jetson=_stack("10.14.1.48", "13.0", "24.04", "3.12", "7.1", "R38.4"),
        jetson_modules=("thor",),
        dgpu_architectures=(*TURING_ON, "blackwell"),
        pyds=None,
        pyservicemaker=True,
        nvinferserver=True,
        parsers=_FROM_71_PARSERS,
        sinks=SINKS_FROM_61,
        nvinfer_keys_added=_DS9_KEYS,
        int8_routes=("cache", "qdq"),
        notes=("Jetson: Thor only", "pyds deprecated: no wheels; use PyServiceMaker"),
        sources=(
            "DS 9.0 release notes; deepstream_dockers README (DS 9.0); "
            "NVIDIA/DeepStream v9.0.0 gstnvinfer_property_parser.h L97, L125-128",
        ),
    ),
    Release(
        "9.1",
        dgpu=_stack("10.16.0", "13.2", "24.04", "3.12"),
        jetson=_stack("10.16.1.11", "13.2", "24.04", "3.12", "7.2", "R39.2"),
        jetson_modules=("orin", "thor"),
        dgpu_architectures=(*TURING_ON, "blackwell"),
        pyds=None,
        pyservicemaker=True,
        nvinferserver=True,
        parsers=_FROM_71_PARSERS,
        sinks=SINKS_FROM_61,
        int8_routes=("cache", "qdq"),
        notes=("JetPack 7.2 brings Orin back",),
        sources=(
            "NVIDIA/DeepStream v9.1.0 build/BUILD.md L26-30, deepstream_dockers/README.md L139-141, "
            "deepstream_dockers/jetson_dockerfiles/Dockerfile_Jetson_Run L71; DS 9.1 installation",
        ),
    ),
    Release(
        "9.2",
        dgpu=_stack("10.16.0.72", "13.2", "24.04", "3.12"),
        jetson=_stack("10.16.1.7", "13.2", "24.04", "3.12", "7.2", "R39.2"),
        jetson_modules=("orin", "thor"),
        dgpu_architectures=(*TURING_ON, "blackwell"),
        pyds=None,
        pyservicemaker=True,
        nvinferserver=True,
        parsers=_FROM_71_PARSERS,
        sinks=SINKS_FROM_61,
        int8_routes=("cache", "qdq"),
        notes=(
            "CUDA, JetPack, L4T and Ubuntu taken over from 9.1 (not found in a 9.2 source)",
            "9.2 moved the nvinfer property parser to libs/gst-nvdsinferbase; its key list is assumed "
            "to be 9.1's (not checked)",
        ),
        sources=("DS 9.2 Migration Guide; DS 9.2 release notes; GitHub release v9.2.0",),
    ),
)

BY_VERSION: Mapping[str, Release] = {r.version: r for r in RELEASES}


# --- lookups -----------------------------------------------------------------------------------


def version_key(text: str) -> tuple[int, ...]:
    """'6.0.1' -> (6, 0, 1); '9.1' -> (9, 1, 0): releases compare component-wise."""
    m = re.fullmatch(r"\s*(\d+)\.(\d+)(?:\.(\d+))?(?:\.\d+)*\s*", str(text))
    if not m:
        raise VersionError(f"not a version: {text!r} (want e.g. 7.1 or 6.0.1)")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def names() -> list[str]:
    return [r.version for r in RELEASES]


def newest() -> Release:
    return RELEASES[-1]


def get(version: str) -> Release:
    """The row for a release ('7.1', '6.0.1'); CapabilityError naming the known ones otherwise."""
    want = str(version).strip()
    if want in BY_VERSION:
        return BY_VERSION[want]
    try:
        key = version_key(want)
    except VersionError:
        key = None
    for r in RELEASES:
        if r.key == key:
            return r
    raise CapabilityError(
        f"target.deepstream={version}: tao2ds knows DeepStream {', '.join(names())}",
        key="target.deepstream",
        value=version,
        hint="pick one of those, or add the release to tao2ds/deepstream/releases.py (README: Adding a DeepStream release)",
    )


def get_or_none(version: str) -> Optional[Release]:
    try:
        return get(version)
    except CapabilityError:
        return None


def releases_for(platform: str, compute_capability: str) -> list[Release]:
    """Every release that runs on this hardware, oldest first."""
    return [r for r in RELEASES if r.runs_on(platform, compute_capability)]


def same_minor(a: str, b: str) -> bool:
    return version_key(a)[:2] == version_key(b)[:2]


def same_patch(a: str, b: str) -> bool:
    return version_key(a) == version_key(b)


def sink_code(release: Release, platform: str, kind: str) -> Optional[int]:
    return release.sinks.get(platform, {}).get(kind)


# --- a target's versions, derived from the table -----------------------------------------------

DERIVED_KEYS = ("tensorrt", "cuda", "python", "jetpack", "l4t")
LABELS = {"tensorrt": "TensorRT", "cuda": "CUDA", "python": "Python", "jetpack": "JetPack", "l4t": "L4T"}


def describe_hardware(platform: str, compute_capability: str) -> str:
    cc = str(compute_capability)
    if platform == "jetson":
        m = JETSON_MODULES.get(cc)
        return f"{m.description}, sm_{cc.replace('.', '')}" if m else f"a Jetson with compute capability {cc}"
    arch = DGPU_ARCHITECTURES.get(cc)
    return (
        f"a {arch.capitalize()} dGPU (sm_{cc.replace('.', '')})"
        if arch
        else f"a dGPU with compute capability {cc}"
    )


def _l4t_key(text: str) -> tuple[int, ...]:
    return version_key(str(text).strip().lstrip("Rr"))


def _consistent(key: str, given: str, table: str) -> bool:
    try:
        if key == "l4t":
            return _l4t_key(given)[:2] == _l4t_key(table)[:2]
        return same_minor(given, table)
    except VersionError:
        return False


def resolve_target(
    name: str,
    platform: str,
    compute_capability: str,
    deepstream: Optional[str],
    given: Mapping[str, Optional[str]],
    warnings: Optional[list] = None,
) -> dict[str, Optional[str]]:
    """The target's DeepStream release and the versions that come with it on this hardware.

    ``deepstream`` None picks the newest release in the table that runs the hardware. A version the
    user set (``given``: target.tensorrt, .cuda, .python, .jetpack, .l4t) is kept: silently when it
    has the table's major.minor (a patch-level update of the same release, e.g. JetPack 4.6.4 for
    4.6.1), with a message appended to ``warnings`` otherwise (a device upgraded by hand: its
    engines and caches follow the version given), naming the releases that do ship it. A JetPack /
    L4T on a dGPU is refused. Raises CapabilityError naming what is possible when the hardware is
    unknown or the release cannot run on it."""
    cc = str(compute_capability)
    if hardware_name(platform, cc) is None:
        known = (
            ", ".join(f"{m.compute_capability} ({m.name})" for m in JETSON_MODULES.values())
            if platform == "jetson"
            else ", ".join(f"{c} ({a})" for c, a in DGPU_ARCHITECTURES.items())
        )
        raise CapabilityError(
            f"target {name}: target.gpu.compute_capability={cc} is no {platform} GPU tao2ds knows; known: {known}",
            key="target.gpu.compute_capability",
            value=cc,
            hint="add it to tao2ds/deepstream/releases.py with the releases that support it",
        )
    possible = releases_for(platform, cc)
    hw = describe_hardware(platform, cc)
    if not possible:
        raise CapabilityError(
            f"target {name}: no DeepStream release in the table runs on {hw}",
            key="target.gpu.compute_capability",
            value=cc,
        )
    if deepstream is None or str(deepstream).strip() == "":
        release = possible[-1]
    else:
        release = get(deepstream)
        if release not in possible:
            raise CapabilityError(
                f"target {name}: DeepStream {release.version} does not run on {hw}; "
                f"it runs DeepStream {', '.join(r.version for r in possible)}",
                key="target.deepstream",
                value=str(deepstream),
                hint=f"choose target.deepstream={possible[-1].version} (newest) or another of those",
            )
    stack = release.stack(platform)
    assert stack is not None  # runs_on checked it
    out: dict[str, Optional[str]] = {"deepstream": release.version}
    for key in DERIVED_KEYS:
        table = getattr(stack, key)
        value = given.get(key)
        if value is None or str(value).strip() == "":
            out[key] = table
            continue
        value = str(value)
        if table is None:
            raise CapabilityError(
                f"target {name}: target.{key}={value} does not apply to a {platform} target",
                key=f"target.{key}",
                value=value,
                hint=f"drop target.{key}",
            )
        if not _consistent(key, value, table):
            others = [
                r.version
                for r in possible
                if getattr(r.stack(platform), key)
                and _consistent(key, value, getattr(r.stack(platform), key))
            ]
            label = LABELS[key]
            where = (
                f"{label} {value} comes with DeepStream {', '.join(others)} on this hardware"
                if others
                else f"no DeepStream release in the table ships {label} {value} on this hardware"
            )
            if warnings is not None:
                warnings.append(
                    f"target {name}: target.{key}={value} does not match DeepStream {release.version}, "
                    f"which ships {label} {table} on {platform}; {where}. Using {value} as given "
                    f"(drop target.{key} to derive it"
                    + (f", or set target.deepstream={others[-1]})" if others else ")")
                )
        out[key] = value
    return out


def implicit_int8_removed(tensorrt: str) -> bool:
    """TensorRT 11 removed implicit INT8 (calibrators, --int8/--calib; engine.versions)."""
    return version_key(tensorrt)[0] >= 11


def int8_route(release: Optional[Release], tensorrt: str, requested: str = "auto") -> str:
    """'cache' (int8-calib-file) or 'qdq' (Q/DQ ONNX) for this release and TensorRT.

    auto: the calibration cache while TensorRT still has implicit INT8 (every release in the table
    ships 10.x), the Q/DQ model once it does not. An explicit route must be one the release lists."""
    if requested in (None, "", "auto"):
        return "qdq" if implicit_int8_removed(tensorrt) else "cache"
    if requested == "cache" and implicit_int8_removed(tensorrt):
        raise CapabilityError(
            f"precision.int8_route=cache: TensorRT {tensorrt} removed implicit INT8 calibration",
            key="precision.int8_route",
            value=requested,
            hint="use precision.int8_route=qdq (or auto)",
        )
    if release is not None and requested not in release.int8_routes:
        raise CapabilityError(
            f"precision.int8_route={requested}: DeepStream {release.version} has INT8 route(s) "
            f"{', '.join(release.int8_routes)}",
            key="precision.int8_route",
            value=requested,
        )
    return requested


def strongly_typed(release: Optional[Release], route: Optional[str]) -> bool:
    """nvinfer builds the Q/DQ model strongly typed where the release parses ``strongly-typed``."""
    return route == "qdq" and release is not None and "strongly-typed" in release.nvinfer_keys


def check_known_keys(groups, deepstream: str, what: str) -> None:
    """Refuse to write a key the release's parser does not know (``releases``: nvinfer_keys /
    app_keys), so a config never relies on a key the device ignores ("Unknown or legacy key")."""
    release = get(deepstream)
    for group, entries in groups:
        known = release.nvinfer_keys if what == "nvinfer" else release.app_keys(group)
        unknown = [k for k, v in entries if v is not None and k not in known]
        if unknown:
            raise ConfigError(
                f"the {what} config for DeepStream {release.version} would contain [{group}] "
                f"{', '.join(unknown)}, which that release does not know",
                key="target.deepstream",
                value=release.version,
                hint="choose a release that has the key (tao2ds/deepstream/releases.py) or drop the setting",
            )
