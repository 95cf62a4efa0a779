"""Read a TAO (TF1) training spec: protobuf text format, parsed by protobuf's own text-format parser
against TAO's real message definitions (``tao_spec_schema``).

Two kinds of spec reach us (reference tao-tools.md §4.1, §4.3):

- the **multitask** ``Experiment`` that ``multitask_classification train`` reads
  (``random_seed``, ``model_config``, ``training_config``, ``dataset_config``). It has no
  ``preprocess_mode``: multitask training, evaluation and inference all call Keras
  ``preprocess_input`` without a mode, i.e. "caffe" (``nvidia_tao_tf1/cv/multitask_classification/
  scripts/{train,evaluate,inference}.py`` @2ec95cb);
- the **classification_tf1** ``Experiment`` (``train_config { preprocess_mode; image_mean { key: 'b'
  value: … } }``, ``eval_config``) of the seed document's table and of TAO Deploy's multitask docs,
  which TAO's multitask proto itself rejects ("no field named train_config").

Like TAO (``multitask_classification/utils/spec_loader.py``: ``text_format.Merge``), a field given
twice keeps its last value. The spec is read with each schema; the one that knows every field wins
(multitask on a tie). Otherwise a value error (wrong type, unknown enum name, syntax) is reported
with its line, and failing that the schema that misses the fewest fields is used; the fields it
does not know are skipped with a warning naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from tao2ds.core import fileio, log
from tao2ds.core.errors import ModelError

# the schema names, repeated here so that importing this module does not import protobuf (~0.1 s of
# every doit start); tao_spec_schema and protobuf load only when a spec is parsed
MULTITASK = "multitask_classification"
CLASSIFICATION = "classification_tf1"

logger = log.get(__name__)

SCHEMA_TITLES = {
    MULTITASK: "TAO multitask_classification Experiment",
    CLASSIFICATION: "TAO classification_tf1 Experiment (train_config/eval_config)",
}


@dataclass(frozen=True)
class TrainingSpec:
    """What tao2ds takes from a training spec (paths already resolved against the spec's folder)."""

    path: str
    schema: str  # MULTITASK or CLASSIFICATION
    input_image_size: Optional[tuple[int, int, int]]  # C, H, W
    resize_interpolation_method: str  # BILINEAR (proto3 default, also TAO's) or BICUBIC
    preprocess_mode: Optional[str]  # classification_tf1 train_config only
    image_mean: Optional[tuple[float, ...]]  # classification_tf1 only: B, G, R (or L for grayscale)
    train_csv_path: Optional[str]
    val_csv_path: Optional[str]
    image_directory_path: Optional[str]
    unknown_fields: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """The facts worth recording beside the preprocessing (manifest, preprocessing.json)."""
        return {
            "schema": self.schema,
            "input_image_size": list(self.input_image_size) if self.input_image_size else None,
            "resize_interpolation_method": self.resize_interpolation_method,
            "preprocess_mode": self.preprocess_mode,
        }

    def validation_set(self) -> Optional[tuple[Path, Path]]:
        """(val CSV, image folder) when the spec names both (multitask ``dataset_config``)."""
        if self.val_csv_path and self.image_directory_path:
            return Path(self.val_csv_path), Path(self.image_directory_path)
        return None


@lru_cache(maxsize=None)
def _parser_class():
    """protobuf's text parser, recording the fields it skips because the schema lacks them.

    ``allow_unknown_field=True`` makes ``_MergeField`` call ``_SkipFieldContents`` for a field the
    message type does not have (protobuf python ``text_format.py``, 4.25 … 7.x); we note the field's
    path and line there. Fields nested inside a skipped field are not reported again.
    """
    from google.protobuf import text_format  # deferred: see the note at MULTITASK

    class _Parser(text_format._Parser):  # noqa: SLF001
        def __init__(self) -> None:
            super().__init__(allow_unknown_field=True)
            self.unknown: list[str] = []
            self._path: list[str] = []
            self._skipping = 0

        def _MergeMessageField(self, tokenizer, message, field):  # noqa: N802
            self._path.append(field.name)
            try:
                return super()._MergeMessageField(tokenizer, message, field)
            finally:
                self._path.pop()

        def _SkipFieldContents(self, tokenizer, field_name, immediate_message_type):  # noqa: N802
            if not self._skipping:
                where = ".".join([*self._path, field_name])
                self.unknown.append(f"{where} (line {tokenizer._previous_line + 1})")  # noqa: SLF001
            self._skipping += 1
            try:
                return super()._SkipFieldContents(tokenizer, field_name, immediate_message_type)
            finally:
                self._skipping -= 1

    return _Parser


def _parse_as(text: str, schema: str):
    from tao2ds.model.tao_spec_schema import experiment_class  # deferred: imports protobuf

    parser = _parser_class()()
    message = experiment_class(schema)()
    parser.MergeLines(text.split("\n"), message)
    return message, parser.unknown


def parse_spec_text(text: str, where: str = "spec", base_dir: Optional[Path] = None) -> TrainingSpec:
    """Parse spec text; ``where`` names it in messages, ``base_dir`` anchors its relative paths."""
    from google.protobuf.text_format import ParseError  # deferred: see the note at MULTITASK

    results: dict[str, tuple[Any, list[str]]] = {}
    errors: dict[str, Any] = {}
    for schema in (MULTITASK, CLASSIFICATION):
        try:
            results[schema] = _parse_as(text, schema)
        except ParseError as e:
            errors[schema] = e
        except RecursionError:  # protobuf's text parser recurses per '{'; a training spec nests a few levels
            raise ModelError(
                f"{where}: blocks nested too deeply to be a TAO training spec", file=where
            ) from None
    clean = [s for s in results if not results[s][1]]
    if not clean and errors:
        # a schema that knows the fields but not the value beats one that skips whole blocks
        e = errors.get(MULTITASK) or errors[CLASSIFICATION]
        line = f"{e.GetLine()}:{e.GetColumn()}: " if e.GetLine() else ""
        raise ModelError(
            f"{where}:{line}not a TAO training spec: {_message_of(e)}",
            file=where,
            hint="the spec is protobuf text (TAO's multitask Experiment); set model.spec=null to go without",
        )
    schema = min(results, key=lambda s: (len(results[s][1]), s != MULTITASK))
    message, unknown = results[schema]
    if unknown:
        logger.warning(
            "%s: field(s) that the %s does not have, ignored: %s",
            where,
            SCHEMA_TITLES[schema],
            ", ".join(unknown),
        )
    spec = _extract(message, schema, where, base_dir, tuple(unknown))
    if schema == CLASSIFICATION:
        logger.info(
            "%s: read as a %s, the schema of the seed document's table and TAO Deploy's docs; TAO's multitask "
            "training itself does not accept it and always preprocesses as caffe",
            where,
            SCHEMA_TITLES[schema],
        )
        if spec.preprocess_mode and spec.preprocess_mode != "caffe":
            logger.warning(
                "%s: train_config.preprocess_mode is '%s', but TAO multitask models always train with caffe "
                "preprocessing; check that this spec belongs to the model",
                where,
                spec.preprocess_mode,
            )
    return spec


def _message_of(e) -> str:
    text = str(e)
    # ParseError's text starts with "line:column : " when it knows them; we print those ourselves
    head, sep, rest = text.partition(" : ")
    text = rest if sep and head.replace(":", "").isdigit() else text
    text = re.sub(r"^'[^\n]*?': ", "", text)  # some messages quote the whole line first; we give its number
    return re.sub(r"tao2ds_spec\.\w+\.", "", text)  # our pools' package prefix means nothing to a user


def _extract(message, schema: str, where: str, base_dir: Optional[Path], unknown: tuple) -> TrainingSpec:
    mc = message.model_config
    size = _image_size(mc.input_image_size, where) if mc.input_image_size else None
    interp = (
        mc.DESCRIPTOR.fields_by_name["resize_interpolation_method"]
        .enum_type.values_by_number[mc.resize_interpolation_method]
        .name
    )
    mode = mean = None
    train_csv = val_csv = images = None
    if schema == MULTITASK:
        ds = message.dataset_config
        train_csv, val_csv, images = (
            _resolve(p, base_dir) for p in (ds.train_csv_path, ds.val_csv_path, ds.image_directory_path)
        )
    else:
        tc = message.train_config
        mode = tc.preprocess_mode or None
        mean = _image_mean(dict(tc.image_mean), where) if tc.image_mean else None
    return TrainingSpec(
        path=where,
        schema=schema,
        input_image_size=size,
        resize_interpolation_method=interp,
        preprocess_mode=mode,
        image_mean=mean,
        train_csv_path=train_csv,
        val_csv_path=val_csv,
        image_directory_path=images,
        unknown_fields=unknown,
    )


def _image_size(text: str, where: str) -> tuple[int, int, int]:
    try:
        c, h, w = (int(p) for p in text.split(","))
    except ValueError:
        raise ModelError(
            f"{where}: model_config.input_image_size {text!r} is not 'C,H,W' (e.g. \"3,80,60\")",
            file=where,
            value=text,
        ) from None
    return c, h, w


def _image_mean(by_key: dict[str, float], where: str) -> tuple[float, ...]:
    keys = {k.lower(): v for k, v in by_key.items()}
    if set(keys) == {"l"}:  # classification_tf1 writes a grayscale mean as key 'l'
        return (float(keys["l"]),)
    try:
        return tuple(float(keys[c]) for c in "bgr")
    except KeyError:
        raise ModelError(
            f"{where}: train_config.image_mean needs keys b, g and r (or l alone for grayscale); got {sorted(keys)}",
            file=where,
        ) from None


def _resolve(path: str, base_dir: Optional[Path]) -> Optional[str]:
    if not path:
        return None
    p = Path(path)
    return str(p if p.is_absolute() or base_dir is None else base_dir / p)


def load_spec(path: str | Path) -> TrainingSpec:
    """Parse a spec file; relative dataset paths in it are taken relative to its folder."""
    try:
        text = fileio.read_text(path, ModelError)
    except FileNotFoundError:
        raise ModelError(
            f"training spec not found: {path} (set model.spec=<path> or model.spec=null)", file=path
        ) from None
    except UnicodeDecodeError as e:
        raise ModelError(f"{path}: not a text file ({e.reason} at byte {e.start})", file=path) from None
    return parse_spec_text(text, str(path), Path(path).parent)
