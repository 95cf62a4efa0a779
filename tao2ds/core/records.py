"""What was built from what: one canonical hash, one record per step run, one way to say why.

A ``StepRecord`` names a step's kind, the values it was run with (``params``, flattened to dotted
names: config paths where the value comes from the config), the content hashes of the files it
read and wrote, and the digest of tao2ds's code. The same record serves

* the up-to-date check (params and code as recorded; outputs still the recorded bytes),
* the artifact-cache key (``key()``: kind, params, input contents and code — not paths, so clones
  and target folders share entries),
* the engine key (the engine step's params include the probed builder environment),
* the manifest and the lock (the target's record: build config, source inputs, artifacts).

``differences`` turns two records into the reasons a user reads, in one vocabulary shared by
``doit explain``, the stale-build check, the engine rebuild message and the lock check::

    config model.classifier_threshold: 0.5 → 0.7
    input samples/model.onnx changed
    output labels.txt edited
    TensorRT 10.3.0 → 10.4.0          (a param with a display label)
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from pathlib import PurePath
from typing import Any, Iterator, Mapping, Optional

from tao2ds.core import fileio

CODE_KEY = "tao2ds code"


_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(obj: Any) -> Any:
    """JSON-plain form of typed values: dataclasses, enums, paths, tuples, mappings."""
    kind = type(obj)
    if kind in _PLAIN_SCALARS:  # exact types first (enums subclass str/int): the common case, fast
        return obj
    if kind is dict:
        return {str(k): plain(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return plain(obj.value)
    if isinstance(obj, PurePath):
        return obj.as_posix()
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def canonical_json(obj: Any) -> str:
    """The one serialisation every hash in tao2ds goes through."""
    return json.dumps(plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted names for nested values: ``{"model": {"batch_size": 1}}`` → ``model.batch_size``."""
    yield from _flatten_plain(plain(obj), prefix)


def _flatten_plain(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _flatten_plain(v, f"{prefix}{k}.")
    else:
        yield prefix.rstrip("."), value


@dataclasses.dataclass(frozen=True)
class StepRecord:
    kind: str
    params: Mapping[str, Any]  # flattened: dotted name → JSON-plain value
    inputs: Mapping[str, str]  # path as declared → sha256
    outputs: Mapping[str, str]  # path as declared → sha256
    code: str  # digest of tao2ds's sources

    def key(self) -> str:
        """Identity of the work: what determines the outputs (paths left out on purpose)."""
        return digest(
            {
                "kind": self.kind,
                "params": self.params,
                "code": self.code,
                "inputs": sorted(self.inputs.values()),
            }
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "inputs": dict(self.inputs),
            "outputs": dict(self.outputs),
            "code": self.code,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "StepRecord":
        return cls(
            kind=str(data["kind"]),
            params=dict(data["params"]),
            inputs=dict(data["inputs"]),
            outputs=dict(data["outputs"]),
            code=str(data["code"]),
        )


def params_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a step's typed params for its record."""
    return dict(flatten(values))


def hash_files(paths: Any, memo: Any = None) -> dict[str, str]:
    """{path: sha256} for the given files, sorted by path; a missing file maps to ''. With ``memo``
    (a ``core.hashmemo.HashMemo``) a file whose identity it knows is not read again."""
    sha256 = memo.sha256 if memo is not None else fileio.sha256_file
    out = {}
    for p in sorted({str(p) for p in paths}):
        try:
            out[p] = sha256(p)
        except OSError:
            out[p] = ""
    return out


def _show(value: Any, labelled: bool) -> str:
    if labelled:
        return "none" if value is None else str(value)
    return repr(value)


def param_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], labels: Optional[Mapping[str, str]] = None
) -> list[str]:
    labels = labels or {}
    out = []
    for k in sorted(set(old) | set(new), key=lambda k: (k not in labels, k)):
        a, b = old.get(k), new.get(k)
        if a == b:
            continue
        if k in labels:
            out.append(f"{labels[k]} {_show(a, True)} → {_show(b, True)}")
        else:
            out.append(f"config {k}: {_show(a, False)} → {_show(b, False)}")
    return out


def file_changes(
    old: Mapping[str, str], new: Mapping[str, str], role: str, changed: Optional[str] = None
) -> list[str]:
    """``role`` is "input" or "output"; an output that differs was edited by hand (or corrupted).
    ``changed`` overrides the verb for a changed file (the lock check says "differs from the lock")."""
    out = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        if b in (None, ""):
            out.append(f"{role} {path} missing" if a else f"{role} {path} dropped")
        elif a is None:
            out.append(f"new {role} {path}")
        else:
            out.append(f"{role} {path} {changed or ('changed' if role == 'input' else 'edited')}")
    return out


def differences(
    old: Optional[StepRecord],
    new: StepRecord,
    *,
    outputs: bool = False,
    labels: Optional[Mapping[str, str]] = None,
) -> list[str]:
    """Why ``new`` is not ``old``: config, code, inputs (and outputs when asked), in that order."""
    if old is None:
        return ["never built"]
    reasons = param_changes(old.params, new.params, labels)
    if old.code != new.code:
        reasons.append(f"{CODE_KEY} changed")
    reasons += file_changes(old.inputs, new.inputs, "input")
    if outputs:
        reasons += file_changes(old.outputs, new.outputs, "output")
    if not reasons and old.kind != new.kind:
        reasons.append(f"step kind {old.kind} → {new.kind}")
    return reasons
