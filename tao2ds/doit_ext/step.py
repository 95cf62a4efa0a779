"""Small doit helpers shared by the task generators."""
from __future__ import annotations

import sys
from pathlib import Path
from functools import lru_cache
from typing import Any, Callable, Iterable, Optional

from tao2ds.core.errors import Tao2dsError
from tao2ds.core.fileio import sha256_json


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of the tao2ds sources: a new version of a step's code is a reason to rerun it
    (doit, unlike Ninja, does not notice changed actions by itself)."""
    import hashlib

    import tao2ds

    h = hashlib.sha256()
    root = Path(tao2ds.__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())  # relative: clones elsewhere share keys
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class params_unchanged:
    """uptodate checker over the config subset a task uses.

    Like doit's ``config_changed`` but it stores the values themselves, not only a digest, so
    ``doit explain`` can say which key changed and from what to what (DVC's params idea).
    """

    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.digest = sha256_json(params)

    def configure_task(self, task) -> None:
        task.value_savers.append(lambda: {"_params": self.params, "_params_digest": self.digest})

    def __call__(self, task, values) -> bool:
        return values.get("_params_digest") == self.digest

    def __repr__(self) -> str:
        return f"params_unchanged({self.digest[:12]})"


def run_step(fn: Callable[..., Any], **kwargs: Any):
    """Run a step; a user-facing error prints one clean message instead of a traceback."""
    try:
        fn(**kwargs)
    except Tao2dsError as e:
        print(f"tao2ds: error: {e}", file=sys.stderr)
        return False
    return None


def cached_step(fn: Callable[..., Any], kwargs: dict[str, Any], label: str, kind: str, params: dict[str, Any],
                file_dep: list[str], targets: list[str], cache: Optional[tuple]) -> Any:
    """Restore the outputs from the artifact cache when the same step ran before (here, or on any
    machine sharing ``cache.remote``); otherwise run it and store what it wrote."""
    from tao2ds.core.cache import ArtifactCache, cache_key
    from tao2ds.core.fileio import sha256_file

    if not cache or not targets:
        return run_step(fn, **kwargs)
    store = ArtifactCache(*cache)
    key = cache_key(kind, params, [sha256_file(f) for f in file_dep])
    paths = [Path(t) for t in targets]
    if store.restore(key, paths, label):
        return None
    result = run_step(fn, **kwargs)
    if result is None:
        store.store(key, paths, kind)
    return result


def step(
    name: str,
    fn: Callable[..., Any],
    *,
    kwargs: dict[str, Any],
    doc: str,
    file_dep: Iterable[str | Path] = (),
    targets: Iterable[str | Path] = (),
    params: Optional[dict[str, Any]] = None,
    task_dep: Iterable[str] = (),
    extra_uptodate: Iterable[Any] = (),
    kind: str,
    cacheable: bool = True,
) -> dict[str, Any]:
    """A doit sub-task dict: content deps + config-subset deps + atomic targets, through the
    artifact cache (``kind`` names the step for the cache key; by default the task's basename)."""
    from tao2ds.doit_ext.context import cache_settings

    full_params = {**(params or {}), "tao2ds_code": code_digest()}
    deps, outs = sorted({str(p) for p in file_dep}), [str(p) for p in targets]
    cached = {"fn": fn, "kwargs": kwargs, "label": f"{kind}:{name}", "kind": kind, "params": full_params,
              "file_dep": deps, "targets": outs, "cache": cache_settings() if cacheable else None}
    return {
        "name": name,
        "doc": doc,
        "actions": [(cached_step, [], cached)],
        "file_dep": deps,
        "targets": outs,
        "uptodate": [params_unchanged(full_params), *extra_uptodate],
        "task_dep": list(task_dep),
        "clean": True,
    }


def clean_errors(task_creator: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a task creator: a Tao2dsError while generating tasks ends doit with one clean line."""
    import functools

    @functools.wraps(task_creator)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            result = task_creator(*args, **kwargs)
            if result is None or isinstance(result, dict):
                return result
            items = list(result)  # errors surface here, not inside doit's loader
            return (item for item in items)  # doit wants a dict or a generator
        except Tao2dsError as e:
            print(f"tao2ds: error: {e}", file=sys.stderr)
            raise SystemExit(3) from None

    return wrapper
