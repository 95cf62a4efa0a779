"""Run what was built: `doit launch target=T` and `doit verify target=T`.

(The task can't be called `run`: that is doit's own command word.)
"""

from __future__ import annotations

from pathlib import Path

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.report import run_action


def launch(**kwargs):
    from pipelines.launch import launch  # deferred: pipelines import GStreamer / ONNX Runtime, and
    # even their light modules are not needed until a launch runs (no-op build start-up time)

    return launch(**kwargs)


def verify(**kwargs):
    from pipelines.verify import verify  # deferred, as launch

    return verify(**kwargs)


def task_launch():
    """Build if needed, then run the pipeline: run.backend=auto|deepstream-app|pyds|servicemaker|reference|triton"""
    for tb in current().targets:
        yield {
            "name": tb.name,
            "actions": [(run_action, [launch], {"build_dir": tb.layout.root, "cfg": tb.composed.to_dict()})],
            "task_dep": [f"manifest:{tb.name}"],
            "uptodate": [False],
            "verbosity": 2,
        }


def task_verify():
    """Accuracy on the labelled validation set through the reference pipeline (and the Q/DQ model for int8);
    run.backend=triton: through the Triton server at run.triton_url."""
    for tb in current().targets:
        v = tb.cfg.model.validation
        yield {
            "name": tb.name,
            "actions": [
                (
                    run_action,
                    [verify],
                    {
                        "build_dir": tb.layout.root,
                        "csv_path": Path(v.csv) if v.csv else None,
                        "images": Path(v.images) if v.images else None,
                        "min_accuracy": tb.cfg.verify.min_accuracy,
                        "config": tb.composed.build_config(),
                        "spec": Path(tb.cfg.model.spec) if tb.cfg.model.spec else None,
                        # run.backend=triton: through the Triton server, as nvinferserver's gRPC mode
                        "backend": "triton" if str(tb.cfg.run.backend) == "triton" else "reference",
                        "triton_url": tb.cfg.run.triton_url,
                        "triton_timeout_s": tb.cfg.run.triton_timeout_s,
                    },
                )
            ],
            "task_dep": [f"manifest:{tb.name}"],
            "uptodate": [False],
            "verbosity": 2,
        }
