"""The CPU reference pipeline: what nvinfer would output, computed from the generated files.

It reads the target's deepstream-app config (sources, streammux), the nvinfer config
(preprocessing, threshold, batch size) and the labels file exactly as DeepStream does, and runs the
ONNX model with ONNX Runtime. Config mistakes (colour order, offsets, label order) show up here
the same way they would on the device.

    python -m pipelines.reference build/x86_dgpu [--max-frames N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

from tao2ds.artifacts.freshness import check_fresh
from tao2ds.artifacts.results import ResultWriter, format_summary, frame_record
from tao2ds.core import fileio
from tao2ds.core.errors import InputError, Tao2dsError
from tao2ds.deepstream.app import read_app_config
from tao2ds.deepstream.nvinfer import NvinferSettings, read_nvinfer
from tao2ds.deepstream.nvinferserver import read_nvinferserver
from tao2ds.deepstream.sources import resolve_uri
from tao2ds.model.classifier_output import Attribute, parse_outputs
from tao2ds.model.preprocess import preprocess_frame


class ReferenceClassifier:
    """ONNX Runtime with nvinfer's preprocessing and output parsing."""

    def __init__(self, settings: NvinferSettings, output_order: Sequence[str], onnx: Optional[Path] = None):
        import onnxruntime as ort  # deferred: heavy; only when running

        self.settings = settings
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        # leave a core to GStreamer's decoder, and no busy-waiting between runs, so decoding and
        # inference overlap instead of taking turns
        opts.intra_op_num_threads = max(1, (os.cpu_count() or 2) - 1)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(onnx or settings.onnx), opts, providers=["CPUExecutionProvider"]
        )
        self.input = self.session.get_inputs()[0].name
        self.outputs = list(output_order)

    def infer(self, tensors) -> list[list]:
        import numpy as np  # deferred: not needed to plan a build

        probs = self.session.run(self.outputs, {self.input: np.stack(tensors)})
        return [[p[i] for p in probs] for i in range(len(tensors))]

    def classify(self, images: Sequence) -> list[list[Attribute]]:
        """RGB frames (or object crops) → attributes, batched by the config's batch-size."""
        s = self.settings
        out: list[list[Attribute]] = []
        for start in range(0, len(images), s.batch_size):
            tensors = [preprocess_frame(img, s.preprocessing) for img in images[start : start + s.batch_size]]
            out += [parse_outputs(p, s.threshold, s.labels) for p in self.infer(tensors)]
        return out


def classifier_settings(build_dir: Path, manifest: dict[str, Any]) -> NvinferSettings:
    """The classifier's settings from the config the GIE group names: nvinfer's or nvinferserver's."""
    art = manifest["artifacts"]
    if art.get("nvinferserver_config"):
        return read_nvinferserver(
            build_dir / art["nvinferserver_config"],
            onnx=build_dir / art["onnx"],
            infer_dims=manifest["preprocessing"]["infer_dims"],
        ).classifier
    return read_nvinfer(build_dir / art["nvinfer_config"])


def make_classifier(
    build_dir: Path,
    manifest: dict[str, Any],
    backend: str = "reference",
    triton_url: Optional[str] = None,
    triton_timeout_s: float = 10.0,
    onnx: Optional[Path] = None,
):
    """ONNX Runtime here (reference), or the Triton server nvinferserver would use (triton)."""
    if backend != "triton":
        return ReferenceClassifier(classifier_settings(build_dir, manifest), manifest["output_order"], onnx)
    from pipelines.triton_client import TritonClassifier  # deferred: tritonclient/gRPC only for this backend

    art = manifest["artifacts"]
    if not art.get("nvinferserver_config"):
        raise Tao2dsError(
            f"run.backend=triton: {build_dir} was built for nvinfer; rebuild with pipeline.infer_plugin=nvinferserver"
        )
    server = read_nvinferserver(
        build_dir / art["nvinferserver_config"],
        onnx=build_dir / art["onnx"],
        infer_dims=manifest["preprocessing"]["infer_dims"],
    )
    url = triton_url or server.grpc_url
    if url:
        return TritonClassifier(server, url, manifest["output_order"], triton_timeout_s)
    # in-process build and no server named: serve its repository locally for this run
    from pipelines.triton_server import LocalStandin

    local = LocalStandin(build_dir).start()
    print(
        f"run.backend=triton: no run.triton_url, so a local Triton server (pytriton's tritonserver, "
        f"Python-backend ONNX Runtime stand-in) serves {build_dir / art['triton_repo']} at {local.url}"
    )
    try:
        clf = TritonClassifier(server, local.url, manifest["output_order"], triton_timeout_s)
    except BaseException:
        local.close()
        raise
    clf.owned = local
    return clf


def _batches(frames: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for f in frames:
        batch.append(f)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_detections(path: Path) -> dict[tuple[int, int], list[dict]]:
    """{"frames": [{"source": 0, "frame": 3, "objects": [{"bbox": [l, t, w, h], "class_id": 0, "id": 1}]}]}
    with boxes in streammux coordinates, standing in for the primary detector's output."""
    try:
        data = json.loads(fileio.read_text(path))  # not UTF-8: an InputError naming line and byte
        return {(f.get("source", 0), f["frame"]): list(f["objects"]) for f in data["frames"]}
    except (OSError, KeyError, TypeError, AttributeError, json.JSONDecodeError, RecursionError) as e:
        raise InputError(
            f"detections file {path} (pipeline.detector.detections): {type(e).__name__}: {e}; "
            f"expected {load_detections.__doc__}",
            key="pipeline.detector.detections",
            file=path,
        ) from None


def _crop(rgb, bbox):
    l, t, w, h = (int(round(v)) for v in bbox)
    H, W = rgb.shape[:2]
    l, t = max(0, l), max(0, t)
    w, h = min(w, W - l), min(h, H - t)
    return rgb[t : t + h, l : l + w] if w > 0 and h > 0 else None


def run(
    build_dir: Path,
    out_dir: Optional[Path] = None,
    max_frames: Optional[int] = None,
    annotate: bool = True,
    detections: Optional[Path] = None,
    config: Optional[dict] = None,
    backend: str = "reference",
    triton_url: Optional[str] = None,
    triton_timeout_s: float = 10.0,
) -> dict[str, Any]:
    """``backend``: "reference" (ONNX Runtime here) or "triton" (the server at ``triton_url``)."""
    from pipelines.annotate import ContactSheet  # deferred: pipelines import GStreamer / ONNX Runtime
    from pipelines.frames import decode

    manifest = check_fresh(build_dir, config)
    art = manifest["artifacts"]
    app = read_app_config(build_dir / art["app_config"])
    classifier = make_classifier(build_dir, manifest, backend, triton_url, triton_timeout_s)
    settings = classifier.settings
    tasks = manifest["label_tasks"]
    out_dir = out_dir or build_dir / "results" / backend
    writer = ResultWriter(out_dir, backend, manifest["target"])
    sheet = ContactSheet() if annotate else None
    dets = load_detections(detections) if settings.secondary else None
    if settings.secondary and dets is None:
        raise Tao2dsError(
            "the classifier is a secondary GIE: give the detector's output as a detections JSON "
            "(pipeline.detector.detections) so the reference runner can crop objects"
        )
    interrupted = False
    try:
        for idx, uri in enumerate(app["sources"]):
            frames = decode(
                idx, resolve_uri(uri, build_dir), app["width"], app["height"], app["padding"], max_frames
            )
            for batch in _batches(frames, settings.batch_size):
                if dets is None:
                    for f, attrs in zip(batch, classifier.classify([f.rgb for f in batch])):
                        writer.write(frame_record(f.source, uri, f.number, f.timestamp, attrs, tasks))
                        if sheet:
                            sheet.add(f, [(None, attrs)], settings.labels, tasks)
                else:
                    _secondary(
                        batch, dets, app["operate_on_class_ids"], classifier, writer, sheet, uri, tasks
                    )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        getattr(classifier, "close", lambda: None)()  # a Triton client (and a server started for this run)
    summary = writer.close(interrupted, {"results": "results.jsonl"})
    if sheet:
        sheet.save(out_dir / "contact_sheet.png")
        summary["annotated"] = "contact_sheet.png"
        fileio.write_json(out_dir / "summary.json", summary)
    return summary


def _secondary(batch, dets, class_ids, classifier, writer, sheet, uri, tasks) -> None:
    for f in batch:
        objs = [
            o for o in dets.get((f.source, f.number), []) if not class_ids or o.get("class_id") in class_ids
        ]
        crops = [(o, _crop(f.rgb, o["bbox"])) for o in objs]
        crops = [(o, c) for o, c in crops if c is not None]
        results = classifier.classify([c for _, c in crops]) if crops else []
        drawn = []
        for (o, _), attrs in zip(crops, results):
            writer.write(frame_record(f.source, uri, f.number, f.timestamp, attrs, tasks, obj=o))
            drawn.append((o["bbox"], attrs))
        if sheet:
            sheet.add(f, drawn, classifier.settings.labels, tasks)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--max-frames", type=int)
    ap.add_argument("--detections", type=Path)
    ap.add_argument("--no-annotate", action="store_true")
    ap.add_argument("--triton-url", help="run.backend=triton: host:port of the Triton gRPC endpoint")
    a = ap.parse_args(argv)
    try:
        backend = "triton" if a.triton_url else "reference"
        summary = run(
            a.build_dir,
            a.out,
            a.max_frames,
            not a.no_annotate,
            a.detections,
            backend=backend,
            triton_url=a.triton_url,
        )
    except Tao2dsError as e:
        print(f"tao2ds: error: {e}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    return 130 if summary["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
