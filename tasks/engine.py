"""The TensorRT engine task per target, built by engine.builder (auto|tensorrt|trtexec|ssh|deepstream)."""
from __future__ import annotations

import sys
from functools import lru_cache

from tao2ds.steps.engine import EngineSpec, build_engine, chosen_builder, engine_current
from tao2ds.doit_ext.context import TargetBuild, cache_settings, current
from tao2ds.doit_ext.step import step


def engine_spec(tb: TargetBuild) -> EngineSpec:
    cfg, L = tb.cfg, tb.layout
    d = tb.composed.to_dict()
    return EngineSpec(
        builder=str(cfg.engine.builder), target=d["target"], known_hosts=cfg.engine.known_hosts,
        onnx=L.deployed_onnx, calib_cache=L.calibration_cache if L.int8_route == "cache" else None,
        engine=L.engine, model_json=current().common.model_json, precision=L.precision,
        batch_size=cfg.model.batch_size, workspace_mib=cfg.engine.workspace_mib, dla_core=cfg.engine.dla_core,
        timing_cache=L.timing_cache if cfg.engine.timing_cache else None, cache=cache_settings(),
    )


@lru_cache(maxsize=None)
def _choice(tb: TargetBuild) -> tuple[str, str]:
    builder, why = chosen_builder(engine_spec(tb))
    return builder.name, why


def builder_name(tb: TargetBuild) -> str:
    return _choice(tb)[0]


def builds_engine(tb: TargetBuild) -> bool:
    return builder_name(tb) != "deepstream"


def engine_targets(tb: TargetBuild) -> list:
    return [tb.layout.engine, tb.layout.engine_sidecar] if builds_engine(tb) else []


def engine_note(tb: TargetBuild) -> str | None:
    if builds_engine(tb):
        return None
    return (f"no engine built here ({_choice(tb)[1]}): nvinfer builds {tb.layout.engine.name} from "
            f"{tb.layout.deployed_onnx.name} at first start on the device, into model-engine-file, and reuses it after")


def _say(text: str) -> None:
    print(f"engine: {text}", file=sys.stderr)


def task_engine():
    """TensorRT engine per target: rebuilt when and only when its key (model, cache, flags, builder env) changes."""
    for tb in current().targets:
        name, why = _choice(tb)
        if not builds_engine(tb):
            yield step(tb.name, _say, kind="engine-note", kwargs={"text": f"{tb.name}: {why}"}, cacheable=False,
                       doc="no engine here: DeepStream builds it on the device", params={"why": why})
            continue
        spec = engine_spec(tb)
        deps = [spec.onnx, spec.model_json, *([spec.calib_cache] if spec.calib_cache else [])]
        task = step(tb.name, build_engine, kind="engine", kwargs={"spec": spec}, cacheable=False,
                    doc=f"engine via {name}", file_dep=deps, targets=engine_targets(tb),
                    params={"builder": name, "target": spec.target, "precision": spec.precision,
                            "batch_size": spec.batch_size, "workspace_mib": spec.workspace_mib,
                            "dla_core": spec.dla_core},
                    extra_uptodate=[engine_current(spec)])
        yield task
