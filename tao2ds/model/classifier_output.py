"""Classifier outputs parsed as nvinfer's default parser does (deepstream.md §3.2-3.4).

Per output layer independently: the argmax among classes whose probability is strictly greater
than classifier-threshold; no attribute at all if none is. label_id = the output's index, and the
label is column class_id of labels-file line label_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence


@dataclass(frozen=True)
class Attribute:
    label_id: int  # engine output index = labels-file line
    class_id: int
    prob: float
    label: Optional[str]


def parse_outputs(probs: Sequence, threshold: float, labels: Sequence[Sequence[str]]) -> list[Attribute]:
    """``probs``: one 1-D array of class probabilities per output, in engine output order."""
    attrs = []
    for label_id, p in enumerate(probs):
        best_id, best = -1, float(threshold)
        for class_id, value in enumerate(p.reshape(-1).tolist()):
            if value > best:  # strict, and the first maximum wins like nvinfer's loop
                best_id, best = class_id, value
        if best_id < 0:
            continue
        line = labels[label_id] if label_id < len(labels) else ()
        attrs.append(Attribute(label_id, best_id, best, line[best_id] if best_id < len(line) else None))
    return attrs
