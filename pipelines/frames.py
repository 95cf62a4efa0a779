"""Decode the main config's sources with GStreamer and hand out frames as nvstreammux would.

streammux scales every frame to its width × height (stretching unless enable-padding, which
keeps the aspect ratio and pads); we do the same with videoscale before the appsink.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import urlparse

from tao2ds.core.errors import SourceError
from tao2ds.deepstream.sources import first_index, sequence_match


@dataclass(frozen=True)
class Frame:
    source: int
    uri: str
    number: int
    timestamp: Optional[float]
    rgb: object  # numpy H×W×3 uint8


def _gst():
    try:
        import gi  # optional: PyGObject, installed by scripts/setup.sh

        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
    except (ImportError, ValueError) as e:
        raise SourceError(
            "the reference runner needs GStreamer through PyGObject; run scripts/setup.sh"
        ) from e
    Gst.init(None)
    return Gst


def _description(uri: str, width: int, height: int, padding: bool) -> str:
    scale = f"videoscale add-borders={'true' if padding else 'false'}"
    caps = f"video/x-raw,format=RGB,width={width},height={height}"
    if uri.startswith("file://") and sequence_match(uri):  # image sequence
        location = urlparse(uri).path
        head = f'multifilesrc location="{location}" start-index={first_index(Path(location))} ! decodebin'
    else:
        head = f'uridecodebin uri="{uri}"'
    return (
        f"{head} ! videoconvert ! {scale} ! {caps} ! appsink name=sink sync=false max-buffers=32 drop=false"
    )


def decode(
    source: int, uri: str, width: int, height: int, padding: bool = False, max_frames: Optional[int] = None
) -> Iterator[Frame]:
    import numpy as np  # deferred: not needed to plan a build

    Gst = _gst()
    pipeline = Gst.parse_launch(_description(uri, width, height, padding))
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    number = 0
    try:
        while max_frames is None or number < max_frames:
            sample = sink.emit("try-pull-sample", 100 * Gst.MSECOND)
            if sample is None:
                msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS)
                if msg is None:
                    if sink.get_property("eos"):
                        break
                    continue
                if msg.type == Gst.MessageType.ERROR:
                    err, debug = msg.parse_error()
                    raise SourceError(f"source {uri}: cannot decode it: {err.message}")
                break
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                raise SourceError(f"source {uri}: cannot map frame {number}")
            try:
                s = sample.get_caps().get_structure(0)
                w, h = s.get_value("width"), s.get_value("height")
                data = info.data  # each access copies the buffer: read it once
                stride = len(data) // h
                rgb = np.frombuffer(data, np.uint8).reshape(h, stride)[:, : w * 3].reshape(h, w, 3)
            finally:
                buf.unmap(info)
            pts = None if buf.pts == Gst.CLOCK_TIME_NONE else buf.pts / Gst.SECOND
            yield Frame(source, uri, number, pts, rgb)
            number += 1
        if number == 0:
            raise SourceError(f"source {uri}: no frames decoded (unplayable or empty file)")
    finally:
        pipeline.set_state(Gst.State.NULL)
