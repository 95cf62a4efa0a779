"""Run results, the same for every backend: JSON Lines per frame (and object) plus a summary.

The pyds app writes the same format with the standard library only (it runs on the device's own
Python); keep the two in step (FORMAT_VERSION).
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tao2ds.core import fileio
from tao2ds.model.classifier_output import Attribute

FORMAT_VERSION = 1


def frame_record(
    source: int,
    uri: str,
    frame: int,
    timestamp: Optional[float],
    attrs: Sequence[Attribute],
    task_of_label_id: Sequence[str],
    obj: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    tasks: dict[str, Any] = {t: None for t in task_of_label_id}  # None: no class passed the threshold
    for a in attrs:
        tasks[task_of_label_id[a.label_id]] = {
            "label": a.label,
            "class_id": a.class_id,
            "prob": round(a.prob, 6),
        }
    return {
        "source": source,
        "uri": uri,
        "frame": frame,
        "timestamp": None if timestamp is None else round(timestamp, 6),
        "object": obj,
        "tasks": tasks,
    }


class ResultWriter:
    """Appends records as they come (a Ctrl-C keeps what was written) and counts labels."""

    def __init__(self, out_dir: Path, backend: str, target: str):
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / "results.jsonl"
        self._f = open(self.path, "w", encoding="utf-8")
        self.backend, self.target = backend, target
        self.frames: set[tuple[int, int]] = set()
        self.records = 0
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.started = time.perf_counter()

    def write(self, record: Mapping[str, Any]) -> None:
        self._f.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.records += 1
        self.frames.add((record["source"], record["frame"]))
        for task, r in record["tasks"].items():
            self.counts[task][r["label"] if r else None] += 1

    def close(self, interrupted: bool = False, extra: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        self._f.close()
        elapsed = time.perf_counter() - self.started
        summary = {
            "format_version": FORMAT_VERSION,
            "backend": self.backend,
            "target": self.target,
            "frames": len(self.frames),
            "records": self.records,
            "elapsed_s": round(elapsed, 3),
            "fps": round(len(self.frames) / elapsed, 2) if elapsed > 0 else None,
            "interrupted": interrupted,
            "label_counts": {
                t: {str(k): v for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))}
                for t, c in self.counts.items()
            },
            **(extra or {}),
        }
        fileio.write_json(self.out_dir / "summary.json", summary)
        return summary


def format_summary(s: Mapping[str, Any]) -> str:
    lines = [
        f"{s['backend']} on {s['target']}: {s['frames']} frames, {s['records']} records, "
        f"{s['fps']} frames/s{' (interrupted)' if s.get('interrupted') else ''}"
    ]
    for task, counts in s["label_counts"].items():
        top = ", ".join(f"{k}={v}" for k, v in list(counts.items())[:5])
        lines.append(f"  {task}: {top}")
    return "\n".join(lines)
