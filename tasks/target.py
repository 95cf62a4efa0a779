"""Per-target tasks: everything under <build.dir>/<target>/ up to its manifest."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.report import report_build
from tao2ds.doit_ext.step import task
from tao2ds.steps import calibration, configs, engine, model, release


def task_stage():
    """Copy the model and local media into the target directory (it must be self-contained)."""
    ctx = current()
    for g, tb in ctx.each_target():
        yield task(model.stage_model(g, tb), ctx.cache)
        yield task(configs.media(g, tb), ctx.cache)


def task_labels():
    """labels.txt: one line per engine output, in engine (or graph) output order."""
    ctx = current()
    for g, tb in ctx.each_target():
        sidecar = tb.layout.engine_sidecar if engine.builds_engine(g, tb) else None
        yield task(model.labels(g, tb, sidecar), ctx.cache)


def task_nvinfer():
    """The multitask model's nvinfer config (targets with pipeline.infer_plugin=nvinfer)."""
    ctx = current()
    for g, tb in ctx.each_target():
        if tb.layout.nvinferserver:
            continue  # tasks/triton.py writes its nvinferserver config instead
        extra = {"uptodate": [False]} if configs.rewrite_always(tb) else {}
        yield task(configs.nvinfer(g, tb), ctx.cache, **extra)


def task_appconfig():
    """The deepstream-app main config (and the user's detector config, for detect_classify)."""
    ctx = current()
    for g, tb in ctx.each_target():
        det = configs.detector(g, tb)
        if det is not None:
            yield task(det, ctx.cache)
        yield task(configs.appconfig(g, tb), ctx.cache)


def task_manifest():
    """manifest.json + config.yaml: what was built, from which inputs."""
    ctx = current()
    for g, tb in ctx.each_target():
        yield task(release.manifest(g, tb), ctx.cache)


def task_build():
    """Build every artifact for the selected target(s): doit build target=... | targets=a,b"""
    ctx = current()
    targets = ctx.targets
    # the target-independent checks first (named as sub-tasks: doit runs those in the order given):
    # a bad model, classmap, spec or image set fails the run before anything is staged
    checks = [
        step
        for g in ctx.groups
        for step in (model.analyze(g), model.preprocess(g), *([calibration.calibrate(g)] if g.int8 else []))
    ]
    first = [f"{s.kind}:{s.name}" for s in checks]
    deps = first + [f"{kind}:{tb.name}" for tb in targets for kind in ("engine", "manifest", "lock")]
    return {
        "actions": [(report_build, [[tb.layout for tb in targets]])],
        "task_dep": deps,
        "uptodate": [False],
    }
