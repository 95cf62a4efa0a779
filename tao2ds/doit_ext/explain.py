"""`doit explain target=T`: for every task, "up to date", "cached", or exactly why it will run.

A doit command plugin (registered in pyproject.toml), so it sees the same tasks and state DB as
`doit build`. It takes doit's own up-to-date verdict and, for the reasons, compares the record
saved at the task's last run with the record the task's ``Step`` (in its ``meta``) would make
now — the same vocabulary the stale-build check and the lock check use.
"""

from __future__ import annotations

from typing import Any

from doit.cmd_base import DoitCmdBase

from tao2ds.core import records
from tao2ds.core.cache import ArtifactCache
from tao2ds.core.report import reported
from tao2ds.core.step import Step
from tao2ds.doit_ext.step import code_digest, saved_record

_NOT_STEPS = ("build", "launch", "verify", "bundle", "profile", "report")


def step_of(task) -> Step | None:
    return (task.meta or {}).get("step")


def _would_restore(step: Step, cache: Any) -> bool:
    if not cache or not step.cacheable or not all(p.is_file() for p in step.input_files()):
        return False
    return ArtifactCache(*cache).has(step.record(code_digest(), with_outputs=False).key())


def reasons_for(task, status, saved: dict[str, Any]) -> list[str]:
    step = step_of(task)
    if step is None:
        return ["doit says it must run"]
    old = saved_record(saved)
    if old is None:
        return ["never built with this state DB"]
    now = records.StepRecord(
        kind=step.kind,
        params=step.recorded_params(),
        inputs=records.hash_files(step.input_files()),
        outputs=records.hash_files(step.output_files()),
        code=code_digest(),
    )
    why = records.differences(old, now, outputs=True)
    missing = status.reasons.get("missing_file_dep") or []
    why += [f"input {f} not built yet" for f in missing if f"input {f} missing" not in why]
    return why or ["doit says it must run"]


def topological(task_list) -> list:
    """Producers before consumers (by file_dep -> target), so upstream verdicts are known."""
    producer = {t: task for task in task_list for t in task.targets}
    done: dict[str, None] = {}
    order = []

    def visit(task) -> None:
        if task.name in done:
            return
        done[task.name] = None
        for f in task.file_dep:
            if f in producer:
                visit(producer[f])
        order.append(task)

    for task in task_list:
        visit(task)
    return order


def explain_lines(task_list, dep_manager) -> list[str]:
    tasks = {t.name: t for t in task_list}
    will_run: dict[str, str] = {}  # target file -> task that rewrites it
    lines = []
    for task in topological(task_list):
        if not task.actions or task.name.split(":")[0] in _NOT_STEPS:
            continue
        status = dep_manager.get_status(task, tasks, get_log=True)
        upstream = sorted({will_run[f] for f in task.file_dep if f in will_run})
        step = step_of(task)
        if status.status == "up-to-date" and not upstream:
            verdict = "up to date"
        elif status.status == "up-to-date":
            verdict = f"will run if {', '.join(upstream)} change(s) its output"
        else:
            why = reasons_for(task, status, dep_manager.get_values(task.name))
            cached = step is not None and not upstream and _would_restore(step, task.meta.get("cache"))
            verdict = ("cached (restored without running): " if cached else "will run: ") + "; ".join(why)
            for t in task.targets:
                will_run[t] = task.name
        lines.append(f"{task.name:<34} {verdict}")
    return lines


class Explain(DoitCmdBase):
    name = "explain"
    doc_purpose = "say, for each task of the selected target(s), up to date / cached / why it will run"
    doc_usage = "[target=T | targets=a,b] [key=value ...]"
    doc_description = None
    cmd_options = ()

    def _execute(self, pos_args=None):
        with reported():
            self.outstream.write("\n".join(explain_lines(self.task_list, self.dep_manager)) + "\n")
        return 0
