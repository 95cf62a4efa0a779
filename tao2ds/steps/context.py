"""What one run builds: the validated config of each selected target (or sweep combination) and
where its files go.

A sweep (``precision=fp16,int8``, see ``config.compose.expand_sweeps``) builds each combination into
its own folder; target-independent work (``_common``) is shared by every combination whose
``COMMON_CONFIG`` is the same, so it is done once per distinct model / calibration setting.

Pure: no doit. ``tao2ds.doit_ext.context`` makes one from doit's command-line variables; tests
make one from a list of overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional

from tao2ds.artifacts.layout import COMMON, CommonLayout, TargetLayout
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
from tao2ds.core.cache import check_remote
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
    check_places(composed.cfg)
    tb = TargetBuild(composed, TargetLayout.from_cfg(composed.cfg))
    _check_sink_files(tb)
    return RunContext(tuple(overrides), (tb,), lock=lock_path)


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
    for b in builds:
        check_places(b.cfg)
        _check_sink_files(b)
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


def file_problem(path: Path) -> str | None:
    """Why an input path is not a readable, non-empty file (None if it is one)."""
    try:
        if path.is_file():
            return "the file is empty" if path.stat().st_size == 0 else None
        if path.is_dir():
            return "is a directory, not a file"
        if path.is_symlink():
            return "is a symbolic link that leads nowhere (dangling, or a loop)"
        if path.exists():
            return "is not a regular file (a device, pipe or socket)"
    except OSError as e:  # a name too long, a permission problem on the way
        return f"cannot be read ({e.strerror})"
    return "file not found"


def _check_inputs(cfg) -> None:
    m = cfg.model
    files = (
        ("model.onnx", m.onnx),
        ("model.etlt", m.etlt),
        ("model.classmap", m.classmap),
        ("model.spec", m.spec),
        ("model.calibration_cache", m.calibration_cache),
    )
    for key, path in files:
        why = file_problem(Path(path)) if path is not None else None
        if why:
            raise InputError(f"{key}={path}: {why} (paths are relative to {Path.cwd()})", key=key, file=path)

    for i, src in enumerate(cfg.pipeline.sources):
        if not ds_sources.is_local(src.uri):
            continue
        try:
            files = ds_sources.local_files(src.uri)
        except OSError as e:  # a name too long, a folder that cannot be listed
            files, why = [], f"cannot be read ({e.strerror})"
        else:
            why = file_problem(ds_sources.local_path(src.uri)) if not files else None
        bad = next((f for f in files if file_problem(f)), None)
        if bad is not None:  # a video, or one frame of a sequence (named)
            why = (f"{bad}: " if bad != ds_sources.local_path(src.uri) else "") + str(file_problem(bad))
        if why:
            raise InputError(
                f"pipeline.sources[{i}].uri={src.uri}: {why} (paths are relative to {Path.cwd()})",
                key=f"pipeline.sources[{i}].uri",
                file=src.uri,
            )
    _check_media_names(cfg)
    det = cfg.pipeline.detector.config
    if str(cfg.pipeline.topology) == "detect_classify" and det:
        why = file_problem(Path(det))
        if why:
            raise InputError(
                f"pipeline.detector.config={det}: {why}", key="pipeline.detector.config", file=det
            )


def _check_media_names(cfg) -> None:
    """Local sources are staged as media/<file name>: two different files may not share a name."""
    seen: dict[str, tuple[int, Path]] = {}
    for i, src in enumerate(cfg.pipeline.sources):
        if not ds_sources.is_local(src.uri):
            continue
        for f in ds_sources.local_files(src.uri):
            first = seen.setdefault(f.name, (i, f))
            if first[1].resolve() != f.resolve():
                raise InputError(
                    f"pipeline.sources[{i}].uri={src.uri}: {f} and {first[1]} (pipeline.sources[{first[0]}]) "
                    f"are different files with one name; both would be staged as "
                    f"{ds_sources.MEDIA_DIR}/{f.name}",
                    key=f"pipeline.sources[{i}].uri",
                    file=f,
                    hint="rename one of them",
                )


def check_places(cfg) -> None:
    """Where the build writes: build.dir, cache.dir (and cache.remote), engine.known_hosts when a
    device is reached. Refused before any task runs, naming the key, instead of a failed write
    in the middle of a build."""
    try:
        _check_places(cfg)
    except OSError as e:  # a name too long for the file system, a folder that cannot be searched
        raise ConfigError(
            f"cannot use {e.filename}: {e.strerror}", value=e.filename, hint="check build.dir and cache.dir"
        ) from None


def _check_places(cfg) -> None:
    raw = str(cfg.build.dir)
    if not raw.strip():
        raise ConfigError(
            "build.dir is empty: targets would be written into the project itself",
            key="build.dir",
            value=raw,
            hint="use build.dir=build (the default) or another folder of its own",
        )
    _not_the_project("build.dir", raw, "targets", "build")
    _writable_dir("build.dir", raw)
    for sub in (str(cfg.target.name), COMMON):
        folder = Path(raw) / sub
        if folder.exists() and not folder.is_dir():
            raise ConfigError(
                f"build.dir={raw}: {folder} is a file where the build folder goes",
                key="build.dir",
                value=raw,
                hint=f"remove or move {folder}",
            )
    if cfg.cache.dir:
        _not_the_project("cache.dir", str(cfg.cache.dir), "cache entries and objects", ".tao2ds-cache")
        _writable_dir("cache.dir", str(cfg.cache.dir))
        if cfg.cache.remote:
            check_remote(str(cfg.cache.remote))
    elif cfg.cache.remote:
        raise ConfigError(
            f"cache.remote={cfg.cache.remote} without cache.dir: the remote cache works through a local "
            "one, so it would be ignored",
            key="cache.remote",
            value=str(cfg.cache.remote),
            hint="set cache.dir (default .tao2ds-cache) or drop cache.remote",
        )
    if cfg.target.host:
        kh = Path(str(cfg.engine.known_hosts))
        if kh.is_dir():
            raise ConfigError(
                f"engine.known_hosts={kh} is a directory; it must be a file (SSH host keys are pinned there)",
                key="engine.known_hosts",
                value=str(kh),
            )
        _writable_dir("engine.known_hosts", str(kh.parent), of=str(kh))


def _check_sink_files(tb: TargetBuild) -> None:
    """A file sink must not write over one of the build's own files when the pipeline runs."""
    L = tb.layout
    own = {
        L.onnx, L.qdq_onnx, L.calibration_cache, L.engine, L.engine_sidecar, L.timing_cache, L.labels,
        L.nvinfer_config, L.app_config, L.manifest, L.resolved_config, L.lock, L.media_dir, L.detector_dir,
    }  # fmt: skip
    for n, sink in enumerate(tb.cfg.pipeline.sinks):
        name = sink.output_file
        if name and (L.root / name) in own:
            raise ConfigError(
                f"pipeline.sinks[{n}].output_file={name}: that is one of the build's own files in "
                f"{L.root}; running the pipeline would overwrite it",
                key=f"pipeline.sinks[{n}].output_file",
                value=name,
                hint="choose another name, e.g. out.mp4",
            )


def _not_the_project(key: str, raw: str, what: str, default: str) -> None:
    place, here = Path(raw).resolve(), Path.cwd().resolve()
    if place == here or place in here.parents:
        raise ConfigError(
            f"{key}={raw} is {'the project folder' if place == here else 'a folder containing the project'} "
            f"({here}): {what} would be written among the project's own files",
            key=key,
            value=raw,
            hint=f"use {key}={default} (the default) or another folder of its own",
        )


def _writable_dir(key: str, raw: str, of: str | None = None) -> None:
    """``raw`` is a directory tao2ds can write in, or one it can create."""
    what = f"{key}={of or raw}"
    path = Path(raw)
    probe = path
    while not probe.exists() and probe != probe.parent:  # the nearest part that exists
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(
            f"{what}: {probe} is a file, not a directory",
            key=key,
            value=of or raw,
            hint=f"point {key} elsewhere, or move {probe} away",
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{what}: {probe} is not writable by this user",
            key=key,
            value=of or raw,
            hint=f"point {key} at a folder you can write to, or fix the permissions of {probe}",
        )
