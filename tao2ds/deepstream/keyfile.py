"""GLib key files, the format of nvinfer and deepstream-app configs: rendering, and reading back
with GLib's own GKeyFile (the parser DeepStream uses).

GKeyFile keeps trailing blanks in values, has no inline comments, and deepstream-app skips a
group whose ``enable`` is not an integer (deepstream.md §6), so values are rendered strictly:
booleans as 1/0, lists joined by ';', and anything that GKeyFile would misread is refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

from tao2ds.core.errors import ConfigError

Group = tuple[str, Sequence[tuple[str, Any]]]


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "inf" in text or "nan" in text:
            raise ValueError(f"float {value!r} cannot be written for GKeyFile's g_ascii_strtod reliably")
        return text
    if isinstance(value, (list, tuple)):
        return ";".join(format_value(v) for v in value)
    text = str(value)
    if any(c in text for c in "\n\r\\") or text != text.strip():
        raise ValueError(f"value {text!r} has a line break, backslash or surrounding blanks that GKeyFile would keep or reinterpret")
    return text


def render_keyfile(groups: Iterable[Group], header: Sequence[str] = ()) -> str:
    lines = [f"# {h}" if h else "#" for h in header]
    for name, entries in groups:
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        seen: set[str] = set()
        for key, value in entries:
            if value is None:
                continue
            if key in seen:
                raise ValueError(f"duplicate key '{key}' in [{name}]: GKeyFile keeps both and DeepStream reads it twice")
            seen.add(key)
            lines.append(f"{key}={format_value(value)}")
    return "\n".join(lines) + "\n"


# --- reading, with GLib ------------------------------------------------------------------------


def _glib():
    try:
        import gi
        from gi.repository import GLib  # noqa: F401
    except ImportError as e:
        raise ConfigError("reading DeepStream configs needs PyGObject (GLib); run scripts/setup.sh") from e
    return GLib


def load_keyfile(text: str, where: str = "<text>"):
    """A GLib.KeyFile parsed with G_KEY_FILE_NONE, as DeepStream loads its configs."""
    GLib = _glib()
    kf = GLib.KeyFile.new()
    data = text.encode("utf-8")
    try:
        kf.load_from_data(text, len(data), GLib.KeyFileFlags.NONE)
    except GLib.Error as e:
        raise ConfigError(f"{where}: GKeyFile cannot parse it: {e.message}") from None
    return kf


def read_keyfile(path: str | Path) -> dict[str, list[tuple[str, str]]]:
    """{group: [(key, raw value)]} in file order."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    kf = load_keyfile(path.read_text(encoding="utf-8"), str(path))
    groups, _ = kf.get_groups()
    out: dict[str, list[tuple[str, str]]] = {}
    for g in groups:
        keys, _ = kf.get_keys(g)
        out[g] = [(k, kf.get_value(g, k)) for k in keys]
    return out
