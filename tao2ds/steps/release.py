"""Steps that record and ship a target build: manifest (+ config.yaml), build.lock, bundle."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tao2ds.artifacts import layout
from tao2ds.artifacts import lock as lock_format
from tao2ds.artifacts import manifest as manifest_format
from tao2ds.core import fileio, log, records
from tao2ds.core.step import Step
from tao2ds.deepstream import releases
from tao2ds.steps import calibration, configs, engine, model

logger = log.get(__name__)


@dataclass(frozen=True)
class ManifestParams:
    target: str
    precision: str
    int8_route: Optional[str]
    artifact_names: Mapping[str, Optional[str]]  # role → path relative to the target folder
    engine_file_name: str
    engine_note: Optional[str]
    config: Mapping[str, Any]  # the artifact-determining config (no build/run/verify/cache/log)


def write_target_manifest(
    model_json: Path,
    preprocessing_json: Path,
    engine_sidecar: Optional[Path],
    artifacts: Sequence[Path],
    sources: Sequence[Path],
    out: Path,
    resolved_config: Path,
    m: ManifestParams,
    calibration_json: Optional[Path] = None,
) -> None:
    info = fileio.read_json(model_json)
    order, order_source = model.output_order(info, engine_sidecar)
    root = out.parent
    manifest_format.write_resolved_config(m.config, resolved_config)  # first: the manifest records its hash
    outputs = {
        Path(os.path.relpath(p, root)).as_posix(): h
        for p, h in records.hash_files([*artifacts, resolved_config]).items()
    }
    manifest = manifest_format.build_manifest(
        target=m.target,
        precision=m.precision,
        int8_route=m.int8_route,
        artifacts=m.artifact_names,
        engine_file_name=m.engine_file_name,
        engine_note=m.engine_note,
        labels=model.labels_for(info, order),
        order=order,
        order_source=order_source,
        preprocessing=fileio.read_json(preprocessing_json),
        config=m.config,
        inputs=records.hash_files(sources),
        outputs=outputs,
        calibration=calibration.calibration_source(calibration_json) if calibration_json else None,
    )
    fileio.write_json(out, manifest)
    for stale in layout.stale_files(root, outputs):
        logger.info(
            "removed %s: not part of this build (a target folder holds only its manifest's files)", stale
        )
        stale.unlink()
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        if dirpath != str(root) and not dirnames and not filenames:
            os.rmdir(dirpath)  # e.g. detector/ after switching back to classify_frames


# --- declarations ------------------------------------------------------------------------------


def artifact_files(ctx, tb) -> list[Path]:
    """Every file of the target folder the build writes before the manifest."""
    L = tb.layout
    det = configs.detector(ctx, tb)
    cal = ([L.calibration_cache] + ([] if L.uff else [L.qdq_onnx])) if tb.int8 else []
    classifier = [L.nvinfer_config]
    if L.nvinferserver:  # triton.enabled(tb): only then is the Triton steps' module loaded (start-up time)
        from tao2ds.steps import triton

        classifier = [L.nvinferserver_config, *triton.repo(ctx, tb).output_files()]
    return [
        *(L.media_dir / f.name for f in configs.local_media(tb)),
        *(det.output_files() if det else []),
        L.etlt if L.uff else L.onnx,
        L.labels,
        *classifier,
        L.app_config,
        *([configs.tracker_config(tb)] if configs.tracker_config(tb) else []),
        *cal,
        *engine.engine_outputs(ctx, tb),
    ]


def source_files(ctx, tb) -> list[Path]:
    """The user's inputs the build read: model, classmap, spec, detector, media, calibration images."""
    m = tb.cfg.model
    model_file = Path(m.etlt) if m.etlt else Path(m.onnx)
    files = [model_file, Path(m.classmap), *([Path(m.spec)] if m.spec else [])]
    if tb.int8 and m.calibration_cache:
        files.append(Path(m.calibration_cache))
    det = configs.detector(ctx, tb)
    if det:
        files += det.input_files()
    return files + configs.local_media(tb) + (list(calibration.image_set_files(ctx)) if tb.int8 else [])


def manifest(ctx, tb) -> Step:
    L = tb.layout
    int8 = L.precision == "int8"
    builds = engine.builds_engine(ctx, tb)
    rel = lambda p: Path(os.path.relpath(p, L.root)).as_posix()  # noqa: E731
    names = {
        "onnx": None if L.uff else rel(L.onnx),
        "etlt": rel(L.etlt)
        if L.uff
        else None,  # a UFF .etlt: tlt-encoded-model (its key is in nvinfer_config)
        "labels": rel(L.labels),
        "nvinfer_config": None if L.nvinferserver else rel(L.nvinfer_config),
        "app_config": rel(L.app_config),
        "calibration_cache": rel(L.calibration_cache) if int8 else None,
        "qdq_onnx": rel(L.qdq_onnx) if int8 and not L.uff else None,
        "engine": rel(L.engine) if builds else None,
        "engine_sidecar": rel(L.engine_sidecar) if builds else None,
    }
    if L.nvinferserver:  # only then, so nvinfer builds keep their manifest bytes
        names |= {
            "nvinferserver_config": rel(L.nvinferserver_config),
            "triton_repo": rel(L.triton_repo),
            "triton_model_config": rel(L.triton_model_config),
            "triton_model_file": rel(L.triton_model_file(builds)),
        }
    m = ManifestParams(
        target=tb.composed.target,
        precision=L.precision,
        int8_route=L.int8_route,
        artifact_names=names,
        engine_file_name=L.engine.name,
        engine_note=engine.engine_note(ctx, tb),
        config=tb.composed.build_config(),
    )
    return Step(
        "manifest",
        tb.name,
        write_target_manifest,
        inputs={
            "model_json": ctx.common.model_json,
            "preprocessing_json": ctx.common.preprocessing_json,
            "engine_sidecar": L.engine_sidecar if builds else None,
            "calibration_json": ctx.common.calibration_json if int8 else None,
            "artifacts": tuple(artifact_files(ctx, tb)),
            "sources": tuple(source_files(ctx, tb)),
        },
        outputs={"out": L.manifest, "resolved_config": L.resolved_config},
        params={"m": m},
        config={"m": "manifest"},
        cacheable=False,  # cheap, and it must run to clear files of an earlier build from the folder
        doc="manifest.json",
    )


def lock(ctx, tb) -> Step:
    L = tb.layout
    side = L.engine_sidecar if engine.builds_engine(ctx, tb) else None
    return Step(
        "lock",
        tb.name,
        lock_format.write_lock,
        inputs={"manifest": L.manifest, "engine_sidecar": side},
        outputs={"out": L.lock},
        params={"tools": lock_format.tool_versions()},
        doc="build.lock",
    )


def check_lock(ctx, tb) -> Step:
    """A locked rebuild checks its outputs against the lock instead of writing one."""
    return Step(
        "lock",
        tb.name,
        lock_format.check_outputs,
        inputs={"manifest": tb.layout.manifest},
        params={"lock_path": ctx.lock},
        cacheable=False,
        doc="check the rebuild against the lock",
    )


def bundle(ctx, tb, pyds_app: Path, servicemaker_app: Optional[Path] = None) -> Step:
    """The bundle ships the Python app(s) the target's release can run (release table: pyds
    wheels up to 8.0, PyServiceMaker from 8.0)."""
    L, cfg = tb.layout, tb.cfg
    release = releases.get(str(cfg.target.deepstream))
    recipe = {
        "onnx": L.deployed_onnx.name,
        "model_format": L.model_kind,
        "engine": L.engine.name,
        "precision": L.precision,
        "batch_size": cfg.model.batch_size,
        "workspace_mib": cfg.engine.workspace_mib,
        "calib_cache": L.calibration_cache.name if L.int8_route == "cache" else None,
        "dla_core": cfg.engine.dla_core,
        "trt_version": str(cfg.target.tensorrt),
        "strongly_typed": releases.strongly_typed(release, L.int8_route),
    }
    out = L.root.parent / f"{tb.name}.tar.gz"
    return Step(
        "bundle",
        tb.name,
        _bundle,
        inputs={
            "manifest": L.manifest,
            "lock": L.lock,
            "model_json": ctx.common.model_json,
            "pyds_app": pyds_app if release.pyds_available else None,
            "servicemaker_app": servicemaker_app if release.pyservicemaker else None,
            "artifacts": (*artifact_files(ctx, tb), L.resolved_config),
        },
        outputs={"out": out},
        params={"recipe": recipe},
        cacheable=False,
        doc=out.name,
    )


def _bundle(
    manifest: Path,
    lock: Path,
    model_json: Path,
    pyds_app: Optional[Path],
    servicemaker_app: Optional[Path],
    artifacts: Sequence[Path],
    out: Path,
    recipe: dict,
) -> None:
    """``artifacts`` are what the bundle packs (the manifest's outputs), declared as inputs."""
    from tao2ds.artifacts import bundle as bundle_format  # deferred: tarfile only when bundling (start-up)

    apps = {"pyds_app.py": pyds_app, "servicemaker_app.py": servicemaker_app}
    bundle_format.write_bundle(
        manifest, lock, model_json, out, recipe, {k: v for k, v in apps.items() if v is not None}
    )
