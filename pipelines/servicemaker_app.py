#!/usr/bin/env python3
"""Standalone PyServiceMaker app for a tao2ds build directory (DeepStream >= 8.0, where pyds has no
wheels from 9.0 on).

Runs on the device's own Python (3.12 on DeepStream 8.0 … 9.2) with only the standard library and
``pyservicemaker`` (preinstalled by DeepStream under python3.12/dist-packages): no tao2ds import. It
builds the pipeline the deepstream-app config describes (sources, nvstreammux, primary GIE, optional
tracker and secondary GIE, OSD, a fake sink) with the Pipeline API, reads the classifier metadata in a
``BatchMetadataOperator`` and writes the same results as the other backends:

    python3 servicemaker_app.py <build_dir> [--out DIR] [--max-frames N]

results/servicemaker/results.jsonl (one record per frame, or per object for a secondary classifier)
and results/servicemaker/summary.json. label_id -> task comes from manifest.json's label_tasks.

The PyServiceMaker API used here, as NVIDIA ships it (NVIDIA/DeepStream v9.1.0 581889d):

- ``Pipeline(name).add(factory, name, props)``, ``.link("a", "b", …)``, request pads with
  ``.link(("src", "mux"), ("", "sink_%u"))``, ``.attach(element, Probe(name, operator))``,
  ``.start().wait()`` (src/service-maker/sources/apps/python/pipeline_api/deepstream_test3_app/
  deepstream_test3.py; skills/deepstream-dev/references/service_maker_api.md L82-160);
- ``BatchMetadataOperator.handle_metadata(batch_meta)``; ``batch_meta.frame_items`` →
  FrameMetadata (``frame_number``, ``pad_index``, ``buffer_pts`` ns, ``object_items``) →
  ObjectMetadata (``class_id``, ``object_id``, ``rect_params.left/top/width/height``,
  ``classifier_items``) → ClassifierMetadata (``n_labels``, ``unique_component_id``,
  ``get_n_label(n)`` → label string) (service_maker_api.md L575-760; deepstream_3d_action_recognition.py
  L117-121);
- DeepStream 9.2 adds ``ClassifierMetadata.get_label_info(n)`` → LabelInfo (``label``, ``class_id``,
  ``prob``, ``label_id``, ``num_classes``) (DS 9.2 API reference, service-maker/sources/python/src/
  bindings/docstrings/metadatadoc.h L189-201; the Python method name is read from the docstring's
  name ``get_label_info``). It is used when present; with ``get_n_label`` only the label string is
  known, so the task is found by the label (its class list in labels.txt) and prob is null.
"""

import argparse
import json
import os
import sys
import time

FORMAT_VERSION = 1
BACKEND = "servicemaker"


# --- the build directory -------------------------------------------------------------------------


def _unescape(value):
    out, i = [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def read_keyfile(path):
    """{group: {key: raw value}} of a GLib key file (the subset tao2ds writes: groups, key=value,
    '#' comment lines; blanks around '=' dropped, the value's trailing blanks kept as GKeyFile does)."""
    groups, current = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                current = groups.setdefault(stripped[1:-1], {})
                continue
            key, sep, value = line.partition("=")
            if not sep or current is None:
                raise SystemExit("%s: not a key file line: %r" % (path, line))
            current[key.strip()] = _unescape(value.lstrip())
    return groups


def read_labels(path):
    """labels.txt: one line per engine output, its classes ';'-separated."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(";") for line in f if line.strip()]


def resolve_uri(uri, base_dir):
    if uri.startswith("file://") and not uri.startswith("file:///"):
        return "file://" + os.path.abspath(os.path.join(base_dir, uri[len("file://") :]))
    return uri


# --- metadata --------------------------------------------------------------------------------------


def label_entry(cm, n, tasks, labels):
    """(output index, {"label", "class_id", "prob"}) of the n-th label of a ClassifierMetadata, or None."""
    if hasattr(cm, "get_label_info"):  # DeepStream 9.2+
        li = cm.get_label_info(n)
        if not 0 <= li.label_id < len(tasks):
            return None
        return li.label_id, {"label": li.label, "class_id": li.class_id, "prob": round(float(li.prob), 6)}
    label = cm.get_n_label(n)
    owners = [i for i, classes in enumerate(labels) if label in classes]
    if len(owners) == 1:
        index = owners[0]
    elif n < len(tasks) and n in owners:
        index = n  # the label is in several tasks: nvinfer attaches one label per output, in output order
    else:
        return None
    return index, {"label": label, "class_id": labels[index].index(label), "prob": None}


def classifier_records(batch_meta, classifier_uid, tasks, labels, uris, whole_frame):
    """One record per frame (primary classifier, the full-frame object nvinfer adds, class_id -1)
    or per classified object (secondary classifier)."""
    records = []
    for frame in batch_meta.frame_items:
        for obj in frame.object_items:
            result = dict((t, None) for t in tasks)
            found = False
            for cm in obj.classifier_items:
                if cm.unique_component_id != classifier_uid:
                    continue
                found = True
                for n in range(cm.n_labels):
                    entry = label_entry(cm, n, tasks, labels)
                    if entry is not None:
                        result[tasks[entry[0]]] = entry[1]
            if found or (whole_frame and obj.class_id == -1):
                r = obj.rect_params
                records.append(
                    {
                        "source": frame.pad_index,
                        "uri": uris[frame.pad_index] if frame.pad_index < len(uris) else "",
                        "frame": frame.frame_number,
                        "timestamp": round(frame.buffer_pts / 1e9, 6),
                        "object": None
                        if whole_frame
                        else {
                            "id": obj.object_id,
                            "class_id": obj.class_id,
                            "bbox": [r.left, r.top, r.width, r.height],
                        },
                        "tasks": result,
                    }
                )
    return records


class Results(object):
    def __init__(self, out_dir, target):
        os.makedirs(out_dir, exist_ok=True)
        self.out_dir, self.target = out_dir, target
        self.f = open(os.path.join(out_dir, "results.jsonl"), "w", encoding="utf-8")
        self.frames, self.records, self.counts = set(), 0, {}
        self.start = time.time()

    def write(self, rec):
        self.f.write(json.dumps(rec) + "\n")
        self.records += 1
        self.frames.add((rec["source"], rec["frame"]))
        for task, r in rec["tasks"].items():
            c = self.counts.setdefault(task, {})
            key = str(r["label"]) if r else "None"
            c[key] = c.get(key, 0) + 1

    def close(self, interrupted):
        self.f.close()
        elapsed = time.time() - self.start
        summary = {
            "format_version": FORMAT_VERSION,
            "backend": BACKEND,
            "target": self.target,
            "frames": len(self.frames),
            "records": self.records,
            "elapsed_s": round(elapsed, 3),
            "fps": round(len(self.frames) / elapsed, 2) if elapsed > 0 else None,
            "interrupted": interrupted,
            "label_counts": self.counts,
            "results": "results.jsonl",
        }
        tmp = os.path.join(self.out_dir, ".summary.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
        os.replace(tmp, os.path.join(self.out_dir, "summary.json"))
        return summary


def make_operator(base_class, results, classifier_uid, tasks, labels, uris, whole_frame, max_frames):
    """A BatchMetadataOperator subclass instance writing each batch's records (up to max_frames frames)."""

    class ClassifierResults(base_class):
        def handle_metadata(self, batch_meta):
            for rec in classifier_records(batch_meta, classifier_uid, tasks, labels, uris, whole_frame):
                if (
                    max_frames
                    and len(results.frames) >= max_frames
                    and (rec["source"], rec["frame"]) not in results.frames
                ):
                    continue
                results.write(rec)

    return ClassifierResults()


# --- the pipeline ----------------------------------------------------------------------------------


def build_pipeline(Pipeline, app, base, uris):
    """The deepstream-app config's pipeline with the Pipeline API; returns (pipeline, element to probe)."""
    mux_cfg = app.get("streammux", {})
    p = Pipeline("tao2ds")
    p.add(
        "nvstreammux",
        "mux",
        {
            "width": int(mux_cfg.get("width", 1920)),
            "height": int(mux_cfg.get("height", 1080)),
            "batch-size": int(mux_cfg.get("batch-size", len(uris))),
            "batched-push-timeout": int(mux_cfg.get("batched-push-timeout", 40000)),
            "live-source": int(mux_cfg.get("live-source", 0)),
        },
    )
    for i, uri in enumerate(uris):
        p.add("uridecodebin", "src_%d" % i, {"uri": uri})
        p.link(("src_%d" % i, "mux"), ("", "sink_%u"))
    chain = ["mux"]
    pgie = app["primary-gie"]
    p.add("nvinfer", "pgie", {"config-file-path": os.path.join(base, pgie["config-file"])})
    chain.append("pgie")
    trk = app.get("tracker", {})
    if trk.get("enable", "0").strip() in ("1", "true"):
        props = {
            "ll-lib-file": trk["ll-lib-file"],
            "tracker-width": int(trk.get("tracker-width", 640)),
            "tracker-height": int(trk.get("tracker-height", 384)),
        }
        if trk.get("ll-config-file"):
            props["ll-config-file"] = os.path.join(base, trk["ll-config-file"])
        p.add("nvtracker", "tracker", props)
        chain.append("tracker")
    sgie = app.get("secondary-gie0")
    if sgie and sgie.get("enable", "0").strip() == "1":
        p.add("nvinfer", "sgie", {"config-file-path": os.path.join(base, sgie["config-file"])})
        chain.append("sgie")
    p.add("nvosdbin", "osd").add("fakesink", "sink", {"sync": 0})
    chain += ["osd", "sink"]
    p.link(*chain)
    return p, "osd"


def load_build(base):
    with open(os.path.join(base, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    app = read_keyfile(os.path.join(base, manifest["artifacts"]["app_config"]))
    labels = read_labels(os.path.join(base, manifest["artifacts"]["labels"]))
    secondary = "secondary-gie0" in app and app["secondary-gie0"].get("enable", "0").strip() == "1"
    gie = app["secondary-gie0"] if secondary else app["primary-gie"]
    uris = [
        resolve_uri(g["uri"], base)
        for n, g in sorted(app.items())
        if n.startswith("source") and n[6:].isdigit() and g.get("enable", "0").strip() == "1"
    ]
    return manifest, app, labels, secondary, int(gie["gie-unique-id"]), uris


def main(argv=None):
    ap = argparse.ArgumentParser(description="tao2ds PyServiceMaker app")
    ap.add_argument("build_dir")
    ap.add_argument("--out")
    ap.add_argument("--max-frames", type=int)
    a = ap.parse_args(argv)
    base = os.path.abspath(a.build_dir)
    manifest, app, labels, secondary, uid, uris = load_build(base)

    from pyservicemaker import BatchMetadataOperator, Pipeline, Probe

    results = Results(a.out or os.path.join(base, "results", BACKEND), manifest["target"])
    operator = make_operator(
        BatchMetadataOperator,
        results,
        uid,
        manifest["label_tasks"],
        labels,
        uris,
        not secondary,
        a.max_frames,
    )
    pipeline, probe_at = build_pipeline(Pipeline, app, base, uris)
    pipeline.attach(probe_at, Probe("tao2ds-results", operator))
    interrupted = False
    try:
        pipeline.start().wait()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        summary = results.close(interrupted)
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
