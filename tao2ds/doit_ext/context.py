"""The composed configs of this doit run (one per selected target), composed once."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import ComposeCache, Composed, compose, split_targets
from tao2ds.core.errors import Tao2dsError
from tao2ds.artifacts.layout import CommonLayout, TargetLayout


COMPOSE_CACHE = Path(".tao2ds") / "compose-cache.json"


def cli_overrides() -> list[str]:
    """doit's ``key=value`` command-line variables, in order, as Hydra override strings.

    doit exposes only ``get_var``; the dict it fills is private, so read it in this one place.
    """
    from doit import doit_cmd

    return [f"{k}={v}" for k, v in (doit_cmd._CMDLINE_VARS or {}).items()]


@dataclass(frozen=True)
class TargetBuild:
    composed: Composed
    layout: TargetLayout

    @property
    def cfg(self):
        return self.composed.cfg

    @property
    def name(self) -> str:
        return self.composed.target


@dataclass(frozen=True)
class RunContext:
    overrides: tuple[str, ...]
    targets: tuple[TargetBuild, ...]
    lock: str | None = None  # doit build lock=<file>: rebuild that state and check the outputs

    @property
    def cfg(self):
        """Config of the first target: model/calibration settings are the same for all."""
        return self.targets[0].cfg

    @property
    def common(self) -> CommonLayout:
        return CommonLayout.for_build_dir(self.cfg.build.dir)

    @property
    def int8(self) -> bool:
        return str(self.cfg.precision.name) == "int8"


def locked_context(lock_path: str, overrides: list[str]) -> RunContext:
    """Rebuild a lock's exact state: its config, after checking inputs and tools are the same."""
    from tao2ds.config.compose import RUNTIME_SECTIONS, validate
    from tao2ds.core.errors import LockMismatch
    from tao2ds.artifacts.lock import environment_differences, locked_config, read_lock

    extra = [o for o in overrides if o.lstrip("+").split(".")[0] not in RUNTIME_SECTIONS]
    if extra:
        raise LockMismatch(f"lock={lock_path} fixes the whole build config; drop {', '.join(extra)} "
                           f"(only {', '.join(s + '.*' for s in RUNTIME_SECTIONS)} may be given with it)")
    lock = read_lock(lock_path)
    diffs = environment_differences(lock)
    if diffs:
        raise LockMismatch(f"cannot rebuild {lock_path} here; this machine differs:\n  - " + "\n  - ".join(diffs))
    composed = validate(locked_config(lock, compose(overrides).to_dict()))
    check_capabilities(composed.cfg)
    return RunContext(tuple(overrides), (TargetBuild(composed, TargetLayout.from_cfg(composed.cfg)),), lock=lock_path)


def build_context(overrides: list[str], cache: Path | None = COMPOSE_CACHE) -> RunContext:
    lock = [o for o in overrides if o.startswith("lock=")]
    if lock:
        return locked_context(lock[-1][len("lock="):], [o for o in overrides if not o.startswith("lock=")])
    names, rest = split_targets(overrides)
    store = ComposeCache(cache) if cache else None
    builds = []
    for name in names:
        ovs = rest if name is None else [*rest, f"target={name}"]
        composed = store.get(ovs) if store else None
        if composed is None:
            composed = compose(ovs)
            if store:
                store.put(ovs, composed)
        check_capabilities(composed.cfg)
        builds.append(TargetBuild(composed, TargetLayout.from_cfg(composed.cfg)))
    if store:
        store.save()
    _check_inputs(builds[0].cfg)
    return RunContext(tuple(overrides), tuple(builds))


def _check_inputs(cfg) -> None:
    m = cfg.model
    for key, path in (("model.onnx", m.onnx), ("model.classmap", m.classmap), ("model.spec", m.spec)):
        if path is not None and not Path(path).is_file():
            raise Tao2dsError(f"{key}={path}: file not found (paths are relative to {Path.cwd()})")
    from tao2ds.deepstream import sources as ds_sources

    for i, src in enumerate(cfg.pipeline.sources):
        if ds_sources.is_local(src.uri) and not ds_sources.local_files(src.uri):
            raise Tao2dsError(f"pipeline.sources[{i}].uri={src.uri}: file not found (paths are relative to {Path.cwd()})")
    det = cfg.pipeline.detector.config
    if str(cfg.pipeline.topology) == "detect_classify" and det and not Path(det).is_file():
        raise Tao2dsError(f"pipeline.detector.config={det}: file not found")


@lru_cache(maxsize=1)
def current() -> RunContext:
    """The context for doit's command line; a config error ends the run with a clean message."""
    try:
        return build_context(cli_overrides())
    except Tao2dsError as e:
        print(f"tao2ds: error: {e}", file=sys.stderr)
        raise SystemExit(3) from None


def cache_settings() -> tuple | None:
    """(local dir, remote URL) of the artifact cache, or None when cache.dir=null."""
    c = current().cfg.cache
    return (c.dir, c.remote) if c.dir else None
