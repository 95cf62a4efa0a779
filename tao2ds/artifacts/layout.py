"""Where every artifact lives. One place names files, so tasks, manifest and runners agree.

``<build.dir>/_common/`` holds target-independent work (model analysis, preprocessing,
calibration scales, the Q/DQ model); ``<build.dir>/<target>/`` is self-contained: every path in
its configs is relative to that directory, so it can be copied to the device as it is. A sweep
builds each combination into ``<build.dir>/<target>__<swept values>/`` (and, when combinations
differ in target-independent settings, into ``_common__<digest>/`` per setting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from tao2ds.artifacts.manifest import MANIFEST
from tao2ds.deepstream.engine_file import engine_file_name, int8_route
from tao2ds.engine.key import sidecar_path

COMMON = "_common"
RESULTS = "results"  # what runs wrote (launch, verify): not build artifacts, kept across builds
# a target folder's files that are not in its manifest's outputs yet belong there
LOCK, TIMING_CACHE = "build.lock", "timing.cache"
BOOKKEEPING = (MANIFEST, LOCK, TIMING_CACHE)


def stale_files(root: Path, listed: Iterable[str]) -> list[Path]:
    """Files in a target folder that the current build did not write: the manifest's ``outputs``
    (paths relative to ``root``) is the list of what belongs there. Left behind they would be
    bundled, copied to the device or read by DeepStream (an old engine, the previous model)."""
    keep = set(listed) | set(BOOKKEEPING)
    stale = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(os.path.relpath(dirpath, root))
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d != RESULTS and not d.startswith(".")]
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel not in keep and not name.startswith(".tao2ds"):
                stale.append(root / rel)
    return sorted(stale)


DECRYPTED_ONNX = "decrypted.onnx"


def model_kind(cfg) -> str:
    """ "onnx" (model.onnx), "etlt-onnx" or "etlt-uff" (model.etlt, by its clear-text header)."""
    etlt = getattr(cfg.model, "etlt", None)
    if not etlt:
        return "onnx"
    from tao2ds.model.etlt import read_etlt_header  # deferred: only with a .etlt (no-op start-up time)

    return "etlt-" + read_etlt_header(etlt).kind


def source_onnx(cfg, tag: str = "") -> Optional[Path]:
    """The ONNX graph the model steps read: model.onnx, the decrypted payload of an ONNX .etlt, or
    None for a UFF .etlt (no graph tao2ds can read)."""
    kind = model_kind(cfg)
    if kind == "onnx":
        return Path(cfg.model.onnx)
    if kind == "etlt-onnx":
        return CommonLayout.for_build_dir(cfg.build.dir, tag).decrypted_onnx  # tag: the sweep group
    return None


@dataclass(frozen=True)
class CommonLayout:
    root: Path

    @classmethod
    def for_build_dir(cls, build_dir: str | Path, tag: str = "") -> "CommonLayout":
        return cls(Path(build_dir) / (COMMON + tag))

    @property
    def model_json(self) -> Path:
        return self.root / "model.json"

    @property
    def preprocessing_json(self) -> Path:
        return self.root / "preprocessing.json"

    @property
    def calibration_json(self) -> Path:
        return self.root / "calibration.json"

    @property
    def qdq_onnx(self) -> Path:
        return self.root / "model.qdq.onnx"

    @property
    def calibration_histograms(self) -> Path:
        """|x| histograms of every calibrated tensor, coarsened, for the report's calibration plot."""
        return self.root / "calibration_histograms.json"

    @property
    def decrypted_onnx(self) -> Path:
        """The ONNX payload of model.etlt, decrypted (only for an ONNX .etlt)."""
        return self.root / DECRYPTED_ONNX


@dataclass(frozen=True)
class TargetLayout:
    root: Path
    onnx_name: str  # the model's own file name, kept so DeepStream's engine auto-name matches
    precision: str
    batch_size: int
    gpu_id: int
    dla_core: Optional[int]
    trt_version: str
    model_kind: str = "onnx"  # "onnx" | "etlt-onnx" | "etlt-uff" (see model_kind)
    etlt_name: Optional[str] = None  # model.etlt's file name
    deepstream: Optional[str] = None
    int8_route_requested: str = "auto"
    model_name: str = "multitask"  # model.name: the Triton model's name and directory
    infer_plugin: str = "nvinfer"  # pipeline.infer_plugin

    @classmethod
    def from_cfg(cls, cfg, folder: Optional[str] = None) -> "TargetLayout":
        kind = model_kind(cfg)
        etlt = Path(cfg.model.etlt) if kind != "onnx" else None
        return cls(
            root=Path(cfg.build.dir) / (folder or cfg.target.name),
            model_kind=kind,
            etlt_name=etlt.name if etlt else None,
            # an ONNX .etlt ships decrypted as <stem>.onnx; a UFF .etlt keeps no ONNX (the name is unused)
            onnx_name=Path(cfg.model.onnx).name if etlt is None else etlt.stem + ".onnx",
            precision=str(cfg.precision.name),
            batch_size=int(cfg.model.batch_size),
            gpu_id=int(cfg.engine.gpu_id),
            dla_core=cfg.engine.dla_core,
            trt_version=str(cfg.target.tensorrt),
            deepstream=str(cfg.target.deepstream),
            int8_route_requested=str(cfg.precision.int8_route),
            model_name=str(cfg.model.name),
            infer_plugin=str(cfg.pipeline.infer_plugin),
        )

    @property
    def int8_route(self) -> Optional[str]:
        if self.precision != "int8":
            return None
        return int8_route(self.trt_version, self.deepstream, self.int8_route_requested)

    @property
    def onnx(self) -> Path:
        return self.root / self.onnx_name

    @property
    def qdq_onnx(self) -> Path:
        return self.root / (Path(self.onnx_name).stem + ".qdq.onnx")

    @property
    def deployed_onnx(self) -> Path:
        """The model nvinfer builds from: the Q/DQ model where INT8 goes through explicit quantization."""
        return self.qdq_onnx if self.int8_route == "qdq" else self.onnx

    @property
    def etlt(self) -> Path:
        """The staged .etlt (UFF payload): nvinfer's tlt-encoded-model."""
        return self.root / (self.etlt_name or "model.etlt")

    @property
    def uff(self) -> bool:
        return self.model_kind == "etlt-uff"

    @property
    def model_file(self) -> Path:
        """The file nvinfer (and tao-converter) builds from; DeepStream names the engine after it."""
        return self.etlt if self.uff else self.deployed_onnx

    @property
    def calibration_cache(self) -> Path:
        return self.root / "calibration.cache"

    @property
    def engine_precision(self) -> str:
        # nvinfer names engines by the effective mode: INT8 without a calib file falls back to FP16
        return "fp16" if self.int8_route == "qdq" else self.precision

    @property
    def engine(self) -> Path:
        name = engine_file_name(
            self.model_file.name, self.batch_size, self.engine_precision, self.gpu_id, self.dla_core
        )
        return self.root / name

    @property
    def engine_sidecar(self) -> Path:
        return sidecar_path(self.engine)

    @property
    def timing_cache(self) -> Path:
        return self.root / TIMING_CACHE

    @property
    def labels(self) -> Path:
        return self.root / "labels.txt"

    @property
    def nvinfer_config(self) -> Path:
        return self.root / "config_infer_multitask.txt"

    @property
    def nvinferserver(self) -> bool:
        return self.infer_plugin == "nvinferserver"

    @property
    def nvinferserver_config(self) -> Path:
        return self.root / "config_triton_multitask.txt"

    @property
    def classifier_config(self) -> Path:
        """The config the deepstream-app GIE group names: nvinfer's or nvinferserver's."""
        return self.nvinferserver_config if self.nvinferserver else self.nvinfer_config

    @property
    def triton_repo(self) -> Path:
        """Triton model repository (pipeline.infer_plugin=nvinferserver)."""
        return self.root / "triton"

    @property
    def triton_model_config(self) -> Path:
        from tao2ds.deepstream import triton_repo  # deferred: only for nvinferserver (no-op start-up time)

        return self.triton_repo / self.model_name / triton_repo.CONFIG_FILE

    def triton_model_file(self, engine: bool) -> Path:
        """The engine under Triton's file name, or the ONNX where no engine is built here."""
        from tao2ds.deepstream import triton_repo  # deferred: as above

        name = (triton_repo.PLAN if engine else triton_repo.ONNX)[1]
        return self.triton_repo / self.model_name / triton_repo.VERSION / name

    @property
    def app_config(self) -> Path:
        return self.root / "deepstream_app.txt"

    @property
    def detector_dir(self) -> Path:
        return self.root / "detector"

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def resolved_config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def lock(self) -> Path:
        return self.root / LOCK
