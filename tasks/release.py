"""Release tasks: the per-target lock file, and `doit bundle target=T`."""

from __future__ import annotations

from pathlib import Path

import pipelines
from tao2ds.doit_ext.context import current
from tao2ds.doit_ext.step import task
from tao2ds.steps import release


def task_lock():
    """build.lock: inputs and outputs with hashes, resolved config, tool versions, builder environment."""
    ctx = current()
    for g, tb in ctx.each_target():
        if ctx.lock:
            yield task(release.check_lock(g, tb), None, uptodate=[False], verbosity=2)
        else:
            yield task(release.lock(g, tb), ctx.cache)


def task_bundle():
    """A relocatable, deterministic archive with everything the device needs: doit bundle target=T"""
    ctx = current()
    pyds = Path(pipelines.__file__).with_name("pyds_app.py")
    psm = Path(pipelines.__file__).with_name("servicemaker_app.py")
    for g, tb in ctx.each_target():
        yield task(release.bundle(g, tb, pyds, psm), ctx.cache)
