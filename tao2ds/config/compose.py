"""Compose the Hydra config for one or more targets and validate it against the schemas.

doit hands us its command-line ``key=value`` variables; those are Hydra overrides, except
``targets=a,b`` (or ``targets=all``), which selects several targets: the config is composed
once per target with the same overrides plus ``target=<name>``. Any other value may be a sweep in
Hydra's grammar (``precision=fp16,int8``, ``x=range(1,4)``, ``precision=glob(fp*)``): the config is
composed once per combination (``expand_sweeps``).
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
import re
import typing
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, List

from tao2ds.config.view import ConfigView, view
from tao2ds.core import fileio, hashmemo, log
from tao2ds.core.errors import ConfigError, InputError, WriteError
from tao2ds.core.fileio import write_text
from tao2ds.core.records import digest
from tao2ds.deepstream import releases

if typing.TYPE_CHECKING:
    from omegaconf import DictConfig

logger = log.get(__name__)

logger = log.get(__name__)
CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
GROUPS = ("model", "target", "precision", "pipeline")
MULTI_TARGET_KEY = "targets"
# where and how, not what: not recorded
RUNTIME_SECTIONS = ("build", "run", "verify", "cache", "log", "profile", "report")
# A target's name is its folder under build.dir: no path separators or dots ('..'), and no leading
# '_' (build.dir/_common is the target-independent folder) or '-'.
TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def group_options(group: str, conf_dir: Path = CONF_DIR) -> list[str]:
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml") if p.is_file())


@dataclass(frozen=True)
class Combination:
    """One build of a sweep: its Hydra overrides and the swept (key, value) pairs that single it out."""

    overrides: tuple[str, ...]
    swept: tuple[tuple[str, str], ...] = ()  # (key, value) in command-line order; target first

    def describe(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.swept) or "the build"

    def folder(self, target: str) -> str:
        """``<target>`` when at most the target is swept (today's layout), else ``<target>__<part>…``:
        a group option by its value (``int8``), any other key as ``<leaf>-<value>``
        (``classifier_threshold-0.7``), characters outside ``[A-Za-z0-9._-]`` as ``_``."""
        rest = [(k, v) for k, v in self.swept if k != "target"]
        if not rest:
            return target
        leaves = [k.rsplit(".", 1)[-1] for k, _ in rest]
        parts = [target]
        for (key, value), leaf in zip(rest, leaves):
            label = key if leaves.count(leaf) > 1 else leaf
            parts.append(value if key in GROUPS else f"{label}-{value}")
        return "__".join(_UNSAFE.sub("_", p) for p in parts)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _sweep_values(override: str, conf_dir: Path) -> list[str] | None:
    """The values of a sweep override in Hydra's grammar, or None when it is a plain override."""
    key, _, value = override.partition("=")
    if "," not in value and "(" not in value:
        return None  # no sweep without a comma or a sweep function: skip Hydra's parser (start-up time)
    from hydra.core.override_parser.overrides_parser import (  # deferred: only a sweep needs the grammar
        OverridesParser,
    )
    from hydra.core.override_parser.types import ValueType
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_override(override)
    except HydraException as e:  # the grammar's syntax errors are raised as the base class
        raise ConfigError(f"cannot parse override '{override}': {e}", key=key, value=value) from None
    if not parsed.is_sweep_override():
        return None
    if parsed.is_interval_sweep():
        raise ConfigError(
            f"'{override}': an interval has no list of values to build; give them (a,b,c) or range(start,stop,step)",
            key=key,
            value=value,
        )
    group = key.lstrip("+")
    if parsed.value_type == ValueType.GLOB_CHOICE_SWEEP:
        if group not in GROUPS:
            raise ConfigError(f"'{override}': glob() selects options of a config group ({', '.join(GROUPS)})")
        values = parsed.value().filter(group_options(group, conf_dir))
    else:
        values = list(parsed.sweep_string_iterator())
    values = list(dict.fromkeys(values))  # each combination once
    if not values:
        raise ConfigError(f"'{override}' selects no value", key=group, value=value)
    return values


def expand_sweeps(overrides: Iterable[str], conf_dir: Path = CONF_DIR) -> list[Combination]:
    """Every combination of the swept values (targets first, then command-line order), each once."""
    plain: list[str] = []
    sweeps: list[tuple[str, list[str]]] = []
    for ov in overrides:
        key = ov.partition("=")[0]
        values = None if key == MULTI_TARGET_KEY else _sweep_values(ov, conf_dir)
        if values is None:
            plain.append(ov)
        elif key.lstrip("+") == "target":
            plain.append(f"{MULTI_TARGET_KEY}={','.join(values)}")
        else:
            sweeps.append((key, values))
    multi = any(o.partition("=")[0] == MULTI_TARGET_KEY for o in plain)
    targets, rest = split_targets(plain, conf_dir)
    combos = []
    for target, *chosen in itertools.product(targets, *(values for _, values in sweeps)):
        ovs = [*rest, *([] if target is None or not multi else [f"target={target}"])]
        ovs += [f"{key}={v}" for (key, _), v in zip(sweeps, chosen)]
        swept = ([("target", target)] if multi and len(targets) > 1 else []) + [
            (key.lstrip("+"), v) for (key, _), v in zip(sweeps, chosen)
        ]
        combos.append(Combination(tuple(ovs), tuple(swept)))
    return combos


def split_targets(overrides: Iterable[str], conf_dir: Path = CONF_DIR) -> tuple[list[str], list[str]]:
    """Separate ``targets=a,b`` from the Hydra overrides; return (targets, overrides)."""
    targets: list[str] = []
    rest: list[str] = []
    single: str | None = None
    for ov in overrides:
        key, _, value = ov.partition("=")
        if key == MULTI_TARGET_KEY:
            names = (
                group_options("target", conf_dir) if value == "all" else [v for v in value.split(",") if v]
            )
            if not names:
                raise ConfigError(
                    f"'{ov}' names no target; valid targets: {', '.join(group_options('target', conf_dir))}, or 'all'"
                )
            targets.extend(n for n in names if n not in targets)
        else:
            if key == "target":
                single = value
            rest.append(ov)
    if targets and single is not None:
        raise ConfigError("give either target=<name> or targets=<a,b,...>, not both")
    if not targets:
        targets = [single] if single is not None else [None]  # type: ignore[list-item]
    valid = group_options("target", conf_dir)
    for t in targets:
        if t is not None and t not in valid:
            raise ConfigError(_unknown_choice("target", t, valid))
    return targets, rest


@dataclass(frozen=True)
class Composed:
    """One target's validated config: plain values (what tasks hash), read through ``cfg``."""

    _plain: dict  # resolved, validated, enums as their names

    @cached_property
    def cfg(self) -> ConfigView:
        """Read-only attribute access to the values: ``cfg.model.onnx``, ``str(cfg.precision.name)``."""
        return view(self._plain)

    @property
    def target(self) -> str:
        return str(self._plain["target"]["name"])

    @cached_property
    def obj(self) -> Any:
        """The schema's dataclass objects (``RootConfig``), enums as members: typed values.
        (The build steps read ``cfg``: importing the schema's dataclasses costs a no-op run
        about 15 ms, and the values are the same ones, already validated.)"""
        from tao2ds.config.schema import RootConfig  # deferred: see above

        return from_plain(RootConfig, self._plain)

    def to_dict(self) -> dict:
        """The config as plain JSON-able values (shared: do not modify it)."""
        return self._plain

    def build_config(self) -> dict:
        """The part of the config that determines the artifacts: what manifests and locks record.
        Where it is written, how it is run, verified or cached (build, run, verify, cache) changes
        no artifact, so those sections are left out and a build directory stays relocatable."""
        return {k: v for k, v in self.to_dict().items() if k not in RUNTIME_SECTIONS}


def from_plain(cls: type, data: Any) -> Any:
    """Instantiate a schema dataclass from validated plain values (faster than OmegaConf's
    ``to_object`` on an untyped config, which a no-op run would otherwise pay per target)."""
    return _converter(cls)(data)


def _identity(value: Any) -> Any:
    return value


@lru_cache(maxsize=None)
def _converter(tp: Any) -> Callable[[Any], Any]:
    """A function that turns a plain value into ``tp``, worked out once per type."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:
        inner = _converter(next(a for a in args if a is not type(None)))
        return lambda value: None if value is None else inner(value)
    if origin in (list, List):
        item = _converter(args[0])
        return lambda value: None if value is None else [item(v) for v in value]
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(tp)]

        def build(value: Any) -> Any:
            if value is None:
                return None
            return tp(**{name: conv(value[name]) for name, conv in fields if name in value})

        return build
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda value: None if value is None else tp(value)  # names are values (an alias too)
    return _identity


def compose(overrides: list[str], conf_dir: Path = CONF_DIR) -> Composed:
    """Compose one config (one target) and validate it against ``RootConfig``."""
    import yaml
    from hydra import compose as hydra_compose  # deferred: a cached compose skips Hydra entirely
    from hydra import initialize_config_dir
    from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
    from omegaconf import open_dict

    _check_control_characters(overrides)
    _check_group_choices(overrides, conf_dir)
    _refuse_secret_values(overrides)
    _register_schema()
    try:
        with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
            raw = hydra_compose(config_name="config", overrides=overrides, return_hydra_config=True)
    except MissingConfigException as e:
        raise ConfigError(_explain_missing(e, conf_dir)) from None
    except OverrideParseException as e:
        raise ConfigError(f"cannot parse override: {e}") from None
    except ConfigCompositionException as e:
        cause = e.__cause__ or e.__context__ or e  # Hydra re-raises OmegaConf's error without 'from'
        lines = str(e).splitlines()
        detail = (
            lines[1] if len(lines) > 1 and lines[0].endswith("raised while composing config:") else str(e)
        )
        raise ConfigError(_in_file(str(e), conf_dir) + _explain_omegaconf(cause, detail)) from None
    except yaml.YAMLError as e:
        raise ConfigError(_explain_yaml(e), key=None, hint="fix the YAML syntax of that file") from None
    except UnicodeDecodeError:
        raise ConfigError(_undecodable(conf_dir), hint="save it as UTF-8") from None
    chosen = raw.hydra.runtime.choices.get("target")
    with open_dict(raw):
        del raw["hydra"]
    composed = validate(raw)
    _check_target_file(composed.target, chosen, conf_dir)
    return composed


def _check_target_file(name: str, chosen: str | None, conf_dir: Path) -> None:
    """A target's name equals its YAML file's: two files with one name would share a folder."""
    if chosen is None or name == chosen:
        return
    path = conf_dir / "target" / f"{chosen}.yaml"
    raise ConfigError(
        f"target.name={name} but the target's file is {path}: a target's name must equal its "
        f"file name, since it names the build folder <build.dir>/{name}/ (a copied target that "
        "kept another's name would overwrite that target's folder)",
        key="target.name",
        file=path,
        value=name,
        hint=f"set 'name: {chosen}' in {path}"
        + ("" if TARGET_NAME.fullmatch(chosen) else ", after renaming the file to a plain identifier"),
    )


def validate(raw: Any) -> Composed:
    """Check a raw config (an OmegaConf ``DictConfig`` or plain mapping) against ``RootConfig``."""
    from omegaconf import DictConfig, OmegaConf  # deferred: a cached compose never needs OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from tao2ds.config.schema import RootConfig  # deferred, as OmegaConf (start-up time)

    schema = OmegaConf.structured(RootConfig)
    try:
        plain = OmegaConf.to_container(raw, resolve=False) if isinstance(raw, DictConfig) else raw
        cfg = OmegaConf.merge(schema, plain)  # re-checks keys a '+key=' override slipped past Hydra
        derive_target_versions(cfg)
        values = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True, enum_to_str=True)
    except OmegaConfBaseException as e:
        raise ConfigError(_explain_omegaconf(e, str(e))) from None
    name = str(values["target"]["name"])
    if not TARGET_NAME.fullmatch(name):
        raise ConfigError(
            f"target.name={name!r}: a target's name must be a plain identifier (letters, digits, '_' "
            "and '-', starting with a letter or digit), since it names the folder <build.dir>/<name>/",
            key="target.name",
            value=name,
            hint="name the target like its file in conf/target/ (e.g. jetson_orin)",
        )
    return Composed(values)  # type: ignore[arg-type]


SECRET_KEYS = ("model.key",)  # a secret as a config value would be written to config.yaml and the lock


def _secret_error(key: str) -> ConfigError:
    return ConfigError(
        f"{key} cannot be given as a config value: Hydra would record the key in config.yaml",
        key=key,
        hint="export TAO2DS_MODEL_KEY=<key> (or the variable model.key_env names), or set "
        "model.key_file=<file holding the key>",
    )


def _refuse_secret_values(overrides: Iterable[str]) -> None:
    """``model.key=...`` is refused before Hydra sees it; the message never repeats the value."""
    for ov in overrides:
        key = ov.lstrip("+~").partition("=")[0]
        if key in SECRET_KEYS:
            raise _secret_error(key)


def derive_target_versions(cfg: DictConfig) -> None:
    """Fill target.deepstream / tensorrt / cuda / python / jetpack / l4t from the release table
    (``deepstream.releases``), refusing a release the hardware cannot run or a hand-set version the
    release does not ship; the composed config (and the target's config.yaml) then shows them."""
    t = cfg.target
    given = {k: (None if t[k] is None else str(t[k])) for k in releases.DERIVED_KEYS}
    warnings: list[str] = []
    derived = releases.resolve_target(
        str(t.name), str(t.platform), str(t.gpu.compute_capability), t.deepstream, given, warnings
    )
    for message in warnings:
        logger.warning("%s", message)
    for key, value in derived.items():
        t[key] = value


def _in_file(message: str, conf_dir: Path) -> str:
    """Hydra's "In 'target/x86_dgpu': …" as the file it means, when the problem is in one."""
    m = re.match(r"In '([^']+)'", message)
    path = conf_dir / f"{m.group(1)}.yaml" if m else None
    return f"{path}: " if path is not None and path.is_file() else ""


def _explain_missing(e: BaseException, conf_dir: Path) -> str:
    """A group option named in a defaults list (conf/config.yaml) that has no file."""
    m = re.search(r"In '([^']+)': Could not find '([^'/]+)/([^']+)'", str(e))
    if not m or m.group(2) not in GROUPS:
        return str(e).splitlines()[0]
    where, group, option = m.groups()
    return f"{conf_dir / (where + '.yaml')}: the defaults list chooses " + _unknown_choice(
        group, option, group_options(group, conf_dir)
    )


def _undecodable(conf_dir: Path) -> str:
    """Hydra reads conf files as UTF-8 and does not say which one failed: find it."""
    for path in sorted(conf_dir.rglob("*.yaml")):
        try:
            fileio.read_text(path)
        except (InputError, OSError) as e:
            return str(e.message if isinstance(e, InputError) else e)
    return f"a file under {conf_dir} is not UTF-8 text"


def _explain_yaml(e: BaseException) -> str:
    """PyYAML's error as one line: file, line, column, problem."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    if mark is None:
        return f"invalid YAML under conf/: {problem}"
    return f"{mark.name}: not valid YAML (line {mark.line + 1}, column {mark.column + 1}: {problem})"


def _register_schema() -> None:
    """Make the schema the base of the defaults list, so every schema key can be overridden."""
    from hydra.core.config_store import ConfigStore

    from tao2ds.config.schema import RootConfig  # deferred (start-up time)

    ConfigStore.instance().store(name="tao2ds_schema", node=RootConfig)


def _check_control_characters(overrides: list[str]) -> None:
    """A line break (or another control character) in a command-line value: no config value may
    hold one (DeepStream's key files end a value at the line break), and Hydra's override lexer
    would only say it cannot tokenize it."""
    for ov in overrides:
        bad = next((c for c in ov if ord(c) < 0x20 or ord(c) == 0x7F), None)
        if bad is not None:
            key = ov.partition("=")[0].lstrip("+~")
            what = "a line break" if bad in "\r\n" else f"the control character {bad!r}"
            raise ConfigError(
                f"{key}: the value given on the command line ({ov!r}) holds {what}; config values are single-line",
                key=key,
                value=ov.partition("=")[2],
                hint="remove it (in a shell, $'...' and pasted text can bring one in)",
            )


def _check_group_choices(overrides: list[str], conf_dir: Path) -> None:
    for ov in overrides:
        key, sep, value = ov.lstrip("+").partition("=")
        if sep and key in GROUPS:
            valid = group_options(key, conf_dir)
            if value not in valid:
                raise ConfigError(_unknown_choice(key, value, valid))


def _unknown_choice(group: str, value: str, valid: list[str]) -> str:
    import difflib  # deferred: error messages only (start-up time)

    hint = difflib.get_close_matches(value, valid, n=1)
    msg = f"unknown {group} '{value}'; valid choices: {', '.join(valid)}"
    if hint:
        msg += f" (did you mean '{hint[0]}'?)"
    if group == "target":
        msg += f". A new target is one YAML file in {CONF_DIR / 'target'}"
    return msg


def _explain_omegaconf(e: BaseException, fallback: str) -> str:
    """Turn OmegaConf's errors into one line naming the key and what it accepts."""
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError  # deferred, as above

    key = getattr(e, "full_key", None)
    if str(key) in SECRET_KEYS:  # e.g. 'key:' in a model YAML file
        return str(_secret_error(str(key)))
    if isinstance(e, (ConfigKeyError, ConfigAttributeError)) and key:
        parent, _, leaf = str(key).rpartition(".")
        valid = _valid_keys(parent)
        import difflib  # deferred, as above

        hint = difflib.get_close_matches(leaf, valid, n=1)
        msg = f"unknown config key '{key}'"
        if valid:
            msg += f"; valid keys under '{parent or '<root>'}': {', '.join(valid)}"
        if hint:
            msg += f" (did you mean '{(parent + '.') if parent else ''}{hint[0]}'?)"
        return msg
    if isinstance(e, ValidationError) and key:
        first = _canonical_choices(str(e).splitlines()[0])
        return f"invalid value for '{key}': {first}"
    if key and "Missing mandatory value" in str(e):
        return f"missing value for '{key}': set it in the config or on the command line ({key}=...)"
    first = fallback.splitlines()[0] if fallback else repr(e)
    return f"invalid value for '{key}': {first}" if key else first


def _canonical_choices(message: str) -> str:
    """OmegaConf lists an enum's aliases among its choices (run.backend: deepstream_app): name each
    member once, by its canonical name."""
    m = re.search(r"expected one of \[(.*)\]", message)
    if not m:
        return message
    from tao2ds.config import schema  # deferred: the schema's dataclasses only when explaining an error

    names = [n.strip() for n in m.group(1).split(",")]
    aliases = {
        alias
        for enum_cls in vars(schema).values()
        if isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum)
        for alias, member in enum_cls.__members__.items()
        if alias != member.name
    }
    return message.replace(m.group(1), ", ".join(n for n in names if n not in aliases))


def _valid_keys(dotted_parent: str) -> list[str]:
    from omegaconf import DictConfig, OmegaConf  # deferred, as above

    from tao2ds.config.schema import RootConfig

    node = OmegaConf.structured(RootConfig)
    for part in filter(None, dotted_parent.split(".")):
        try:
            node = node[part]
        except Exception:
            return []
        if not isinstance(node, DictConfig):
            return []
    return sorted(str(k) for k in node.keys())


class ComposeCache:
    """Validated configs by (overrides, conf/ contents, tao2ds config code), so a no-op ``doit`` run
    skips Hydra composition (about 0.1 s per target). One small JSON file per entry in ``path``
    (a sweep stores one per combination; a run reads only its own); entries are plain dicts that
    passed ``validate``."""

    MAX_ENTRIES = 256

    def __init__(self, path: Path, conf_dir: Path = CONF_DIR):
        self.path, self.conf_dir = Path(path), conf_dir
        self._conf_digest: str | None = None
        self.pending: dict[str, dict] = {}

    def _key(self, overrides: list[str]) -> str:
        if self._conf_digest is None:
            sha256_file = hashmemo.default().sha256  # unchanged files are not read again
            conf = {
                p.relative_to(self.conf_dir).as_posix(): sha256_file(p)
                for p in sorted(self.conf_dir.rglob("*.yaml"))
                if p.is_file()
            }
            code = {
                p.name: sha256_file(p)
                for p in [*sorted(Path(__file__).parent.glob("*.py")), Path(releases.__file__)]
            }  # schema, composition, the release table versions are derived from
            self._conf_digest = digest([conf, code])
        return digest([self._conf_digest, overrides])[:32]

    def get(self, overrides: list[str]) -> Composed | None:
        try:
            data = json.loads((self.path / f"{self._key(overrides)}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Composed(data) if isinstance(data, dict) else None  # validated when stored

    def put(self, overrides: list[str], composed: Composed) -> None:
        self.pending[self._key(overrides)] = composed.to_dict()

    def save(self) -> None:
        if not self.pending:
            return
        try:
            for key, data in self.pending.items():
                write_text(self.path / f"{key}.json", json.dumps(data))
            entries = sorted(self.path.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in entries[: max(0, len(entries) - self.MAX_ENTRIES)]:
                old.unlink(missing_ok=True)
        except (OSError, WriteError) as e:  # only a speed-up: the next run composes again
            logger.warning(
                "cannot save the compose cache %s (%s); continuing without it",
                self.path,
                getattr(e, "message", e),
            )
        self.pending.clear()
