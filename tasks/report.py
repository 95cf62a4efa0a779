"""Look at what was built: `doit report` (one HTML page over build.dir) and `doit profile target=T`."""

from __future__ import annotations

from pathlib import Path

from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.report import run_action


def _report(**kwargs):
    from pipelines.report import report  # deferred: every doit run loads this module, few make a report

    return report(**kwargs)


def _profile(**kwargs):
    from pipelines.profile import profile  # deferred: as above

    return profile(**kwargs)


def task_report():
    """One self-contained HTML page over every build folder under build.dir: doit report"""
    ctx = current()
    cfg = ctx.targets[0].composed.to_dict()
    return {
        "actions": [(run_action, [_report], {"build_dir": Path(ctx.cfg.build.dir), "cfg": cfg})],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_profile():
    """Measure the built engine on the device (trtexec --loadEngine): doit profile target=T"""
    for tb in current().targets:
        yield {
            "name": tb.name,
            "actions": [
                (run_action, [_profile], {"build_dir": tb.layout.root, "cfg": tb.composed.to_dict()})
            ],
            "task_dep": [f"manifest:{tb.name}"],
            "uptodate": [False],
            "verbosity": 2,
        }
