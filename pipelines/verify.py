"""Accuracy of a build on the labelled validation set, through the reference pipeline.

Each image goes the way a frame would: scaled to streammux's size, then nvinfer's preprocessing
read back from the generated config, labels from the generated labels file. A wrong colour
format, wrong offsets or swapped label lines therefore show up as lost accuracy.

    python -m pipelines.verify build/x86_dgpu --csv labels.csv --images DIR [--min-accuracy 0.95]
    python -m pipelines.verify build/x86_dgpu --spec spec.txt    # its dataset_config val set
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

from pipelines.reference import make_classifier
from tao2ds.artifacts.freshness import check_fresh
from tao2ds.core import fileio
from tao2ds.core.errors import ConfigError, InputError, Tao2dsError, VerifyFailed
from tao2ds.deepstream.app import read_app_config
from tao2ds.model.imageset import load_rgb
from tao2ds.model.labels import load_classmap
from tao2ds.model.preprocess import preprocess_frame
from tao2ds.model.tao_spec import load_spec


def validation_set(
    csv_path: Optional[str | Path], images: Optional[str | Path], spec: Optional[str | Path]
) -> tuple[Path, Path, str]:
    """(CSV, image folder, where they came from): model.validation, else the training spec's
    ``dataset_config.val_csv_path`` + ``image_directory_path`` (what TAO's own evaluate reads)."""
    if csv_path or images:
        if not (csv_path and images):
            missing = "model.validation.images" if csv_path else "model.validation.csv"
            raise ConfigError(
                f"{missing} is not set: doit verify needs a labelled validation set "
                "(model.validation.csv: TAO's multitask CSV; model.validation.images: its image folder)",
                key=missing,
            )
        return Path(csv_path), Path(images), "model.validation"
    named = load_spec(spec).validation_set() if spec else None
    if named is None:
        raise ConfigError(
            "verify needs a labelled validation set: set model.validation.csv=<TAO multitask CSV> and "
            "model.validation.images=<folder>, or give a model.spec whose dataset_config names "
            "val_csv_path and image_directory_path",
            key="model.validation",
        )
    csv_file, folder = named
    if not csv_file.is_file() or not folder.is_dir():
        raise InputError(
            f"model.validation is unset and the training spec {spec} names dataset_config.val_csv_path="
            f"{csv_file} and image_directory_path={folder}, which are not both here",
            key="model.validation",
            file=csv_file if not csv_file.is_file() else folder,
            hint="set model.validation.csv=... model.validation.images=... (relative paths in a spec are "
            "taken relative to the spec's folder)",
        )
    return csv_file, folder, f"training spec {spec} (dataset_config)"


def read_validation_csv(
    path: Path, tasks: list[str], classes: Optional[list[list[str]]] = None
) -> list[dict[str, str]]:
    """TAO's multitask CSV (fname, then one column per task); with ``classes`` (per task, as the
    labels file has them), a class the model does not know is an error naming the line."""
    try:
        rows = list(csv.DictReader(io.StringIO(fileio.read_text(path), newline="")))
    except FileNotFoundError:
        raise InputError(
            f"validation CSV not found: {path} (model.validation.csv)", key="model.validation.csv", file=path
        ) from None
    except csv.Error as e:
        raise InputError(f"{path}: not a readable CSV ({e})", file=path) from None
    if not rows:
        raise InputError(f"{path}: no rows", file=path)
    missing = [c for c in ["fname", *tasks] if c not in rows[0]]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; TAO's multitask CSV is fname, then one column per task",
            file=path,
        )
    for n, row in enumerate(rows, 2):  # line 1 is the header
        for task, known in zip(tasks, classes or []):
            if row[task] not in known:
                raise InputError(
                    f"{path}:{n}: {task}={row[task]!r} is not a class of the model's task {task} "
                    f"(classes: {', '.join(known)})",
                    file=path,
                    value=row[task],
                    hint="the CSV must use the class names of the classmap the build was made from",
                )
    return rows


def _known_classes(
    tasks: list[str], label_lines: list[list[str]], config: Optional[Mapping]
) -> list[list[str]]:
    """Each task's classes as the classmap the build was made from names them (not the labels
    file: a build whose label lines are swapped must show up as lost accuracy, not as a bad CSV).
    Without the config (the command line), every name in the labels file."""
    path = ((config or {}).get("model") or {}).get("classmap")
    if path:
        classmap = load_classmap(path)
        return [classmap.get(t, []) for t in tasks]
    every = sorted({name for line in label_lines for name in line})
    return [every for _ in tasks]


def evaluate(
    build_dir: Path,
    csv_path: Path,
    images: Path,
    onnx: Optional[Path] = None,
    config: Optional[Mapping] = None,
    backend: str = "reference",
    triton_url: Optional[str] = None,
    triton_timeout_s: float = 10.0,
) -> dict[str, Any]:
    """``backend``: "reference" (ONNX Runtime here) or "triton" (the Triton server at ``triton_url``)."""
    manifest = check_fresh(build_dir, config)
    app = read_app_config(build_dir / manifest["artifacts"]["app_config"])
    tasks = manifest["label_tasks"]
    clf = make_classifier(build_dir, manifest, backend, triton_url, triton_timeout_s, onnx)
    try:
        return _evaluate(clf, app, tasks, csv_path, images, config, backend, onnx)
    finally:
        getattr(clf, "close", lambda: None)()  # a Triton client (and a server started for this run)


def _evaluate(
    clf, app, tasks, csv_path: Path, images: Path, config, backend: str, onnx: Optional[Path]
) -> dict[str, Any]:
    import cv2  # deferred: OpenCV is slow to import and a no-op build needs none

    settings = clf.settings
    rows = read_validation_csv(csv_path, tasks, _known_classes(tasks, settings.labels, config))
    correct = {t: 0 for t in tasks}
    classes = {t: list(settings.labels[i]) for i, t in enumerate(tasks)}
    # per task: rows = the CSV's class, columns = the predicted class, then "none" (nothing passed the threshold)
    confusion = {t: [[0] * (len(classes[t]) + 1) for _ in classes[t]] for t in tasks}
    top1: list[list[int]] = []
    frames = []
    for row in rows:
        rgb = load_rgb(images / row["fname"])
        frames.append(cv2.resize(rgb, (app["width"], app["height"]), interpolation=cv2.INTER_LINEAR))
    for row, attrs in zip(rows, clf.classify(frames)):
        got = {tasks[a.label_id]: a.label for a in attrs}
        for t in tasks:
            correct[t] += got.get(t) == row[t]
            if row[t] in classes[t]:
                pred = got.get(t)
                col = classes[t].index(pred) if pred in classes[t] else len(classes[t])
                confusion[t][classes[t].index(row[t])][col] += 1
    # threshold-free top-1 per task, to compare models (fp32 vs Q/DQ) directly

    step = settings.batch_size if backend == "triton" else 32  # a server takes at most its max_batch_size
    for start in range(0, len(frames), step):
        tensors = [preprocess_frame(f, settings.preprocessing) for f in frames[start : start + step]]
        for probs in clf.infer(tensors):
            top1.append([int(p.argmax()) for p in probs])
    n = len(rows)
    return {
        "images": n,
        "accuracy": {t: correct[t] / n for t in tasks},
        "confusion": {t: {"classes": classes[t], "matrix": confusion[t]} for t in tasks},
        "top1": top1,
        "model": f"Triton {clf.model} at {clf.url}" if backend == "triton" else str(onnx or settings.onnx),
    }


def verify(
    build_dir: Path,
    csv_path: Optional[Path],
    images: Optional[Path],
    min_accuracy: float,
    config: Optional[Mapping] = None,
    spec: Optional[Path] = None,
    backend: str = "reference",
    triton_url: Optional[str] = None,
    triton_timeout_s: float = 10.0,
) -> dict[str, Any]:
    """``backend``: "reference" (ONNX Runtime here) or "triton" (the model as the Triton server at
    ``triton_url`` serves it; the Q/DQ comparison is a reference-backend check and is skipped)."""
    csv_path, images, source = validation_set(csv_path, images, spec)
    if not images.is_dir():
        raise InputError(
            f"model.validation.images={images}: not a directory", key="model.validation.images", file=images
        )
    manifest = check_fresh(build_dir, config)
    report = {
        "target": manifest["target"],
        "min_accuracy": min_accuracy,
        "validation": {"csv": str(csv_path), "images": str(images), "source": source},
        "backend": backend,
    }
    fp32 = evaluate(
        build_dir,
        csv_path,
        images,
        config=config,
        backend=backend,
        triton_url=triton_url,
        triton_timeout_s=triton_timeout_s,
    )
    report["onnx"] = {k: v for k, v in fp32.items() if k != "top1"}
    failures = [f"{t} {a:.1%}" for t, a in fp32["accuracy"].items() if a < min_accuracy]
    qdq_rel = manifest["artifacts"].get("qdq_onnx")
    if qdq_rel and backend != "triton":
        q = evaluate(build_dir, csv_path, images, onnx=build_dir / qdq_rel, config=config)
        tasks = manifest["label_tasks"]
        agree = {
            t: sum(a[i] == b[i] for a, b in zip(fp32["top1"], q["top1"])) / len(q["top1"])
            for i, t in enumerate(tasks)
        }
        report["qdq"] = {**{k: v for k, v in q.items() if k != "top1"}, "top1_agreement_with_fp32": agree}
        failures += [f"Q/DQ {t} {a:.1%}" for t, a in q["accuracy"].items() if a < min_accuracy]
    out = build_dir / "results" / "verify"
    fileio.write_json(out / "report.json", report)
    print(format_report(report))
    if failures:
        raise VerifyFailed(
            f"accuracy below the floor {min_accuracy:.0%}: {', '.join(failures)} "
            f"(report: {out / 'report.json'})"
        )
    return report


def format_report(r: Mapping[str, Any]) -> str:
    via = f" via {r['onnx']['model']}" if r.get("backend") == "triton" else ""
    lines = [
        f"verify {r['target']}: {r['onnx']['images']} labelled images{via}, floor {r['min_accuracy']:.0%}"
    ]
    if r.get("validation", {}).get("source", "model.validation") != "model.validation":
        lines.append(f"  validation set from the {r['validation']['source']}")
    for t, a in r["onnx"]["accuracy"].items():
        line = f"  {t:<14} {a:7.2%}"
        if "qdq" in r:
            line += f"   Q/DQ int8 {r['qdq']['accuracy'][t]:7.2%}   top-1 agreement {r['qdq']['top1_agreement_with_fp32'][t]:7.2%}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--images", type=Path)
    ap.add_argument(
        "--spec", type=Path, help="training spec naming the validation set (without --csv/--images)"
    )
    ap.add_argument("--min-accuracy", type=float, default=0.95)
    a = ap.parse_args(argv)
    try:
        verify(a.build_dir, a.csv, a.images, a.min_accuracy, spec=a.spec)
    except Tao2dsError as e:
        print(f"tao2ds: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
