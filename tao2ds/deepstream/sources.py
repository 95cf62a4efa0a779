"""Pipeline sources as deepstream-app's ``[sourceN] uri=`` sees them.

A source is a URI (``rtsp://``, ``file://``) or a path relative to the project. Local ones are
copied into the target folder's ``media/`` and written as relative ``file://`` URIs, which
deepstream-app resolves against the config's directory. An image sequence is a path whose file
name holds a printf pattern (``frames/img_%04d.jpg``), as GStreamer's multifilesrc reads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

from tao2ds.core.errors import SourceError

MEDIA_DIR = "media"
_SEQUENCE = re.compile(r"%0?(\d*)d")


def is_local(uri: str) -> bool:
    return urlparse(uri).scheme in ("", "file")


def is_rtsp(uri: str) -> bool:
    return uri.startswith("rtsp://")


def local_path(uri: str) -> Path:
    return Path(uri[len("file://") :] if uri.startswith("file://") else uri)


def sequence_match(name: str) -> Optional[re.Match]:
    """The ``%04d``-style counter in a file name, or None for a single file."""
    return _SEQUENCE.search(name)


def local_files(uri: str) -> list[Path]:
    """The files a local source reads: one video, or every frame of an image sequence.
    Empty if nothing exists."""
    path = local_path(uri)
    m = sequence_match(path.name)
    if m is None:
        return [path] if path.is_file() else []
    width = m.group(1)
    digits = rf"\d{{{int(width)}}}" if width else r"\d+"
    pattern = re.compile(re.escape(path.name[: m.start()]) + digits + re.escape(path.name[m.end() :]) + "$")
    folder = path.parent
    return sorted(p for p in folder.iterdir() if pattern.match(p.name)) if folder.is_dir() else []


def first_index(pattern: Path) -> int:
    """multifilesrc stops at the first missing number, so a sequence is read from its first file."""
    files = local_files(str(pattern))
    if not files:
        raise SourceError(f"image sequence {pattern}: no files match", file=pattern)
    m = sequence_match(pattern.name)
    assert m is not None
    first = files[0].name
    return int(first[m.start() : len(first) - (len(pattern.name) - m.end())])


def staged_uri(uri: str) -> str:
    """The URI written into the target's app config: local sources point into ``media/``."""
    if is_local(uri):
        return f"file://{MEDIA_DIR}/{local_path(uri).name}"
    return uri


def resolve_uri(uri: str, config_dir: Path) -> str:
    """An absolute URI, resolving a relative ``file://`` one against the config's directory, as
    deepstream-app does. A missing single file is an error; sequences are checked when opened."""
    if not is_local(uri):
        return uri
    raw = local_path(uri)
    path = raw if raw.is_absolute() else (config_dir / raw)
    if sequence_match(path.name) is None and not path.is_file():
        raise SourceError(f"source {uri}: file not found ({path.resolve()})", file=path)
    return path.resolve().as_uri().replace("%25", "%")


def is_sequence(uri: str) -> bool:
    """A local image sequence (``frames/img_%04d.jpg``)."""
    return is_local(uri) and sequence_match(local_path(uri).name) is not None


_IMAGE_CAPS = {
    ".jpg": ("image/jpeg", "jpegdec"),
    ".jpeg": ("image/jpeg", "jpegdec"),
    ".png": ("image/png", "pngdec"),
}


def encode_sequence_command(uri: str, framerate: int = 25) -> str:
    """The gst-launch-1.0 command that encodes an image sequence into an H.264 MP4 beside it.

    deepstream-app cannot read a sequence: type 3 (MultiURI) URIs are printf-expanded with the
    source index and opened with uridecodebin, and multifilesrc serves only audio WAV sources
    (deepstream-parsers.md F1: ``deepstream_app_config_parser.c`` l.524/624/772;
    ``deepstream_source_bin.c`` DS71 l.1123)."""
    path = local_path(uri)
    try:
        start = first_index(path)
    except SourceError:
        start = 0
    caps, dec = _IMAGE_CAPS.get(path.suffix.lower(), ("", "decodebin"))
    m = sequence_match(path.name)
    stem = path.name[: m.start()].rstrip("_-.") if m else path.stem
    out = path.parent / f"{stem or 'sequence'}.mp4"
    caps_arg = f' caps="{caps},framerate={framerate}/1"' if caps else ""
    return (
        f'gst-launch-1.0 -e multifilesrc location="{path}" start-index={start}{caps_arg} ! {dec} ! '
        f'videoconvert ! x264enc ! h264parse ! qtmux ! filesink location="{out}"'
    )
