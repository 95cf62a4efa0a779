"""A build step, declared once.

A ``Step`` names its function, the files it reads (``inputs``), the files it writes
(``outputs``) and the typed values it takes (``params``), each by the keyword the function takes
it under. Everything else is derived from this one declaration: the call (``run``), its record
(``record``: what the artifact cache, the up-to-date check, the manifest and ``doit explain``
use), and, in ``tao2ds.doit_ext``, doit's task dict (file_dep, targets, uptodate, meta).

``config`` maps a param's keyword to the config path it comes from, so a change is reported as
``config model.classifier_threshold: 0.5 → 0.7`` rather than by keyword.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, Union

from tao2ds.core import records

InputSpec = Union[Path, Sequence[Path], None]  # one file, a list of files, or an absent optional input


@dataclass(frozen=True)
class Step:
    kind: str  # what the step does: "labels", "nvinfer", … (doit basename, cache namespace)
    name: str  # which one: the target, or "model" for target-independent work
    fn: Callable[..., Any]
    inputs: Mapping[str, InputSpec] = field(default_factory=dict)
    outputs: Mapping[str, InputSpec] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, str] = field(default_factory=dict)  # param keyword → config path
    doc: str = ""
    cacheable: bool = True  # outputs may be restored from the artifact cache

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def input_files(self) -> list[Path]:
        return sorted(set(_files(self.inputs)), key=str)

    def output_files(self) -> list[Path]:
        return _files(self.outputs)

    def run(self) -> Any:
        """Call the function with exactly what the step declares."""
        return self.fn(**self.inputs, **self.outputs, **self.params)

    def recorded_params(self) -> dict[str, Any]:
        """Params by the names a user knows: the config path where there is one. A dataclass
        param names its fields' config paths in their metadata (``field(metadata=CONFIG(...))``)."""
        named: dict[str, Any] = {}
        for k, v in self.params.items():
            base = self.config.get(k, k)
            if dataclasses.is_dataclass(v) and not isinstance(v, type):
                for f in dataclasses.fields(v):
                    named[f.metadata.get("config", f"{base}.{f.name}")] = getattr(v, f.name)
            else:
                named[base] = v
        return records.params_of(named)

    def record(self, code: str, *, with_outputs: bool = True) -> records.StepRecord:
        """The record of a run: params, input hashes and (after the run) output hashes."""
        outs = records.hash_files(self.output_files()) if with_outputs else {}
        return records.StepRecord(
            kind=self.kind,
            params=self.recorded_params(),
            inputs=records.hash_files(self.input_files()),
            outputs=outs,
            code=code,
        )


def CONFIG(path: str) -> dict[str, str]:
    """Field metadata naming the config path a step param comes from."""
    return {"config": path}


def _files(spec: Mapping[str, InputSpec]) -> list[Path]:
    files: list[Path] = []
    for value in spec.values():
        if value is None:
            continue
        files.extend([Path(value)] if isinstance(value, (str, Path)) else [Path(v) for v in value])
    return files
