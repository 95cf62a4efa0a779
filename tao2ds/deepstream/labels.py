"""nvinfer's labels file for classifiers: line *i* holds the classes of engine output *i*,
separated by ';' (deepstream.md §3.1). Written here, and read back the way nvinfer reads it."""

from __future__ import annotations

from typing import Sequence


def render_labels(lines: Sequence[Sequence[str]]) -> str:
    """One line per output, classes joined by ';'. Names are checked upstream (model.labels)."""
    return "".join(";".join(classes) + "\n" for classes in lines)


def parse_labels(text: str) -> list[list[str]]:
    """As nvinfer does: getline, skip empty lines, split on ';' without trimming."""
    return [line.split(";") for line in text.split("\n") if line != ""]
