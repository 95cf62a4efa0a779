"""The engine build step: choose a builder, probe it, and rebuild exactly when the engine key changes.

The key covers the model bytes, the calibration cache, precision, batch profile, workspace, DLA
core and the builder's TensorRT / CUDA / GPU; the sidecar beside the engine records it, so a
rebuild says why ("TensorRT 10.3.0 → 10.4.0", "calibration cache changed").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping, Optional

from tao2ds.core import fileio, hashmemo, log, records
from tao2ds.core.cache import ArtifactCache
from tao2ds.core.errors import Tao2dsError
from tao2ds.core.step import Step
from tao2ds.deepstream import releases
from tao2ds.engine.builders.choose import DeepStreamBuilder, choose_builder
from tao2ds.engine.key import key_fields, key_of_fields, stale_reasons, write_sidecar

logger = log.get(__name__)

_PROBES: dict[tuple, Any] = {}  # one probe per builder and process: uptodate check and action share it


@dataclass(frozen=True)
class EngineSpec:
    """The engine's settings; its files are the step's inputs and outputs."""

    builder: str  # engine.builder
    target: Mapping[str, Any]  # resolved target config
    known_hosts: str
    precision: str
    batch_size: int
    workspace_mib: int
    dla_core: Optional[int]
    timing_cache: Optional[Path]
    cache: Optional[tuple]
    model_kind: str = "onnx"  # "onnx" | "etlt-onnx" | "etlt-uff" (artifacts.layout.model_kind)
    tao: Optional[Mapping[str, Any]] = None  # engine.tao_converter / engine.tao_deploy settings
    gpu_id: int = 0
    # where the .etlt key comes from (names only: the key itself is read at build time)
    key_env: Optional[str] = None
    key_file: Optional[str] = None
    strongly_typed: bool = False  # the Q/DQ model, built strongly typed (release table)


def target_view(
    target: Mapping[str, Any], tao: Optional[Mapping[str, Any]] = None, gpu_id: int = 0
) -> SimpleNamespace:
    """The attributes choose_builder reads, from the resolved target config (and the TAO builders' settings)."""
    tao = tao or {}
    return SimpleNamespace(
        tao_converter_path=(tao.get("tao_converter") or {}).get("path"),
        tao_deploy=tao.get("tao_deploy"),
        gpu_id=gpu_id,
        host=target.get("host"),
        user=target.get("user"),
        port=target.get("port"),
        ssh_key=target.get("ssh_key"),
        tensorrt=target["tensorrt"],
        compute_capability=target["gpu"]["compute_capability"],
        platform=target["platform"],
        remote_dir=target.get("remote_dir"),
    )


def chosen_builder(spec: EngineSpec):
    if spec.model_kind == "etlt-uff" and spec.builder == "auto":
        return (
            DeepStreamBuilder(),
            "a UFF .etlt: nvinfer builds the engine from tlt-encoded-model at first start on the device "
            "(or set engine.builder=tao_converter to build it there with tao-converter)",
        )
    return choose_builder(
        spec.builder, target_view(spec.target, spec.tao, spec.gpu_id), known_hosts=Path(spec.known_hosts)
    )


def _probe(builder) -> Any:
    ident = (builder.name, getattr(builder, "host", None), getattr(builder, "port", None))
    if ident not in _PROBES:
        _PROBES[ident] = builder.probe()
    return _PROBES[ident]


def engine_status(
    spec: EngineSpec, onnx: Path, calib_cache: Optional[Path], engine: Path
) -> tuple[Any, Any, dict[str, Any], list[str], str]:
    """(builder, env, key fields, reasons to rebuild, why this builder). The model, cache and engine
    are hashed through the hash memo: every run checks them, and they are the largest files."""

    from tao2ds.engine.compat import check_builder_matches_target  # deferred: only where an engine is built

    builder, why = chosen_builder(spec)
    env = _probe(builder)
    t = spec.target
    check_builder_matches_target(
        env, str(t["tensorrt"]), str(t["gpu"]["compute_capability"]), str(t["platform"])
    )
    sha256 = hashmemo.default().sha256
    calib = sha256(calib_cache) if calib_cache else None
    fields = key_fields(
        sha256(onnx),
        calib,
        spec.precision,
        spec.batch_size,
        spec.workspace_mib,
        spec.dla_core,
        env,
    )
    return builder, env, fields, stale_reasons(engine, fields, sha256), why


class engine_current:
    """doit uptodate: the engine exists and its sidecar key equals the key for the probed builder."""

    def __init__(self, step: Step):
        self.step = step

    def __call__(self, task, values) -> bool:

        if not all(p.is_file() for p in self.step.input_files()):
            return False
        i = self.step.inputs
        try:
            return not engine_status(
                self.step.params["spec"], i["onnx"], i["calib_cache"], self.step.outputs["engine"]
            )[3]
        except Tao2dsError:
            return False  # the action runs, meets the same problem and reports it cleanly


TAO_BUILDERS = ("tao_converter", "tao_deploy")


def takes_etlt(spec: EngineSpec) -> bool:
    """tao-converter and TAO Deploy decrypt the .etlt themselves: they get it (and the key), not the ONNX."""
    return spec.builder in TAO_BUILDERS and spec.model_kind.startswith("etlt")


def build_engine(
    onnx: Path,
    model_json: Path,
    calib_cache: Optional[Path],
    engine: Path,
    sidecar: Path,
    spec: EngineSpec,
    classmap: Optional[Path] = None,
) -> None:
    """Build (or restore from the cache) the engine when its key changed; write its sidecar."""
    from tao2ds.engine.types import EngineRequest  # deferred: a no-op run only declares this step
    from tao2ds.model.etlt import resolve_key

    builder, env, fields, reasons, why = engine_status(spec, onnx, calib_cache, engine)
    logger.info("engine: %s", why)
    if not reasons:
        logger.info("engine: %s is up to date", engine.name)
        return
    store = ArtifactCache(*spec.cache) if spec.cache else None
    key = key_of_fields(fields)
    if store and store.restore(key, [engine, sidecar], f"engine {engine.name}"):
        if not stale_reasons(engine, fields):  # a cached pair from before engines were hashed is rebuilt
            return
    logger.info("engine: building %s with %s because %s", engine.name, builder.name, "; ".join(reasons))
    info = fileio.read_json(model_json)
    req = EngineRequest(
        onnx=onnx,
        engine_out=engine,
        precision=spec.precision,
        input_name=info["input"]["name"],
        input_chw=tuple(info["infer_dims"]),
        batch_size=spec.batch_size,
        workspace_mib=spec.workspace_mib,
        calib_cache=calib_cache,
        dla_core=spec.dla_core,
        timing_cache=None if spec.builder in TAO_BUILDERS else spec.timing_cache,
        model_format=spec.model_kind if takes_etlt(spec) else "onnx",
        output_names=tuple(o["name"] for o in info["outputs"]),
        classmap=classmap,
        gpu_id=spec.gpu_id,
        key=resolve_key(spec.key_env or "", spec.key_file) if takes_etlt(spec) else None,
        strongly_typed=spec.strongly_typed,
    )
    with _session(builder):
        result = builder.build(req)
    write_sidecar(engine, fields, env, result.output_order)  # at ``sidecar`` (layout uses key.sidecar_path)
    if store:
        store.store(key, [engine, sidecar], "engine")


class _session:
    """Builders with a connection (ssh) share it between probe and build."""

    def __init__(self, builder):
        self.builder = builder

    def __enter__(self):
        if hasattr(self.builder, "__enter__"):
            self.builder.__enter__()
        return self.builder

    def __exit__(self, *exc):
        if hasattr(self.builder, "__exit__"):
            self.builder.__exit__(*exc)


# --- declarations ------------------------------------------------------------------------------


def engine_spec(ctx, tb) -> EngineSpec:
    cfg, L = tb.cfg, tb.layout
    return EngineSpec(
        builder=str(cfg.engine.builder),
        target=tb.composed.to_dict()["target"],
        known_hosts=cfg.engine.known_hosts,
        precision=L.precision,
        batch_size=cfg.model.batch_size,
        workspace_mib=cfg.engine.workspace_mib,
        dla_core=cfg.engine.dla_core,
        timing_cache=L.timing_cache if cfg.engine.timing_cache else None,
        cache=ctx.cache,
        model_kind=L.model_kind,
        tao={
            "tao_converter": tb.composed.to_dict()["engine"]["tao_converter"],
            "tao_deploy": tb.composed.to_dict()["engine"]["tao_deploy"],
        },
        gpu_id=cfg.engine.gpu_id,
        key_env=cfg.model.key_env if L.model_kind != "onnx" else None,
        key_file=cfg.model.key_file if L.model_kind != "onnx" else None,
        strongly_typed=releases.strongly_typed(releases.get(str(cfg.target.deepstream)), L.int8_route),
    )


_CHOICES: dict[str, tuple[str, str]] = {}


def choice(spec: EngineSpec) -> tuple[str, str]:
    """(builder name, why) — probed once per process, keyed by what chosen_builder reads."""
    key = records.canonical_json(
        [
            spec.builder,
            spec.model_kind,
            spec.known_hosts,
            vars(target_view(spec.target, spec.tao, spec.gpu_id)),
        ]
    )
    if key not in _CHOICES:
        builder, why = chosen_builder(spec)
        _CHOICES[key] = (builder.name, why)
    return _CHOICES[key]


def builds_engine(ctx, tb) -> bool:
    return choice(engine_spec(ctx, tb))[0] != "deepstream"


def engine_outputs(ctx, tb) -> list[Path]:
    return [tb.layout.engine, tb.layout.engine_sidecar] if builds_engine(ctx, tb) else []


def engine_note(ctx, tb) -> Optional[str]:
    if builds_engine(ctx, tb):
        return None
    L = tb.layout
    if L.nvinferserver:
        return (
            f"no engine built here ({choice(engine_spec(ctx, tb))[1]}): Triton serves "
            f"{L.triton_model_file(False).relative_to(L.root).as_posix()} with its ONNX Runtime backend"
        )
    return (
        f"no engine built here ({choice(engine_spec(ctx, tb))[1]}): nvinfer builds {L.engine.name} from "
        f"{L.model_file.name} at first start on the device, into model-engine-file, and reuses it after"
    )


def say(text: str) -> None:
    logger.info("engine: %s", text)


def engine(ctx, tb) -> Step:
    spec, L = engine_spec(ctx, tb), tb.layout
    name, why = choice(spec)
    if not builds_engine(ctx, tb):
        return Step(
            "engine-note",
            tb.name,
            say,
            params={"text": f"{tb.name}: {why}"},
            cacheable=False,
            doc="no engine here: DeepStream builds it on the device",
        )
    return Step(
        "engine",
        tb.name,
        build_engine,
        inputs={
            "onnx": Path(tb.cfg.model.etlt) if takes_etlt(spec) else L.deployed_onnx,
            "model_json": ctx.common.model_json,
            "calib_cache": L.calibration_cache if L.int8_route == "cache" else None,
            "classmap": Path(tb.cfg.model.classmap) if spec.builder == "tao_deploy" else None,
        },
        outputs={"engine": L.engine, "sidecar": L.engine_sidecar},
        params={"spec": spec},
        cacheable=False,
        doc=f"engine via {name}",
    )
