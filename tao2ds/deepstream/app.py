"""The deepstream-app main config, per target platform and DeepStream release: written, and read
back (sources, streammux geometry, the classifier's class filter) with GKeyFile."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from tao2ds.core import log
from tao2ds.core.errors import CapabilityError, ConfigError
from tao2ds.deepstream import releases
from tao2ds.deepstream.codes import (
    Codec,
    Container,
    EncType,
    MemoryType,
    SourceType,
    sink_type,
    sink_type_problem,
)
from tao2ds.deepstream.keyfile import read_keyfile, render_keyfile
from tao2ds.deepstream.releases import check_known_keys
from tao2ds.deepstream.sources import is_rtsp
from tao2ds.deepstream.tracker import TRACKER_CONFIG_FILE

logger = log.get(__name__)

__all__ = [
    "AppInputs",
    "app_groups",
    "render_app_config",
    "read_app_config",
    "sink_type",
    "sink_type_problem",
    "source_count",
    "tiler_layout",
    "sink_ports",
    "Tiler",
    "RTSP_PORT_BASE",
    "UDP_PORT_BASE",
]

# First RTSP sink's ports; the n-th sink without explicit ports gets the n-th free port from here.
# 8554/5400 are what NVIDIA's TAO 7.1 app config uses (deepstream.md §2.5, TAO71-app).
RTSP_PORT_BASE = 8554
# [primary-gie]/[secondary-gie<N>] plugin-type: 0 nvinfer, 1 nvinferserver (deepstream.md §2, [DS91-cfp]);
# only the classifier's group follows pipeline.infer_plugin, the user's detector stays on nvinfer.
PLUGIN_TYPE = {"nvinfer": 0, "nvinferserver": 1}
UDP_PORT_BASE = 5400


@dataclass(frozen=True)
class AppInputs:
    pipeline: Mapping[str, Any]  # resolved pipeline config (plain dict, every schema key present)
    platform: str
    deepstream: str
    deepstream_root: str
    nvenc: bool
    gpu_id: int
    batch_size: int
    source_uris: Sequence[str]  # already relative to the config's directory where local
    classifier_config: str
    detector_config: Optional[str] = None


def source_count(sources: Sequence[Mapping[str, Any]]) -> int:
    """Streams entering nvstreammux: an RTSP source is one, a MultiURI source ``num_sources``."""
    return sum(1 if is_rtsp(str(s["uri"])) else int(s["num_sources"]) for s in sources)


@dataclass(frozen=True)
class Tiler:
    enable: bool
    rows: int
    columns: int
    automatic: bool  # enabled by tao2ds because there is more than one source


def tiler_layout(
    n_sources: int, enable: Optional[bool], rows: Optional[int], columns: Optional[int]
) -> Tiler:
    """The ``[tiled-display]`` decision.

    With the tiler off, deepstream-app puts nvstreamdemux after inference and builds OSD + sinks
    only for the source ids a sink names (``deepstream_app.c`` ``create_pipeline``, "Create
    demuxer only if tiled display is disabled", DS601/DS63/DS71 l.1196/1441/1790; deepstream-
    parsers.md F5). tao2ds writes every sink with ``source-id=0``, so with several sources and no
    tiler, sources 1..N-1 would be inferred but reach no sink. Hence:

    - ``enable`` unset (None): the tiler is on exactly when there is more than one source;
    - ``enable`` false with more than one source: refused (CapabilityError), since the user asked
      for a pipeline whose outputs silently drop sources;
    - ``rows``/``columns`` unset: the smallest near-square grid that holds every source
      (``columns = ceil(sqrt(n))``, ``rows = ceil(n / columns)``); one set: the other fits.
    """
    if enable is False and n_sources > 1:
        raise CapabilityError(
            f"pipeline.tiled_display.enable=false with {n_sources} sources: with the tiler off deepstream-app "
            "demultiplexes the batch and every sink shows source 0 only, so sources 1.."
            f"{n_sources - 1} would reach no sink",
            key="pipeline.tiled_display.enable",
            value=False,
            hint="drop pipeline.tiled_display.enable (tao2ds turns the tiler on for several sources) or set it to true",
        )
    for key, v in (("rows", rows), ("columns", columns)):
        if v is not None and v < 1:
            raise ConfigError(
                f"pipeline.tiled_display.{key}={v}: must be >= 1",
                key=f"pipeline.tiled_display.{key}",
                value=v,
            )
    on = bool(enable) if enable is not None else n_sources > 1
    n = max(n_sources, 1)
    if rows is None and columns is None:
        columns = math.ceil(math.sqrt(n))
    if columns is None:
        columns = math.ceil(n / rows)
    if rows is None:
        rows = math.ceil(n / columns)
    return Tiler(on, int(rows), int(columns), automatic=enable is None and on)


def sink_ports(sinks: Sequence[Mapping[str, Any]]) -> list[Optional[tuple[int, int]]]:
    """(rtsp-port, udp-port) of each sink (None for non-RTSP sinks).

    Each type-4 sink starts its own RTSP server on rtsp-port and streams RTP to udp-port; the
    attach result is not checked, so a second sink on the same ports silently serves nothing
    (``deepstream_sink_bin.c`` ``start_rtsp_streaming`` l.516/555/570; deepstream-parsers.md F4).
    Ports the user set are kept and must differ (CapabilityError); unset ones get the lowest free
    port from RTSP_PORT_BASE / UDP_PORT_BASE, so a single RTSP sink keeps 8554 / 5400."""
    rtsp = [(n, s) for n, s in enumerate(sinks) if str(s["kind"]) == "rtsp"]
    chosen: dict[str, dict[int, int]] = {}
    for field, base in (("rtsp_port", RTSP_PORT_BASE), ("udp_port", UDP_PORT_BASE)):
        explicit: dict[int, int] = {}
        for n, s in rtsp:
            v = s.get(field)
            if v is None:
                continue
            if int(v) in explicit:
                first = explicit[int(v)]
                raise CapabilityError(
                    f"pipeline.sinks[{n}].{field}={v} is also pipeline.sinks[{first}].{field}: each RTSP sink starts "
                    "its own server, and the second one on a port silently serves nothing",
                    key=f"pipeline.sinks[{n}].{field}",
                    value=v,
                    hint=f"give each RTSP sink its own {field}, or leave it unset and tao2ds picks free ones",
                )
            explicit[int(v)] = n
        taken, nxt, ports = set(explicit), base, {}
        for n, s in rtsp:
            v = s.get(field)
            if v is None:
                while nxt in taken:
                    nxt += 1
                v = nxt
                taken.add(v)
            ports[n] = int(v)
        chosen[field] = ports
    return [
        (chosen["rtsp_port"][n], chosen["udp_port"][n]) if n in chosen["rtsp_port"] else None
        for n in range(len(sinks))
    ]


def _source_group(
    uri: str, src: Mapping[str, Any], gpu: int, mem: MemoryType, dgpu: bool, deepstream: str
) -> list[tuple[str, Any]]:
    rtsp = is_rtsp(uri)
    kind = SourceType.RTSP if rtsp else SourceType.MULTI_URI
    if releases.get(deepstream).source_types.get(kind.name.lower()) != int(kind):
        raise ConfigError(f"DeepStream {deepstream} has no [source] type {int(kind)} ({kind.name.lower()})")
    return [
        ("enable", 1),
        ("type", kind),
        ("uri", uri),
        ("num-sources", None if rtsp else src["num_sources"]),
        ("latency", src["latency"] if rtsp else None),
        ("gpu-id", gpu),
        ("cudadec-memtype", 0 if dgpu else None),  # 0 = device memory (deepstream_source_bin.c), dGPU only
        ("nvbuf-memory-type", mem),
    ]


def _sink_group(
    sink: Mapping[str, Any], i: AppInputs, mem: MemoryType, ports: Optional[tuple[int, int]]
) -> list[tuple[str, Any]]:
    kind = str(sink["kind"])
    entries: list[tuple[str, Any]] = [
        ("enable", 1),
        ("type", sink_type(kind, i.platform, i.deepstream)),
        ("sync", bool(sink["sync"])),
        ("source-id", 0),
        ("gpu-id", i.gpu_id),
        ("nvbuf-memory-type", mem),
    ]
    if kind in ("file", "rtsp"):
        entries += [
            ("codec", Codec.of_name(sink["codec"])),
            (
                "enc-type",
                EncType.HW if i.nvenc else EncType.SW,
            ),  # software encoder where the SoC has no NVENC
            ("bitrate", sink["bitrate"]),
        ]
    if kind == "file":
        entries += [("container", Container.MP4), ("output-file", sink["output_file"] or "out.mp4")]
    if kind == "rtsp":
        assert ports is not None
        entries += [("rtsp-port", ports[0]), ("udp-port", ports[1])]
    return entries


def app_groups(i: AppInputs) -> list[tuple[str, list[tuple[str, Any]]]]:
    p = i.pipeline
    dgpu = i.platform == "dgpu"
    mem = MemoryType.of_name(p["memory"])
    gpu = i.gpu_id
    tiled, osd, mux, trk = p["tiled_display"], p["osd"], p["streammux"], p["tracker"]
    n_sources = source_count(p["sources"])
    tiler = tiler_layout(n_sources, tiled["enable"], tiled["rows"], tiled["columns"])
    if tiler.automatic:
        logger.info(
            "%d sources: tiled display enabled (%dx%d) so every source reaches the sinks; "
            "with it off deepstream-app shows source 0 only",
            n_sources,
            tiler.rows,
            tiler.columns,
        )
    groups: list[tuple[str, list[tuple[str, Any]]]] = [
        (
            "application",
            [("enable-perf-measurement", bool(p["perf_measurement"])), ("perf-measurement-interval-sec", 5)],
        ),
        (
            "tiled-display",
            [
                ("enable", tiler.enable),
                ("rows", tiler.rows),
                ("columns", tiler.columns),
                ("width", tiled["width"]),
                ("height", tiled["height"]),
                ("gpu-id", gpu),
                ("nvbuf-memory-type", mem),
            ],
        ),
    ]
    for n, (uri, src) in enumerate(zip(i.source_uris, p["sources"])):
        groups.append((f"source{n}", _source_group(uri, src, gpu, mem, dgpu, i.deepstream)))
    groups.append(
        (
            "streammux",
            [
                ("gpu-id", gpu),
                ("live-source", bool(mux["live_source"])),
                ("batch-size", n_sources),
                ("batched-push-timeout", mux["batched_push_timeout"]),
                ("width", mux["width"]),
                ("height", mux["height"]),
                ("enable-padding", bool(mux["enable_padding"])),
                ("nvbuf-memory-type", mem),
            ],
        )
    )
    secondary = str(p["topology"]) == "detect_classify"
    plugin = PLUGIN_TYPE[str(p.get("infer_plugin", "nvinfer"))]
    if secondary:
        det = p["detector"]
        groups.append(
            (
                "primary-gie",
                [
                    ("enable", 1),
                    ("gpu-id", gpu),
                    ("plugin-type", 0),
                    ("gie-unique-id", det["gie_unique_id"]),
                    ("nvbuf-memory-type", mem),
                    ("config-file", i.detector_config),
                ],
            )
        )
        groups.append(
            (
                "secondary-gie0",
                [
                    ("enable", 1),
                    ("gpu-id", gpu),
                    ("plugin-type", plugin),
                    ("batch-size", i.batch_size),
                    ("gie-unique-id", p["classifier_gie_id"]),
                    ("operate-on-gie-id", det["gie_unique_id"]),
                    ("operate-on-class-ids", list(det["class_ids"] or []) or None),
                    ("nvbuf-memory-type", mem),
                    ("config-file", i.classifier_config),
                ],
            )
        )
    else:
        groups.append(
            (
                "primary-gie",
                [
                    ("enable", 1),
                    ("gpu-id", gpu),
                    ("plugin-type", plugin),
                    ("batch-size", i.batch_size),
                    ("interval", p["interval"]),
                    ("gie-unique-id", p["classifier_gie_id"]),
                    ("nvbuf-memory-type", mem),
                    ("config-file", i.classifier_config),
                ],
            )
        )
    # ll-config-file is resolved against the main config's directory (deepstream-parsers.md §6,
    # get_absolute_file_path l.222/243/247); without one nvtracker runs undocumented defaults (F8),
    # so an enabled tracker gets tao2ds' tracker_config.yml (tracker.tracker_config_text) beside this file.
    ll_config = trk["ll_config_file"] or (TRACKER_CONFIG_FILE if trk["enable"] else None)
    groups.append(
        (
            "tracker",
            [
                ("enable", bool(trk["enable"])),
                ("tracker-width", trk["width"]),
                ("tracker-height", trk["height"]),
                ("ll-lib-file", f"{i.deepstream_root.rstrip('/')}/{trk['ll_lib_file']}"),
                ("ll-config-file", ll_config),
                ("gpu-id", gpu),
                ("display-tracking-id", 1),
            ],
        )
    )
    groups.append(
        (
            "osd",
            [
                ("enable", bool(osd["enable"])),
                ("gpu-id", gpu),
                ("border-width", osd["border_width"]),
                ("text-size", osd["text_size"]),
                ("text-color", [1, 1, 1, 1]),
                ("text-bg-color", [0.3, 0.3, 0.3, 1]),
                ("font", osd["font"]),
                ("show-clock", 0),
                ("nvbuf-memory-type", mem),
            ],
        )
    )
    ports = sink_ports(p["sinks"])
    for n, sink in enumerate(p["sinks"]):
        groups.append((f"sink{n}", _sink_group(sink, i, mem, ports[n])))
    groups.append(("tests", [("file-loop", bool(p["file_loop"]))]))
    check_known_keys(groups, i.deepstream, "deepstream-app")
    return groups


def tracker_config_needed(pipeline: Mapping[str, Any]) -> bool:
    """Whether the app config points at tao2ds' own ``tracker_config.yml`` (which must be written
    beside it with ``tracker.tracker_config_text``)."""
    trk = pipeline["tracker"]
    return bool(trk["enable"]) and not trk["ll_config_file"]


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
        "width": int(mux.get("width", 1920)),
        "height": int(mux.get("height", 1080)),
        "padding": mux.get("enable-padding", "0").strip() == "1",
        "operate_on_class_ids": [
            int(x) for x in sgie.get("operate-on-class-ids", "").split(";") if x.strip()
        ],
    }
