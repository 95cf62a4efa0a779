"""A ``Step`` as a doit task: file_dep, targets, uptodate and the action all come from the one
declaration, and the task's ``meta`` carries the step itself (``doit explain`` reads it there).

After each run the action returns the step's record (``tao2ds.core.records``); doit keeps it with
the task's values. A later run is up to date only if doit finds the inputs unchanged (file_dep)
*and* the record's params and code are the current ones *and* every output still has the bytes
recorded — an output edited or truncated by hand is rebuilt (or restored from the cache).
"""

from __future__ import annotations

import inspect
import os
from functools import lru_cache
from typing import Any, Iterable, Optional

import tao2ds
from tao2ds.core import hashmemo, log, records
from tao2ds.core.cache import ArtifactCache
from tao2ds.core.journal import Journal
from tao2ds.core.step import Step
from tao2ds.doit_ext.report import action_result

logger = log.get(__name__)
RECORD = "record"  # the doit value the record is saved under
# what doit passes an uptodate callable, stated once: doit asks inspect.signature for every task on
# every run, and an object's own __signature__ is its fast path
UPTODATE_SIGNATURE = inspect.signature(lambda task, values: None)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of the tao2ds sources: a new version of a step's code is a reason to rerun it
    (doit, unlike Ninja, does not notice changed actions by itself). Paths are relative so that
    clones elsewhere share cache keys. Unchanged files are not read again (``core.hashmemo``)."""

    root = os.path.dirname(tao2ds.__file__)
    memo = hashmemo.default()
    files = {}
    for folder, subfolders, names in os.walk(root):  # os.walk, not Path.rglob: every run pays this
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                files[path[len(root) + 1 :].replace(os.sep, "/")] = memo.sha256(path)
    return records.digest(files)[:16]


def saved_record(values: dict[str, Any]) -> Optional[records.StepRecord]:
    data = values.get(RECORD) if values else None
    try:
        return records.StepRecord.from_json(data) if data else None
    except (KeyError, TypeError, ValueError):
        return None


class record_current:
    """doit uptodate: the saved record has this step's params and code, and its outputs are intact
    (their sha256, read again unless the file's identity proves it unchanged: ``core.hashmemo``)."""

    __signature__ = UPTODATE_SIGNATURE

    def __init__(self, step: Step):
        self.step = step

    def __call__(self, task, values) -> bool:
        old = saved_record(values)
        if old is None or old.code != code_digest() or old.params != self.step.recorded_params():
            return False
        return records.hash_files(self.step.output_files(), hashmemo.default()) == dict(old.outputs)

    def __repr__(self) -> str:
        return f"record_current({self.step.label})"


def run_step(step: Step, cache: Optional[tuple]) -> Any:
    """The action: restore the outputs from the artifact cache when the same work was done before
    (here, or on any machine sharing ``cache.remote``); otherwise run the step and store them.
    Returns the record for doit to keep, or False after reporting a failure."""
    return action_result(_run_or_restore, step, cache)


def _run_or_restore(step: Step, cache: Optional[tuple]) -> dict[str, Any]:
    code = code_digest()
    store = ArtifactCache(*cache) if cache and step.cacheable and step.outputs else None
    key = step.record(code, with_outputs=False).key() if store else ""
    journal = Journal.of_run()
    if journal is not None:  # the folders this step writes into can be put back if the run fails
        journal.begin_for(step.output_files())
    if not (store and store.restore(key, step.output_files(), step.label)):
        step.run()
        if store:
            store.store(key, step.output_files(), step.kind)
    return {RECORD: step.record(code).to_json()}


def task(
    step: Step, cache: Optional[tuple], *, extra_uptodate: Iterable[Any] = (), **extra: Any
) -> dict[str, Any]:
    """doit's sub-task dict for ``step`` (named ``step.name`` under the generator's basename)."""
    return {
        "name": step.name,
        "doc": step.doc,
        "actions": [(run_step, [step, cache])],
        "file_dep": [str(p) for p in step.input_files()],
        "targets": [str(p) for p in step.output_files()],
        "uptodate": [record_current(step), *extra_uptodate],
        "meta": {"step": step, "cache": cache},
        "clean": True,
        **extra,
    }
