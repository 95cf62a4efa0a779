"""Typed schemas for the composed Hydra config.

The YAML files under ``conf/`` are merged onto these dataclasses, so an unknown key or an
ill-typed value fails at compose time, before any task runs (see ``compose.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import List, Optional


class _StrEnum(str, Enum):
    """str() gives the value, so enums drop into strings and comparisons as plain names."""

    def __str__(self) -> str:
        return str(self.value)


class Platform(_StrEnum):
    jetson = "jetson"
    dgpu = "dgpu"


class PrecisionName(_StrEnum):
    fp32 = "fp32"
    fp16 = "fp16"
    int8 = "int8"


class Int8Route(_StrEnum):
    auto = "auto"  # the release's default: implicit calibration cache while TensorRT has it
    cache = "cache"  # int8-calib-file (implicit calibration)
    qdq = "qdq"  # a Q/DQ ONNX (explicit quantization), built strongly typed where the release can


class PreprocessMode(_StrEnum):
    caffe = "caffe"
    torch = "torch"
    tf = "tf"


class CalibrationMethod(_StrEnum):
    entropy = "entropy"
    max = "max"
    percentile = "percentile"


class CalibrationCacheSource(_StrEnum):
    """Who wrote a model.calibration_cache (recorded in the manifest; calibration/imported.py)."""

    tao_export = "tao_export"  # tao <model> export --cal_cache_file
    tao_deploy = "tao_deploy"  # tao deploy <model> gen_trt_engine --cal_cache_file
    tao2ds = "tao2ds"  # an earlier tao2ds build's calibration.cache


class EngineBuilderName(_StrEnum):
    auto = "auto"
    tensorrt = "tensorrt"
    trtexec = "trtexec"
    ssh = "ssh"
    deepstream = "deepstream"
    tao_converter = "tao_converter"  # NVIDIA's tao-converter on a Jetson (TensorRT <= 8.6), over ssh
    tao_deploy = "tao_deploy"  # TAO Deploy's multitask_classification gen_trt_engine


# run.backend: 'deepstream-app' is the canonical spelling (the program's name, results/deepstream-app/).
# The functional form lets a member's name hold a '-' (OmegaConf accepts members by name), and
# 'deepstream_app' is an alias of it, so both spellings give the one member named 'deepstream-app'.
RunBackend = _StrEnum(
    "RunBackend",
    [
        ("auto", "auto"),
        ("deepstream-app", "deepstream-app"),
        ("deepstream_app", "deepstream-app"),  # alias
        ("pyds", "pyds"),
        (
            "servicemaker",
            "servicemaker",
        ),  # PyServiceMaker app (DeepStream >= 8.0; pyds has no wheels from 9.0)
        ("reference", "reference"),
        (
            "triton",
            "triton",
        ),  # the reference runner's inference through a Triton server over gRPC (tritonclient)
    ],
)


class LogLevel(_StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class Topology(_StrEnum):
    classify_frames = "classify_frames"
    detect_classify = "detect_classify"


class InferPlugin(_StrEnum):
    nvinfer = "nvinfer"  # TensorRT in-process (gst-nvinfer)
    nvinferserver = (
        "nvinferserver"  # Triton Inference Server: in-process C API, or gRPC with pipeline.triton.url
    )


class SinkKind(_StrEnum):
    fake = "fake"
    display = "display"
    file = "file"
    rtsp = "rtsp"
    overlay = "overlay"
    drm = "drm"


class MemoryType(_StrEnum):
    default = "default"
    cuda_pinned = "cuda_pinned"
    cuda_device = "cuda_device"
    cuda_unified = "cuda_unified"
    surface_array = "surface_array"


@dataclass
class PreprocessingOverride:
    """Explicit preprocessing; any field set here wins over the training spec."""

    mode: Optional[PreprocessMode] = None
    image_mean: Optional[List[float]] = None  # B;G;R for caffe, as TAO's image_mean
    net_scale_factor: Optional[float] = None
    offsets: Optional[List[float]] = None
    model_color_format: Optional[int] = None  # 0 RGB, 1 BGR, 2 GRAY


@dataclass
class ValidationSet:
    csv: Optional[str] = None  # TAO multitask CSV: fname, then one column per task
    images: Optional[str] = None


@dataclass
class ModelConfig:
    name: str = "multitask"
    onnx: Optional[str] = "???"  # null when the model comes as model.etlt
    etlt: Optional[str] = None  # a TAO .etlt (encrypted UFF or ONNX payload); needs its key, see below
    # The .etlt key never travels as a config value (config.yaml would record it; model.key is refused):
    # it is read from this environment variable, or from key_file when that is set.
    key_env: str = "TAO2DS_MODEL_KEY"
    key_file: Optional[str] = None
    codec_python: Optional[str] = (
        None  # a Python with nvidia-eff-tao-encryption; None: .venv-codec, 3.12, 3.10
    )
    classmap: str = "???"
    spec: Optional[str] = None
    classifier_threshold: float = 0.5
    batch_size: int = 1
    scaling_filter: int = 1  # 0 nearest, 1 bilinear, 2.. (nvinfer scaling-filter)
    preprocessing: PreprocessingOverride = field(default_factory=PreprocessingOverride)
    validation: ValidationSet = field(default_factory=ValidationSet)
    calibration_images: Optional[str] = None  # default image set for calibration.images
    # A TensorRT calibration cache made elsewhere (precision=int8): its scales replace tao2ds's own
    # calibration; rewritten per target with that target's TensorRT number in the header.
    calibration_cache: Optional[str] = None
    calibration_cache_from: CalibrationCacheSource = CalibrationCacheSource.tao_export


@dataclass
class GpuConfig:
    name: str = "???"
    compute_capability: str = "???"
    precisions: List[PrecisionName] = field(default_factory=list)
    dla_cores: int = 0
    nvenc: bool = True  # hardware video encoder (Orin Nano has none)


@dataclass
class TargetConfig:
    name: str = "???"
    description: str = ""
    platform: Platform = Platform.dgpu
    arch: str = "x86_64"
    gpu: GpuConfig = field(default_factory=GpuConfig)
    # The DeepStream release; None: the newest release in tao2ds/deepstream/releases.py that runs
    # this hardware (platform + gpu.compute_capability). The versions below are derived from the
    # release table when None; one set by hand must have the table's major.minor.
    deepstream: Optional[str] = None
    jetpack: Optional[str] = None
    l4t: Optional[str] = None
    tensorrt: Optional[str] = None
    cuda: Optional[str] = None
    python: Optional[str] = None  # the device's system Python (the pyds / servicemaker app runs on it)
    max_batch_size: int = 32
    deepstream_root: str = "/opt/nvidia/deepstream/deepstream"
    host: Optional[str] = None
    user: Optional[str] = None
    port: int = 22
    ssh_key: Optional[str] = None
    remote_dir: str = "tao2ds"  # relative to the device user's home


@dataclass
class PrecisionConfig:
    name: PrecisionName = PrecisionName.fp16
    int8_route: Int8Route = Int8Route.auto  # which INT8 model nvinfer builds (release table: int8_routes)


@dataclass
class SourceConfig:
    uri: str = "???"  # a path (relative to the project) or a URI (file://, rtsp://, ...)
    num_sources: int = 1
    latency: int = 100  # ms, RTSP only


@dataclass
class SinkConfig:
    kind: SinkKind = SinkKind.fake
    sync: bool = False
    output_file: Optional[str] = None  # file sink, relative to the build directory
    codec: str = "h264"
    bitrate: int = 2000000
    rtsp_port: Optional[int] = (
        None  # rtsp sink; None: the lowest free port from 8554 (deepstream.app.sink_ports)
    )
    udp_port: Optional[int] = None  # rtsp sink; None: the lowest free port from 5400


@dataclass
class StreammuxConfig:
    width: int = 240
    height: int = 320
    batched_push_timeout: int = 40000
    live_source: bool = False
    enable_padding: bool = False


@dataclass
class TiledDisplayConfig:
    enable: Optional[bool] = (
        None  # None: on exactly when there is more than one source (deepstream.app.tiler_layout)
    )
    rows: Optional[int] = None  # None: sized to fit the sources
    columns: Optional[int] = None
    width: int = 480
    height: int = 640


@dataclass
class OsdConfig:
    enable: bool = True
    border_width: int = 3
    text_size: int = 15
    font: str = "Serif"


@dataclass
class TrackerConfig:
    enable: bool = False
    width: int = 640
    height: int = 384
    ll_lib_file: str = "lib/libnvds_nvmultiobjecttracker.so"  # relative to target.deepstream_root
    ll_config_file: Optional[str] = None


@dataclass
class DetectorConfig:
    """A user-supplied primary detector (detect_classify): its nvinfer config is an input."""

    config: Optional[str] = None
    gie_unique_id: int = 1
    class_ids: List[int] = field(default_factory=list)  # objects the classifier runs on; empty = all
    detections: Optional[str] = None  # JSON detections for the reference runner


@dataclass
class TritonConfig:
    """pipeline.infer_plugin=nvinferserver: where the model is served."""

    url: Optional[str] = (
        None  # host:port of a Triton gRPC endpoint; None: in-process, the build's triton/ repository
    )


@dataclass
class PipelineConfig:
    name: str = "???"
    topology: Topology = Topology.classify_frames
    classifier_gie_id: int = 1
    interval: int = 0
    memory: MemoryType = MemoryType.default
    sources: List[SourceConfig] = field(default_factory=list)
    sinks: List[SinkConfig] = field(default_factory=list)
    streammux: StreammuxConfig = field(default_factory=StreammuxConfig)
    tiled_display: TiledDisplayConfig = field(default_factory=TiledDisplayConfig)
    osd: OsdConfig = field(default_factory=OsdConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    infer_plugin: InferPlugin = InferPlugin.nvinfer
    triton: TritonConfig = field(default_factory=TritonConfig)
    file_loop: bool = False
    perf_measurement: bool = True


@dataclass
class BuildConfig:
    dir: str = "build"
    # a sweep with invalid combinations builds the valid ones only when this is true (consent)
    skip_invalid: bool = False


@dataclass
class CalibrationConfig:
    images: Optional[str] = None  # a directory or a list file; None = the model's default set
    method: CalibrationMethod = CalibrationMethod.entropy
    percentile: float = 99.99
    batch_size: int = 8
    batches: Optional[int] = None  # None: every image, in whole batches


class TaoDeployWhere(_StrEnum):
    local = "local"  # multitask_classification on this machine's PATH
    ssh = "ssh"  # on target.host, over the ssh path the ssh builder uses
    docker = "docker"  # in NVIDIA's TAO Deploy container, the build folder mounted


@dataclass
class TaoConverterConfig:
    """NVIDIA's tao-converter, run on the Jetson itself (tao-tools.md §2)."""

    path: Optional[str] = None  # on the device; None: PATH, then ~/tao-converter


@dataclass
class TaoDeployConfig:
    """TAO Deploy's ``multitask_classification gen_trt_engine`` (tao-tools.md §1.2)."""

    where: TaoDeployWhere = TaoDeployWhere.local
    command: str = "multitask_classification"
    image: Optional[str] = None  # where=docker: the TAO Deploy container image (nvcr.io/nvidia/tao/...)
    docker: str = "docker"  # where=docker: the docker client


@dataclass
class EngineConfig:
    builder: EngineBuilderName = EngineBuilderName.auto
    gpu_id: int = 0
    workspace_mib: int = 1024
    dla_core: Optional[int] = None
    timing_cache: bool = True
    scaling_compute_hw: int = 1  # 0 default, 1 GPU, 2 VIC (Jetson only)
    known_hosts: str = ".tao2ds/known_hosts"  # SSH host keys of the devices, pinned on first use
    tao_converter: TaoConverterConfig = field(default_factory=TaoConverterConfig)
    tao_deploy: TaoDeployConfig = field(default_factory=TaoDeployConfig)


@dataclass
class RunConfig:
    backend: RunBackend = RunBackend.auto  # type: ignore[valid-type]
    max_frames: Optional[int] = None
    annotate: bool = True
    triton_url: Optional[str] = None  # run.backend=triton: host:port; None: pipeline.triton.url
    triton_timeout_s: float = 10.0  # run.backend=triton: bound on connecting and on each request


@dataclass
class VerifyConfig:
    min_accuracy: float = 0.95


@dataclass
class CacheConfig:
    dir: Optional[str] = ".tao2ds-cache"
    remote: Optional[str] = None


class ProfileWhere(_StrEnum):
    auto = "auto"
    local = "local"
    ssh = "ssh"


@dataclass
class ProfileConfig:
    """`doit profile`: trtexec --loadEngine on the device (or here, when this GPU matches)."""

    # auto: here when the local trtexec and GPU are the engine's, else on target.host over ssh
    where: ProfileWhere = ProfileWhere.auto
    warmup_ms: int = 200  # trtexec --warmUp
    duration_s: int = 3  # trtexec --duration
    iterations: int = 10  # trtexec --iterations (a floor: trtexec runs at least this many)
    timeout_s: int = 600


@dataclass
class ReportConfig:
    """`doit report`: one HTML page over every build folder under build.dir."""

    baseline: Optional[str] = None  # the folder the config diffs compare against (default: the first)
    histogram_layers: int = 4  # |x| histograms shown per calibration (input, then evenly spaced tensors)


@dataclass
class LogConfig:
    level: LogLevel = LogLevel.info  # info: decisions and progress; warning: quiet; debug: details


@dataclass
class RootConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    precision: PrecisionConfig = field(default_factory=PrecisionConfig)
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    build: BuildConfig = field(default_factory=BuildConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    run: RunConfig = field(default_factory=RunConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    log: LogConfig = field(default_factory=LogConfig)
    profile: ProfileConfig = field(default_factory=ProfileConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
