"""What one run builds: the validated config of each selected target and where its files go.

Pure: no doit. ``tao2ds.doit_ext.context`` makes one from doit's command-line variables; tests
make one from a list of overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tao2ds.artifacts.layout import CommonLayout, TargetLayout
from tao2ds.artifacts.lock import environment_differences, locked_config, read_lock
from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import RUNTIME_SECTIONS, ComposeCache, Composed, compose, split_targets, validate
from tao2ds.core.errors import InputError, LockMismatch
from tao2ds.deepstream import sources as ds_sources

COMPOSE_CACHE = Path(".tao2ds") / "compose-cache.json"


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

    @property
    def obj(self):
        """The config as the schema's own dataclass objects (typed values for the steps)."""
        return self.composed.obj


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

    @property
    def cache(self) -> tuple | None:
        """(local dir, remote URL) of the artifact cache, or None when cache.dir=null."""
        c = self.cfg.cache
        return (c.dir, c.remote) if c.dir else None


def locked_context(lock_path: str, overrides: list[str]) -> RunContext:
    """Rebuild a lock's exact state: its config, after checking inputs and tools are the same."""

    extra = [o for o in overrides if o.lstrip("+").split(".")[0] not in RUNTIME_SECTIONS]
    if extra:
        raise LockMismatch(
            f"lock={lock_path} fixes the whole build config; drop {', '.join(extra)} "
            f"(only {', '.join(s + '.*' for s in RUNTIME_SECTIONS)} may be given with it)"
        )
    lock = read_lock(lock_path)
    diffs = environment_differences(lock)
    if diffs:
        raise LockMismatch(
            f"cannot rebuild {lock_path} here; this machine differs:\n  - " + "\n  - ".join(diffs)
        )
    composed = validate(locked_config(lock, compose(overrides).to_dict()))
    check_capabilities(composed.cfg)
    return RunContext(
        tuple(overrides), (TargetBuild(composed, TargetLayout.from_cfg(composed.cfg)),), lock=lock_path
    )


def build_context(overrides: list[str], cache: Path | None = COMPOSE_CACHE) -> RunContext:
    lock = [o for o in overrides if o.startswith("lock=")]
    if lock:
        return locked_context(lock[-1][len("lock=") :], [o for o in overrides if not o.startswith("lock=")])
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
    for key, path in (
        ("model.onnx", m.onnx),
        ("model.classmap", m.classmap),
        ("model.spec", m.spec),
        ("model.calibration_cache", m.calibration_cache),
    ):
        if path is not None and not Path(path).is_file():
            raise InputError(
                f"{key}={path}: file not found (paths are relative to {Path.cwd()})", key=key, file=path
            )

    for i, src in enumerate(cfg.pipeline.sources):
        if ds_sources.is_local(src.uri) and not ds_sources.local_files(src.uri):
            raise InputError(
                f"pipeline.sources[{i}].uri={src.uri}: file not found (paths are relative to {Path.cwd()})",
                key=f"pipeline.sources[{i}].uri",
                file=src.uri,
            )
    det = cfg.pipeline.detector.config
    if str(cfg.pipeline.topology) == "detect_classify" and det and not Path(det).is_file():
        raise InputError(
            f"pipeline.detector.config={det}: file not found", key="pipeline.detector.config", file=det
        )
