"""The deepstream-app main config, per target platform and DeepStream release: written, and read
back (sources, streammux geometry, the classifier's class filter) with GKeyFile."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tao2ds.config.capabilities import version_tuple
from tao2ds.deepstream.keyfile import read_keyfile, render_keyfile

MEMORY_TYPE = {"default": 0, "cuda_pinned": 1, "cuda_device": 2, "cuda_unified": 3, "surface_array": 4}
CODEC = {"h264": 1, "h265": 2, "mpeg4": 3}
SOURCE_TYPE_MULTI_URI = 3
SOURCE_TYPE_RTSP = 4


def sink_type(kind: str, platform: str, deepstream: str) -> int:
    """[sinkN] type code. The numbering changed between releases (deepstream.md §2.2):
    DS <= 6.0.1: 5 = nvoverlaysink (Jetson); DS >= 6.1: 5 = nvdrmvideosink (Jetson). 2 is the
    on-screen sink everywhere (nveglglessink; nv3dsink on Jetson from 6.2)."""
    ds = version_tuple(deepstream)
    codes = {"fake": 1, "display": 2, "file": 3, "rtsp": 4}
    if kind in codes:
        return codes[kind]
    if kind == "overlay" and platform == "jetson" and ds <= (6, 0, 1):
        return 5
    if kind == "drm" and platform == "jetson" and ds >= (6, 1):
        return 5
    raise ValueError(f"sink kind '{kind}' does not exist on {platform} with DeepStream {deepstream}")


@dataclass(frozen=True)
class AppInputs:
    pipeline: Mapping[str, Any]  # resolved pipeline config (plain dict)
    platform: str
    deepstream: str
    deepstream_root: str
    nvenc: bool
    gpu_id: int
    batch_size: int
    source_uris: Sequence[str]  # already relative to the config's directory where local
    classifier_config: str
    detector_config: Optional[str] = None


def _source_group(uri: str, src: Mapping[str, Any], gpu: int, mem: int, dgpu: bool) -> list[tuple[str, Any]]:
    rtsp = uri.startswith("rtsp://")
    return [
        ("enable", 1),
        ("type", SOURCE_TYPE_RTSP if rtsp else SOURCE_TYPE_MULTI_URI),
        ("uri", uri),
        ("num-sources", None if rtsp else src.get("num_sources", 1)),
        ("latency", src.get("latency", 100) if rtsp else None),
        ("gpu-id", gpu),
        ("cudadec-memtype", 0 if dgpu else None),
        ("nvbuf-memory-type", mem),
    ]


def _sink_group(sink: Mapping[str, Any], i: AppInputs, mem: int) -> list[tuple[str, Any]]:
    kind = str(sink["kind"])
    entries: list[tuple[str, Any]] = [
        ("enable", 1),
        ("type", sink_type(kind, i.platform, i.deepstream)),
        ("sync", bool(sink.get("sync", False))),
        ("source-id", 0),
        ("gpu-id", i.gpu_id),
        ("nvbuf-memory-type", mem),
    ]
    if kind in ("file", "rtsp"):
        entries += [
            ("codec", CODEC[str(sink.get("codec", "h264"))]),
            ("enc-type", 0 if i.nvenc else 1),  # 1 = software encoder where the SoC has no NVENC
            ("bitrate", sink.get("bitrate", 2000000)),
        ]
    if kind == "file":
        entries += [("container", 1), ("output-file", sink.get("output_file") or "out.mp4")]
    if kind == "rtsp":
        entries += [("rtsp-port", sink.get("rtsp_port", 8554)), ("udp-port", sink.get("udp_port", 5400))]
    return entries


def app_groups(i: AppInputs) -> list[tuple[str, list[tuple[str, Any]]]]:
    p = i.pipeline
    dgpu = i.platform == "dgpu"
    mem = MEMORY_TYPE[str(p.get("memory", "default"))]
    gpu = i.gpu_id
    tiled, osd, mux, trk = p["tiled_display"], p["osd"], p["streammux"], p["tracker"]
    n_sources = sum(1 if u.startswith("rtsp://") else s.get("num_sources", 1) for u, s in zip(i.source_uris, p["sources"]))
    groups: list[tuple[str, list[tuple[str, Any]]]] = [
        ("application", [("enable-perf-measurement", bool(p.get("perf_measurement", True))), ("perf-measurement-interval-sec", 5)]),
        ("tiled-display", [
            ("enable", bool(tiled["enable"])), ("rows", tiled["rows"]), ("columns", tiled["columns"]),
            ("width", tiled["width"]), ("height", tiled["height"]), ("gpu-id", gpu), ("nvbuf-memory-type", mem),
        ]),
    ]
    for n, (uri, src) in enumerate(zip(i.source_uris, p["sources"])):
        groups.append((f"source{n}", _source_group(uri, src, gpu, mem, dgpu)))
    groups.append(("streammux", [
        ("gpu-id", gpu), ("live-source", bool(mux["live_source"])), ("batch-size", n_sources),
        ("batched-push-timeout", mux["batched_push_timeout"]), ("width", mux["width"]), ("height", mux["height"]),
        ("enable-padding", bool(mux["enable_padding"])), ("nvbuf-memory-type", mem),
    ]))
    secondary = str(p["topology"]) == "detect_classify"
    if secondary:
        det = p["detector"]
        groups.append(("primary-gie", [
            ("enable", 1), ("gpu-id", gpu), ("plugin-type", 0), ("gie-unique-id", det["gie_unique_id"]),
            ("nvbuf-memory-type", mem), ("config-file", i.detector_config),
        ]))
        groups.append(("secondary-gie0", [
            ("enable", 1), ("gpu-id", gpu), ("plugin-type", 0), ("batch-size", i.batch_size),
            ("gie-unique-id", p["classifier_gie_id"]), ("operate-on-gie-id", det["gie_unique_id"]),
            ("operate-on-class-ids", list(det.get("class_ids") or []) or None),
            ("nvbuf-memory-type", mem), ("config-file", i.classifier_config),
        ]))
    else:
        groups.append(("primary-gie", [
            ("enable", 1), ("gpu-id", gpu), ("plugin-type", 0), ("batch-size", i.batch_size),
            ("interval", p.get("interval", 0)), ("gie-unique-id", p["classifier_gie_id"]),
            ("nvbuf-memory-type", mem), ("config-file", i.classifier_config),
        ]))
    groups.append(("tracker", [
        ("enable", bool(trk["enable"])), ("tracker-width", trk["width"]), ("tracker-height", trk["height"]),
        ("ll-lib-file", f"{i.deepstream_root.rstrip('/')}/{trk['ll_lib_file']}"),
        ("ll-config-file", trk.get("ll_config_file")), ("gpu-id", gpu), ("display-tracking-id", 1),
    ]))
    groups.append(("osd", [
        ("enable", bool(osd["enable"])), ("gpu-id", gpu), ("border-width", osd["border_width"]),
        ("text-size", osd["text_size"]), ("text-color", [1, 1, 1, 1]), ("text-bg-color", [0.3, 0.3, 0.3, 1]),
        ("font", osd["font"]), ("show-clock", 0), ("nvbuf-memory-type", mem),
    ]))
    for n, sink in enumerate(p["sinks"]):
        groups.append((f"sink{n}", _sink_group(sink, i, mem)))
    groups.append(("tests", [("file-loop", bool(p.get("file_loop", False)))]))
    return groups


def render_app_config(i: AppInputs, header: Sequence[str] = ()) -> str:
    return render_keyfile(app_groups(i), header=header)


# --- reading it back ------------------------------------------------------------------------

def read_app_config(app_config: Path) -> dict[str, Any]:
    """What a runner needs: enabled source URIs, streammux size and padding, and the secondary
    classifier's operate-on-class-ids."""
    groups = dict(read_keyfile(app_config))
    get = lambda g: dict(groups.get(g, []))  # noqa: E731
    mux = get("streammux")
    uris = []
    for name, entries in groups.items():
        if name.startswith("source") and name[6:].isdigit():
            e = dict(entries)
            if e.get("enable", "0").strip() == "1":
                uris.append(e["uri"])
    sgie = get("secondary-gie0")
    return {
        "sources": uris,
        "width": int(mux.get("width", 1920)), "height": int(mux.get("height", 1080)),
        "padding": mux.get("enable-padding", "0").strip() == "1",
        "operate_on_class_ids": [int(x) for x in sgie.get("operate-on-class-ids", "").split(";") if x.strip()],
    }
