"""Per-target tasks: everything under <build.dir>/<target>/."""
from __future__ import annotations

from pathlib import Path

from tao2ds.steps import configs as config_steps
from tao2ds.steps import model as steps
from tao2ds.deepstream import sources as ds_sources
from tao2ds.artifacts.manifest import write_manifest
from tao2ds.doit_ext.context import TargetBuild, current
from tao2ds.doit_ext.step import step


def _each():
    ctx = current()
    for tb in ctx.targets:
        yield ctx, tb


def task_stage():
    """Copy the model and local media into the target directory (it must be self-contained)."""
    for ctx, tb in _each():
        m, L = tb.cfg.model, tb.layout
        yield step(f"{tb.name}:model", steps.stage_file, kind="stage-model", kwargs={"src": m.onnx, "dest": L.onnx},
                   doc="the ONNX model next to its configs", file_dep=[m.onnx], targets=[L.onnx])
        sources = tb.composed.to_dict()["pipeline"]["sources"]
        local = [f for s in sources if ds_sources.is_local(s["uri"]) for f in ds_sources.local_files(s["uri"])]
        yield step(f"{tb.name}:media", config_steps.stage_sources, kind="stage-media", kwargs={"source_list": sources, "media_dir": L.media_dir},
                   doc="local video sources", file_dep=local, targets=[L.media_dir / p.name for p in local],
                   params={"sources": sources})


def engine_sidecar_dep(tb: TargetBuild) -> list:
    from tasks.engine import builds_engine

    return [tb.layout.engine_sidecar] if builds_engine(tb) else []


def task_labels():
    """labels.txt: one line per engine output, in engine (or graph) output order."""
    for ctx, tb in _each():
        L, side = tb.layout, engine_sidecar_dep(tb)
        yield step(tb.name, steps.write_labels, kind="labels", kwargs=
                   {"model_json": ctx.common.model_json, "engine_sidecar": side[0] if side else None, "out": L.labels},
                   doc="labels file", file_dep=[ctx.common.model_json, *side], targets=[L.labels])


def nvinfer_params(tb: TargetBuild) -> dict:
    cfg = tb.cfg
    secondary = str(cfg.pipeline.topology) == "detect_classify"
    return {
        "precision": str(cfg.precision.name), "batch_size": cfg.model.batch_size, "gpu_id": cfg.engine.gpu_id,
        "gie_unique_id": cfg.pipeline.classifier_gie_id, "interval": cfg.pipeline.interval,
        "classifier_threshold": cfg.model.classifier_threshold, "scaling_compute_hw": cfg.engine.scaling_compute_hw,
        "secondary": secondary,
        "operate_on_gie_id": cfg.pipeline.detector.gie_unique_id if secondary else None,
        "operate_on_class_ids": list(cfg.pipeline.detector.class_ids) if secondary else [],
        "dla_core": cfg.engine.dla_core, "int8_route": tb.layout.int8_route, "onnx_name": tb.layout.onnx_name,
    }


def task_nvinfer():
    """The multitask model's nvinfer config."""
    for ctx, tb in _each():
        L = tb.layout
        calib = L.calibration_cache if L.int8_route == "cache" else None
        yield step(tb.name, config_steps.write_nvinfer_config, kind="nvinfer", kwargs=
                   {"model_json": ctx.common.model_json, "preprocessing_json": ctx.common.preprocessing_json,
                    "out": L.nvinfer_config, "labels": L.labels, "onnx": L.deployed_onnx, "engine": L.engine,
                    "calib": calib, "params": nvinfer_params(tb)},
                   doc="config_infer_multitask.txt", file_dep=[ctx.common.model_json, ctx.common.preprocessing_json],
                   targets=[L.nvinfer_config], params=nvinfer_params(tb))


def app_params(tb: TargetBuild) -> dict:
    d = tb.composed.to_dict()
    t = d["target"]
    return {
        "pipeline": d["pipeline"], "platform": t["platform"], "deepstream": t["deepstream"],
        "deepstream_root": t["deepstream_root"], "nvenc": t["gpu"]["nvenc"], "gpu_id": d["engine"]["gpu_id"],
        "batch_size": d["model"]["batch_size"],
    }


def detector_source(tb: TargetBuild) -> Path | None:
    det = tb.cfg.pipeline.detector.config if str(tb.cfg.pipeline.topology) == "detect_classify" else None
    return Path(det) if det else None


def detector_targets(tb: TargetBuild) -> list[Path]:
    src = detector_source(tb)
    if src is None:
        return []
    d = tb.layout.detector_dir
    return [d / src.name, *(d / Path(f).name for f in config_steps.detector_files(src))]


def task_appconfig():
    """The deepstream-app main config (and the user's detector config, for detect_classify)."""
    for ctx, tb in _each():
        L, params, det = tb.layout, app_params(tb), detector_source(tb)
        if det is not None:
            yield step(f"{tb.name}:detector", config_steps.stage_detector_config, kind="stage-detector",
                       kwargs={"src": det, "dest_dir": L.detector_dir}, doc="detector nvinfer config, rebased",
                       file_dep=[det, *(det.parent / f for f in config_steps.detector_files(det))],
                       targets=detector_targets(tb))
        yield step(tb.name, config_steps.write_app_config, kind="appconfig", kwargs=
                   {"out": L.app_config, "params": params, "classifier_config": L.nvinfer_config,
                    "detector_config": L.detector_dir / det.name if det else None},
                   doc="deepstream_app.txt", targets=[L.app_config], params=params)


def artifact_files(ctx, tb: TargetBuild) -> list:
    from tasks.engine import engine_targets
    from tasks.calibration import calibration_targets

    L = tb.layout
    sources = tb.composed.to_dict()["pipeline"]["sources"]
    media = [L.media_dir / f.name for s in sources if ds_sources.is_local(s["uri"]) for f in ds_sources.local_files(s["uri"])]
    return [*media, *detector_targets(tb), L.onnx, L.labels, L.nvinfer_config, L.app_config, ctx.common.preprocessing_json,
            *calibration_targets(ctx, tb), *engine_targets(tb)]


def manifest_inputs(ctx, tb: TargetBuild) -> list[str]:
    from tasks.calibration import calibration_inputs

    m, p = tb.cfg.model, tb.cfg.pipeline
    files = [m.onnx, m.classmap, *([m.spec] if m.spec else [])]
    if str(p.topology) == "detect_classify" and p.detector.config:
        files.append(p.detector.config)
    files += [str(f) for s in p.sources if ds_sources.is_local(s.uri) for f in ds_sources.local_files(s.uri)]
    return files + [str(f) for f in calibration_inputs(ctx)]


def task_manifest():
    """manifest.json + config.yaml: what was built, from which inputs."""
    from tasks.engine import engine_note

    for ctx, tb in _each():
        config = tb.composed.build_config()
        inputs = manifest_inputs(ctx, tb)
        yield step(tb.name, write_manifest, kind="manifest", kwargs=
                   {"layout": tb.layout, "common": ctx.common, "config": config, "inputs": inputs,
                    "engine_note": engine_note(tb)},
                   doc="manifest.json", file_dep=[*artifact_files(ctx, tb), *inputs],
                   targets=[tb.layout.manifest, tb.layout.resolved_config], params={"config": config})


def task_build():
    """Build every artifact for the selected target(s): doit build target=... | targets=a,b"""
    deps = [f"{kind}:{tb.name}" for tb in current().targets for kind in ("engine", "manifest", "lock")]
    return {"actions": [(_report, [[tb.layout for tb in current().targets]])], "task_dep": deps, "uptodate": [False]}


def _report(layouts) -> None:
    """One line per target: where its build is and what it holds."""
    import sys

    from tao2ds.core import fileio

    for L in layouts:
        m = fileio.read_json(L.manifest)
        a = m["artifacts"]
        engine = a["engine"] or f"none (DeepStream builds {m['engine_file_name']} on the device)"
        extra = f", calibration {a['calibration_cache']} + {a['qdq_onnx']}" if a["calibration_cache"] else ""
        print(f"tao2ds: {m['target']} ({m['precision']}) -> {L.root}/: {a['labels']} [{', '.join(m['label_tasks'])}], "
              f"{a['nvinfer_config']}, {a['app_config']}{extra}; engine: {engine}", file=sys.stderr)
