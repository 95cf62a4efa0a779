"""Per-target tasks: everything under <build.dir>/<target>/ up to its manifest."""

from __future__ import annotations

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.report import report_build
from tao2ds.doit_ext.step import task
from tao2ds.steps import calibration, configs, engine, model, release


def task_stage():
    """Copy the model and local media into the target directory (it must be self-contained)."""
    ctx = current()
    for tb in ctx.targets:
        yield task(model.stage_model(ctx, tb), ctx.cache)
        yield task(configs.media(ctx, tb), ctx.cache)


def task_labels():
    """labels.txt: one line per engine output, in engine (or graph) output order."""
    ctx = current()
    for tb in ctx.targets:
        sidecar = tb.layout.engine_sidecar if engine.builds_engine(ctx, tb) else None
        yield task(model.labels(ctx, tb, sidecar), ctx.cache)


def task_nvinfer():
    """The multitask model's nvinfer config (targets with pipeline.infer_plugin=nvinfer)."""
    ctx = current()
    for tb in ctx.targets:
        if not tb.layout.nvinferserver:
            yield task(configs.nvinfer(ctx, tb), ctx.cache)


def task_appconfig():
    """The deepstream-app main config (and the user's detector config, for detect_classify)."""
    ctx = current()
    for tb in ctx.targets:
        det = configs.detector(ctx, tb)
        if det is not None:
            yield task(det, ctx.cache)
        yield task(configs.appconfig(ctx, tb), ctx.cache)


def task_manifest():
    """manifest.json + config.yaml: what was built, from which inputs."""
    ctx = current()
    for tb in ctx.targets:
        yield task(release.manifest(ctx, tb), ctx.cache)


def task_build():
    """Build every artifact for the selected target(s): doit build target=... | targets=a,b"""
    ctx = current()
    targets = ctx.targets
    # the target-independent checks first (named as sub-tasks: doit runs those in the order given):
    # a bad model, classmap, spec or image set fails the run before anything is staged
    checks = [model.analyze(ctx), model.preprocess(ctx), *([calibration.calibrate(ctx)] if ctx.int8 else [])]
    first = [f"{s.kind}:{s.name}" for s in checks]
    deps = first + [f"{kind}:{tb.name}" for tb in targets for kind in ("engine", "manifest", "lock")]
    return {
        "actions": [(report_build, [[tb.layout for tb in targets]])],
        "task_dep": deps,
        "uptodate": [False],
    }
