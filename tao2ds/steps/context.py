"""What one run builds: the validated config of each selected target (or sweep combination) and
where its files go.

A sweep (``precision=fp16,int8``, see ``config.compose.expand_sweeps``) builds each combination into
its own folder; target-independent work (``_common``) is shared by every combination whose
``COMMON_CONFIG`` is the same, so it is done once per distinct model / calibration setting.

Pure: no doit. ``tao2ds.doit_ext.context`` makes one from doit's command-line variables; tests
make one from a list of overrides."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional

from tao2ds.artifacts.layout import CommonLayout, TargetLayout
from tao2ds.artifacts.lock import environment_differences, locked_config, read_lock
from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import (
    RUNTIME_SECTIONS,
    Combination,
    ComposeCache,
    Composed,
    compose,
    expand_sweeps,
    validate,
)
from tao2ds.core import log, records
from tao2ds.core.errors import ConfigError, InputError, LockMismatch
from tao2ds.deepstream import sources as ds_sources

logger = log.get(__name__)
COMPOSE_CACHE = Path(".tao2ds") / "compose-cache"
# The config the target-independent steps (model analysis, preprocessing, calibration, Q/DQ model)
# read: sweep combinations that agree on it share one ``_common`` folder and its tasks.
COMMON_CONFIG = (
    "build.dir",
    "model.onnx",
    "model.classmap",
    "model.spec",
    "model.preprocessing",
    "model.scaling_filter",
    "model.calibration_images",
    "calibration",
)


@dataclass(frozen=True)
class TargetBuild:
    composed: Composed
    layout: TargetLayout
    folder: Optional[str] = None  # a sweep combination's folder (and task) name; None: the target's

    @property
    def cfg(self):
        return self.composed.cfg

    @property
    def name(self) -> str:
        """Names its folder and its tasks: the target, or the sweep combination (``x86_dgpu__int8``)."""
        return self.folder or self.composed.target

    @property
    def int8(self) -> bool:
        return self.layout.precision == "int8"

    def common_config(self) -> dict:
        tree = self.composed.to_dict()
        out = {}
        for dotted in COMMON_CONFIG:
            node = tree
            for part in dotted.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            out[dotted] = node
        return out

    @property
    def obj(self):
        """The config as the schema's own dataclass objects (typed values for the steps)."""
        return self.composed.obj


@dataclass(frozen=True)
class RunContext:
    overrides: tuple[str, ...]
    targets: tuple[TargetBuild, ...]
    lock: str | None = None  # doit build lock=<file>: rebuild that state and check the outputs
    tag: str = ""  # "" or "__<digest>" when a sweep has several target-independent settings

    @property
    def cfg(self):
        """Config of the first target: model/calibration settings are the same for all of a group."""
        return self.targets[0].cfg

    @property
    def common(self) -> CommonLayout:
        return CommonLayout.for_build_dir(self.cfg.build.dir, self.tag)

    @property
    def int8(self) -> bool:
        """Some target of this context builds INT8 (so the shared calibration runs)."""
        return any(tb.int8 for tb in self.targets)

    @cached_property
    def groups(self) -> tuple["RunContext", ...]:
        """One context per distinct ``COMMON_CONFIG`` (in first-seen order), each with its targets:
        the target-independent steps are declared once per group. Without a sweep: just this one."""
        by_key: dict[str, list[TargetBuild]] = {}
        for tb in self.targets:
            by_key.setdefault(records.digest(tb.common_config()), []).append(tb)
        if len(by_key) == 1:
            return (self,)
        return tuple(
            RunContext(self.overrides, tuple(tbs), self.lock, tag=f"__{key[:8]}")
            for key, tbs in by_key.items()
        )

    def each_target(self) -> Iterator[tuple["RunContext", TargetBuild]]:
        """(the context of its group, target build) for every target build, in order."""
        for g in self.groups:
            for tb in g.targets:
                yield g, tb

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
    combos = expand_sweeps(overrides)
    store = ComposeCache(cache) if cache else None
    valid: list[tuple[Combination, Composed]] = []
    invalid: list[tuple[Combination, Exception]] = []
    for combo in combos:
        try:
            composed = store.get(list(combo.overrides)) if store else None
            if composed is None:
                composed = compose(list(combo.overrides))
                if store:
                    store.put(list(combo.overrides), composed)
            check_capabilities(composed.cfg)
            _check_inputs(composed.cfg)
            valid.append((combo, composed))
        except (ConfigError, InputError) as e:
            if len(combos) == 1:
                raise
            invalid.append((combo, e))
    if store:
        store.save()
    if invalid:
        _refuse_or_skip(invalid, len(combos), valid)
    folders = _folders(valid)
    builds = [
        TargetBuild(c, TargetLayout.from_cfg(c.cfg, folder), folder if folder != c.target else None)
        for (_, c), folder in zip(valid, folders)
    ]
    return RunContext(tuple(overrides), tuple(builds))


def _refuse_or_skip(invalid: list, total: int, valid: list) -> None:
    """Invalid sweep combinations are all reported before any work; the valid ones are built only
    with the user's consent (``build.skip_invalid=true``)."""

    def shared(c: Combination, e: Exception) -> str:  # the message with the combination's target blanked
        target = dict(c.swept).get("target")
        return str(e).replace(target, "<target>") if target else str(e)

    if not valid and len({shared(c, e) for c, e in invalid}) == 1:
        raise invalid[0][1]  # one problem shared by every combination: report it as such
    listing = "\n  - ".join(f"{c.describe()}: " + str(e).replace("\n", "\n      ") for c, e in invalid)
    if valid and valid[0][1].cfg.build.skip_invalid:
        logger.warning(
            "skipping %d of %d sweep combinations (build.skip_invalid=true):\n  - %s",
            len(invalid),
            total,
            listing,
        )
        return
    raise ConfigError(
        f"{len(invalid)} of {total} sweep combinations cannot be built:\n  - {listing}",
        key=getattr(invalid[0][1], "key", None),
        hint=(
            f"drop those values, or add build.skip_invalid=true to build the other {len(valid)} and skip these"
            if valid
            else "no combination of this sweep can be built"
        ),
    )


def _folders(valid: list) -> list[str]:
    """Each combination's folder name; names that would coincide (values that differ only in
    characters a folder name cannot hold) get a digest of their overrides appended."""
    names = [combo.folder(composed.target) for combo, composed in valid]
    return [
        n if names.count(n) == 1 else f"{n}__{records.digest(list(combo.overrides))[:8]}"
        for n, (combo, _) in zip(names, valid)
    ]


def _check_inputs(cfg) -> None:
    m = cfg.model
    files = (
        ("model.onnx", m.onnx),
        ("model.etlt", m.etlt),
        ("model.classmap", m.classmap),
        ("model.spec", m.spec),
    )
    for key, path in files:
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
