#!/usr/bin/env python3
"""Standalone DeepStream Python app for a tao2ds build directory.

Runs on the device's own Python (3.6 on JetPack 4.6, 3.8 on JetPack 5, 3.10 on JetPack 6) with
only the standard library, PyGObject (gi) and pyds: no tao2ds import, no f-string-only features
beyond 3.6. It builds the pipeline the deepstream-app config describes (sources, streammux,
primary GIE, optional tracker and secondary GIE, OSD, a fake sink), reads NvDsClassifierMeta /
NvDsLabelInfo in a probe and writes the same results as the other backends:

    python3 pyds_app.py <build_dir> [--out DIR] [--max-frames N]

results/pyds/results.jsonl (one record per frame, or per object for a secondary classifier) and
results/pyds/summary.json. label_id -> task comes from manifest.json's label_tasks.
"""
import argparse
import json
import os
import signal
import sys
import time

FORMAT_VERSION = 1


def read_keyfile(path):
    """{group: {key: raw value}} through GLib's GKeyFile, like deepstream-app."""
    from gi.repository import GLib

    kf = GLib.KeyFile.new()
    kf.load_from_file(path, GLib.KeyFileFlags.NONE)
    groups = {}
    for g in kf.get_groups()[0]:
        groups[g] = dict((k, kf.get_value(g, k)) for k in kf.get_keys(g)[0])
    return groups


def resolve_uri(uri, base_dir):
    if uri.startswith("file://") and not uri.startswith("file:///"):
        return "file://" + os.path.abspath(os.path.join(base_dir, uri[len("file://"):]))
    return uri


def classifier_records(batch_meta, pyds, classifier_uid, tasks, uris, whole_frame):
    """Walk the batch's metadata; one record per frame (primary) or per object (secondary)."""
    records = []
    l_frame = batch_meta.frame_meta_list
    while l_frame is not None:
        frame = pyds.NvDsFrameMeta.cast(l_frame.data)
        l_obj = frame.obj_meta_list
        while l_obj is not None:
            obj = pyds.NvDsObjectMeta.cast(l_obj.data)
            result = dict((t, None) for t in tasks)
            found = False
            l_cls = obj.classifier_meta_list
            while l_cls is not None:
                cm = pyds.NvDsClassifierMeta.cast(l_cls.data)
                if cm.unique_component_id == classifier_uid:
                    found = True
                    l_lbl = cm.label_info_list
                    while l_lbl is not None:
                        li = pyds.NvDsLabelInfo.cast(l_lbl.data)
                        if 0 <= li.label_id < len(tasks):
                            result[tasks[li.label_id]] = {"label": li.result_label, "class_id": li.result_class_id,
                                                          "prob": round(float(li.result_prob), 6)}
                        l_lbl = l_lbl.next
                l_cls = l_cls.next
            is_frame_object = obj.class_id == -1 and obj.unique_component_id == classifier_uid
            if found or (whole_frame and is_frame_object):
                r = obj.rect_params
                records.append({
                    "source": frame.pad_index, "uri": uris[frame.pad_index] if frame.pad_index < len(uris) else "",
                    "frame": frame.frame_num, "timestamp": round(frame.buf_pts / 1e9, 6),
                    "object": None if whole_frame else {"id": obj.object_id, "class_id": obj.class_id,
                                                        "bbox": [r.left, r.top, r.width, r.height]},
                    "tasks": result,
                })
            l_obj = l_obj.next
        l_frame = l_frame.next
    return records


class Results(object):
    def __init__(self, out_dir, target):
        if not os.path.isdir(out_dir):
            os.makedirs(out_dir)
        self.out_dir, self.target = out_dir, target
        self.f = open(os.path.join(out_dir, "results.jsonl"), "w")
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
        summary = {"format_version": FORMAT_VERSION, "backend": "pyds", "target": self.target,
                   "frames": len(self.frames), "records": self.records, "elapsed_s": round(elapsed, 3),
                   "fps": round(len(self.frames) / elapsed, 2) if elapsed > 0 else None,
                   "interrupted": interrupted, "label_counts": self.counts, "results": "results.jsonl"}
        tmp = os.path.join(self.out_dir, ".summary.json.tmp")
        with open(tmp, "w") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
        os.rename(tmp, os.path.join(self.out_dir, "summary.json"))
        return summary


def make(Gst, factory, name, props=None):
    el = Gst.ElementFactory.make(factory, name)
    if el is None:
        raise RuntimeError("GStreamer element %s is missing: is DeepStream installed?" % factory)
    for k, v in (props or {}).items():
        el.set_property(k, v)
    return el


def build_pipeline(Gst, app, base, uris):
    pipeline = Gst.Pipeline.new("tao2ds")
    mux_cfg = app.get("streammux", {})
    mux = make(Gst, "nvstreammux", "mux", {
        "width": int(mux_cfg.get("width", 1920)), "height": int(mux_cfg.get("height", 1080)),
        "batch-size": int(mux_cfg.get("batch-size", len(uris))),
        "batched-push-timeout": int(mux_cfg.get("batched-push-timeout", 40000)),
        "live-source": int(mux_cfg.get("live-source", 0))})
    pipeline.add(mux)
    for i, uri in enumerate(uris):
        src = make(Gst, "uridecodebin", "src%d" % i, {"uri": uri})
        pipeline.add(src)

        def on_pad(_src, pad, index=i):
            caps = pad.get_current_caps() or pad.query_caps()
            if caps.get_structure(0).get_name().startswith("video"):
                pad.link(mux.get_request_pad("sink_%d" % index))
        src.connect("pad-added", on_pad)
    chain = []
    pgie = app["primary-gie"]
    chain.append(make(Gst, "nvinfer", "pgie", {"config-file-path": os.path.join(base, pgie["config-file"])}))
    trk = app.get("tracker", {})
    if trk.get("enable", "0").strip() == "1":
        props = {"ll-lib-file": trk["ll-lib-file"], "tracker-width": int(trk.get("tracker-width", 640)),
                 "tracker-height": int(trk.get("tracker-height", 384))}
        if trk.get("ll-config-file"):
            props["ll-config-file"] = os.path.join(base, trk["ll-config-file"])
        chain.append(make(Gst, "nvtracker", "tracker", props))
    sgie = app.get("secondary-gie0")
    if sgie and sgie.get("enable", "0").strip() == "1":
        chain.append(make(Gst, "nvinfer", "sgie", {"config-file-path": os.path.join(base, sgie["config-file"])}))
    chain += [make(Gst, "nvvideoconvert", "conv"), make(Gst, "nvdsosd", "osd"), make(Gst, "fakesink", "sink", {"sync": 0})]
    prev = mux
    for el in chain:
        pipeline.add(el)
        prev.link(el)
        prev = el
    return pipeline, pipeline.get_by_name("osd")


def main(argv=None):
    ap = argparse.ArgumentParser(description="tao2ds pyds app")
    ap.add_argument("build_dir")
    ap.add_argument("--out")
    ap.add_argument("--max-frames", type=int)
    a = ap.parse_args(argv)
    base = os.path.abspath(a.build_dir)
    with open(os.path.join(base, "manifest.json")) as f:
        manifest = json.load(f)
    app = read_keyfile(os.path.join(base, manifest["artifacts"]["app_config"]))
    secondary = "secondary-gie0" in app and app["secondary-gie0"].get("enable", "0").strip() == "1"
    gie = app["secondary-gie0"] if secondary else app["primary-gie"]
    classifier_uid = int(gie["gie-unique-id"])
    uris = [resolve_uri(g["uri"], base) for n, g in sorted(app.items())
            if n.startswith("source") and n[6:].isdigit() and g.get("enable", "0").strip() == "1"]

    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import GLib, Gst
    import pyds

    Gst.init(None)
    pipeline, osd = build_pipeline(Gst, app, base, uris)
    results = Results(a.out or os.path.join(base, "results", "pyds"), manifest["target"])
    loop = GLib.MainLoop()
    state = {"interrupted": False}

    def probe(pad, info):
        buf = info.get_buffer()
        batch = pyds.gst_buffer_get_nvds_batch_meta(hash(buf))
        for rec in classifier_records(batch, pyds, classifier_uid, manifest["label_tasks"], uris, not secondary):
            results.write(rec)
        if a.max_frames and len(results.frames) >= a.max_frames:
            GLib.idle_add(loop.quit)
        return Gst.PadProbeReturn.OK

    osd.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, probe)

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            sys.stderr.write("error: %s\n%s\n" % (err.message, dbg or ""))
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    def on_sigint(*_):
        state["interrupted"] = True
        loop.quit()
    signal.signal(signal.SIGINT, on_sigint)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    finally:
        pipeline.set_state(Gst.State.NULL)
        summary = results.close(state["interrupted"])
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 130 if state["interrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
