"""`doit explain target=T`: for every task, "up to date", "cached", or exactly why it will run.

Run by the doit command plugin in tao2ds/doit_plugins.py, so it sees the same tasks and state DB as
`doit build`. It reads doit's own up-to-date verdict and adds what doit cannot say: which config
key changed from what to what, and whether the artifact cache would restore the outputs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tao2ds.artifacts.freshness import config_differences
from tao2ds.doit_ext.step import cached_step, params_unchanged


def _params_checker(task) -> params_unchanged | None:
    for item in task.uptodate:
        obj = item[0] if isinstance(item, tuple) else item
        if isinstance(obj, params_unchanged):
            return obj
    return None


def _cache_kwargs(task) -> dict[str, Any] | None:
    for action in task.actions:
        if getattr(action, "py_callable", None) is cached_step:
            return action.kwargs
    return None


def _would_restore(kw: dict[str, Any]) -> bool:
    from tao2ds.core.cache import ArtifactCache, cache_key
    from tao2ds.core.fileio import sha256_file

    if not kw.get("cache") or not all(Path(f).is_file() for f in kw["file_dep"]):
        return False
    key = cache_key(kw["kind"], kw["params"], [sha256_file(f) for f in kw["file_dep"]])
    return ArtifactCache(*kw["cache"]).has(key)


def reasons_for(task, status, saved: dict[str, Any]) -> list[str]:
    r = status.reasons
    out: list[str] = []
    checker = _params_checker(task)
    if checker is not None and any(u[0] is checker for u in r.get("uptodate_false") or []):
        old = saved.get("_params")
        if old is None:
            out.append("never built with this state DB")
        else:
            diffs = config_differences(old, checker.params)
            out += [("tao2ds code changed" if d.startswith("tao2ds_code") else f"config {d}") for d in diffs]
    for key, text in (("missing_target", "output missing"), ("changed_file_dep", "input changed"),
                      ("added_file_dep", "new input"), ("removed_file_dep", "input dropped"),
                      ("missing_file_dep", "input not built yet")):
        out += [f"{text}: {f}" for f in r.get(key) or []]
    if r.get("checker_changed"):
        out.append("file checker changed")
    return out or ["doit says it must run"]


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
        if not task.actions or task.name.split(":")[0] in ("build", "launch", "verify", "bundle"):
            continue
        status = dep_manager.get_status(task, tasks, get_log=True)
        upstream = sorted({will_run[f] for f in task.file_dep if f in will_run})
        kw = _cache_kwargs(task)
        if status.status == "up-to-date" and not upstream:
            verdict = "up to date"
        elif status.status == "up-to-date":
            verdict = f"will run if {', '.join(upstream)} change(s) its output"
        else:
            why = reasons_for(task, status, dep_manager.get_values(task.name))
            cached = kw is not None and not upstream and _would_restore(kw)
            verdict = ("cached (restored without running): " if cached else "will run: ") + "; ".join(why)
            for t in task.targets:
                will_run[t] = task.name
        lines.append(f"{task.name:<34} {verdict}")
    return lines
