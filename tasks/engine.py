"""The TensorRT engine task (filled in by the engine builders; deepstream = build nothing)."""
from __future__ import annotations

from tasks.context import TargetBuild, current


def builder_name(tb: TargetBuild) -> str:
    requested = str(tb.cfg.engine.builder)
    return "deepstream" if requested == "auto" else requested


def builds_engine(tb: TargetBuild) -> bool:
    return builder_name(tb) != "deepstream"


def engine_targets(tb: TargetBuild) -> list:
    return [tb.layout.engine, tb.layout.engine_sidecar] if builds_engine(tb) else []


def engine_note(tb: TargetBuild) -> str | None:
    if builds_engine(tb):
        return None
    return (f"no engine built here: nvinfer builds {tb.layout.engine.name} from {tb.layout.deployed_onnx.name} "
            "at first start on the device and reuses it afterwards")


def task_engine():
    """TensorRT engine per target."""
    for tb in current().targets:
        if builds_engine(tb):
            raise NotImplementedError("engine builders other than deepstream: not yet")
        yield {"name": tb.name, "actions": [lambda: print(engine_note_for_print())] if False else None,
               "doc": "engine (deepstream builder: built by nvinfer on the device)", "uptodate": [True]}


def engine_note_for_print():
    return None
