"""The nvinfer labels file for a multitask classifier.

nvinfer maps labels-file line *i* to engine output *i* (deepstream.md §3.1), so lines follow the
graph's (or the built engine's) output order, never classmap.json's ``tasks`` order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from tao2ds.core import fileio
from tao2ds.core.errors import ModelError

MAX_LABEL_BYTES = 127  # nvinfer copies labels into a 128-byte buffer (MAX_LABEL_SIZE)
_SEPARATORS = "/_:.-"
# Everything str.splitlines() splits on: a name holding one would end its labels-file / config line early.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def name_problem(name: str) -> str | None:
    """Why a model name (class, task, tensor) cannot go into nvinfer's ';'-separated, line-based files."""
    if "\0" in name:
        return "contains a NUL character"
    if ";" in name:
        return "contains ';', the separator of nvinfer's lists (labels file, output-blob-names)"
    if any(c in LINE_BREAKS for c in name):
        return "contains a line break"
    return None


@dataclass(frozen=True)
class Labels:
    """What the labels file holds, one entry per engine output (deepstream.labels writes it)."""

    tasks: tuple[str, ...]  # task of line i
    classes: tuple[tuple[str, ...], ...]  # class names of line i, in class-index order


def load_classmap(path: str | Path) -> dict[str, list[str]]:
    """Read TAO's classmap.json into {task: [class names in index order]}."""
    try:
        raw = json.loads(fileio.read_text(path, ModelError))
    except FileNotFoundError:
        raise ModelError(f"classmap not found: {path} (set model.classmap=<path>)") from None
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not valid JSON ({e})") from None
    except RecursionError:
        raise ModelError(f"{path}: JSON nested too deeply to be a classmap", file=path) from None
    mapping = raw.get("class_mapping") if isinstance(raw, dict) else None
    if not isinstance(mapping, dict) or not mapping:
        raise ModelError(
            f'{path}: expected TAO\'s {{"tasks": [...], "class_mapping": {{task: {{"0": name}}}}}}', file=path
        )
    for task in mapping:
        problem = name_problem(task)
        if problem:
            raise ModelError(
                f"{path}: task name {task!r} in class_mapping {problem}; rename the task",
                file=path,
                value=task,
            )
    _check_tasks_list(path, raw.get("tasks"), mapping)
    return {task: _classes_in_index_order(path, task, classes) for task, classes in mapping.items()}


def _check_tasks_list(path, tasks, mapping: dict) -> None:
    """TAO's ``tasks`` list (optional here) must only name tasks that ``class_mapping`` defines."""
    if tasks is None:
        return
    if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
        raise ModelError(
            f"{path}: 'tasks' must be a list of task names, got {tasks!r}", file=path, value=tasks
        )
    missing = [t for t in tasks if t not in mapping]
    if missing:
        raise ModelError(
            f"{path}: 'tasks' names {', '.join(repr(t) for t in missing)}, which class_mapping does not "
            f"define (class_mapping has: {', '.join(repr(t) for t in mapping)})",
            file=path,
            value=missing[0],
        )


def _classes_in_index_order(path, task: str, classes) -> list[str]:
    if not isinstance(classes, dict) or not classes:
        raise ModelError(f"{path}: class_mapping['{task}'] must be a non-empty object of index -> name")
    try:
        by_index = {int(k): v for k, v in classes.items()}
    except ValueError:
        raise ModelError(
            f"{path}: class_mapping['{task}'] has a non-integer index: {sorted(classes)}"
        ) from None
    if sorted(by_index) != list(range(len(by_index))):
        raise ModelError(
            f"{path}: class_mapping['{task}'] indices must be 0..{len(by_index) - 1}, got {sorted(by_index)}"
        )
    names = [by_index[i] for i in range(len(by_index))]
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        _check_label(path, task, i, name)
        if name in first:
            raise ModelError(
                f"{path}: class_mapping['{task}'] names class {name!r} twice (indices {first[name]} and "
                f"{i}); results could not tell them apart",
                file=path,
                value=name,
            )
        first[name] = i
    return names


def _check_label(path, task: str, index: int, name) -> None:
    where = f"{path}: class_mapping['{task}']['{index}']"
    if not isinstance(name, str) or not name:
        raise ModelError(
            f"{where} is empty or not a string: nvinfer attaches no metadata for an empty label",
            file=path,
            value=name,
        )
    problem = name_problem(name)
    if problem:
        raise ModelError(f"{where} = {name!r} {problem}; rename the class", file=path, value=name)
    if len(name.encode("utf-8")) > MAX_LABEL_BYTES:
        raise ModelError(
            f"{where} is {len(name.encode('utf-8'))} bytes; nvinfer truncates labels to {MAX_LABEL_BYTES} bytes",
            file=path,
            value=name,
        )


def task_of_output(output_name: str, tasks: Sequence[str]) -> str | None:
    """Match an output tensor to its task: ``base_color/Softmax``, ``base_color``, ``base_color_softmax``."""
    matches = [
        t
        for t in tasks
        if output_name == t or (output_name.startswith(t) and output_name[len(t)] in _SEPARATORS)
    ]
    if not matches:
        return None
    return max(matches, key=len)  # 'color_base/Softmax' belongs to 'color_base', not 'color'


def build_labels(
    classmap: Mapping[str, Sequence[str]],
    outputs: Sequence[tuple[str, int | str | None]],
    source: str = "the ONNX graph",
) -> Labels:
    """One line per output, in the given output order. ``outputs`` = [(name, class dim)]."""
    tasks = list(classmap)
    line_tasks: list[str] = []
    for name, dim in outputs:
        task = task_of_output(name, tasks)
        if task is None:
            raise ModelError(
                f"output '{name}' of {source} matches no task in the classmap (tasks: {', '.join(tasks)})"
            )
        if task in line_tasks:
            raise ModelError(
                f"outputs of {source} map to task '{task}' twice; each task needs exactly one output"
            )
        n = len(classmap[task])
        if not isinstance(dim, int):
            raise ModelError(
                f"output '{name}' of {source} has no fixed class dimension ({dim!r}); cannot check it has {n} classes"
            )
        if dim != n:
            raise ModelError(
                f"output '{name}' has {dim} classes but classmap task '{task}' has {n}; the classmap does not belong to this model"
            )
        line_tasks.append(task)
    missing = [t for t in tasks if t not in line_tasks]
    if missing:
        raise ModelError(
            f"classmap task(s) {', '.join(missing)} have no output in {source} (outputs: {', '.join(n for n, _ in outputs)})"
        )
    return Labels(tuple(line_tasks), tuple(tuple(classmap[t]) for t in line_tasks))


def class_dim(shape: Sequence) -> int | str | None:
    """Classes of an N×C or N×C×1×1 softmax output (nvinfer takes dims.c, the first non-batch dim)."""
    return shape[1] if len(shape) >= 2 else None
