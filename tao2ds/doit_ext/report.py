"""What doit prints for tao2ds beyond task names: the end-of-build summary, and actions that run
a pipeline through the one error reporter."""

from __future__ import annotations

import gc
from typing import Any, Callable

from doit.exceptions import TaskFailed

from tao2ds.artifacts.manifest import read_manifest
from tao2ds.core import log
from tao2ds.core.report import report, reported

logger = log.get(__name__)


def report_build(layouts) -> None:
    """One line per target: where its build is and what it holds."""
    for L in layouts:
        m = read_manifest(L.root)
        a = m["artifacts"]
        engine = a["engine"] or (
            f"none (Triton serves {a['triton_model_file']})"
            if a.get("triton_model_file")
            else f"none (DeepStream builds {m['engine_file_name']} on the device)"
        )
        cal = [a["calibration_cache"], a.get("qdq_onnx")]
        extra = f", calibration {' + '.join(c for c in cal if c)}" if a["calibration_cache"] else ""
        logger.info(
            "%s (%s) -> %s/: %s [%s], %s, %s%s; engine: %s",
            m["target"],
            m["precision"],
            L.root,
            a["labels"],
            ", ".join(m["label_tasks"]),
            a.get("nvinferserver_config") or a["nvinfer_config"],
            a["app_config"],
            extra,
            engine,
        )


class StepFailed(TaskFailed):
    """A failed tao2ds action, after the one reporter has printed its error: doit's failure carries
    the error's exit code, which ``doit_ext.run_cmd.Run`` returns instead of doit's 1. (doit's
    failures are plain objects, pickled back from ``-n`` workers with their attributes.)"""

    def __init__(self, exit_code: int):
        super().__init__(f"failed with exit code {exit_code}; the error is printed above")
        self.exit_code = exit_code


def collector_on() -> None:
    """The cyclic garbage collector back on, where dodo.py paused it while doit loaded and checked
    the tasks. What start-up allocated is frozen first (``gc.freeze``: long-lived, never scanned
    again), so the first collection does not walk all of it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def action_result(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` for a doit action: its result, or a ``StepFailed`` (the task fails) after the one
    reporter has printed the error once."""
    collector_on()
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the one reporter decides how to show it
        return StepFailed(report(e))


def run_action(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """A pipeline as a doit action: it writes its own results, so doit keeps nothing."""
    result = action_result(fn, **kwargs)
    return result if isinstance(result, StepFailed) else None


def _generate(task_creator: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    with reported():
        result = task_creator(*args, **kwargs)
        if result is None or isinstance(result, dict):
            return result
        items = list(result)  # errors surface here, not inside doit's loader
    return (item for item in items)  # doit wants a dict or a generator


def reporting(task_creator: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a task creator: an error while generating tasks ends doit with one clean paragraph."""
    # A one-line lambda, not functools.wraps: doit's loader orders creators by their source line
    # (inspect.getsourcelines), which follows ``__wrapped__`` and tokenizes the whole block; a
    # lambda's block is its one line (start-up time of every run).
    wrapper = lambda *args, **kwargs: _generate(task_creator, args, kwargs)  # noqa: E731
    wrapper.__name__ = wrapper.__qualname__ = task_creator.__name__
    wrapper.__doc__ = task_creator.__doc__
    wrapper.__module__ = task_creator.__module__
    return wrapper
