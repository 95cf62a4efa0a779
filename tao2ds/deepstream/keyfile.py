"""GLib key files, the format of nvinfer and deepstream-app configs: rendering, and reading back
with GLib's own GKeyFile (the parser DeepStream uses).

GKeyFile keeps trailing blanks in values, has no inline comments, and deepstream-app skips a
group whose ``enable`` is not an integer (deepstream.md §6), so values are rendered strictly:
booleans as 1/0, codes (IntEnum) as their number, floats positionally, lists joined by ';', and
anything that GKeyFile would misread is refused with a ConfigError naming the group and key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from tao2ds.core import fileio
from tao2ds.core.errors import ConfigError

Group = tuple[str, Sequence[tuple[str, Any]]]


def string_problem(text: str) -> Optional[str]:
    """Why GKeyFile would not read ``text`` back as written, or None.

    A line break ends the value, a backslash starts an escape (``\\n``, ``\\s``...), blanks
    at either end are chugged or kept (deepstream.md §6), and a NUL cannot be stored."""
    if any(c in text for c in "\n\r\0"):
        return "holds a line break or NUL, which a GKeyFile value cannot hold"
    if "\\" in text:
        return "holds a backslash, which GKeyFile reads as an escape"
    if text != text.strip():
        return "starts or ends with blanks, which GKeyFile strips or keeps"
    return None


def format_float(value: float) -> str:
    """Shortest decimal that reads back as ``value``, in positional notation.

    nvinfer reads doubles with ``g_key_file_get_double`` (``g_ascii_strtod``, deepstream.md §6).
    NVIDIA's sample configs write plain decimals, and so do we: the digits of ``repr`` (the
    shortest ones that round-trip) written positionally denote the same decimal number, so
    strtod returns the same double (1e-05 -> ``0.00001``; tested by parsing back with GLib)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(
            f"float {value!r} has no GKeyFile spelling", value=value, hint="use a finite number"
        )
    text = repr(value)
    if "e" not in text and "E" not in text:
        return text
    from decimal import Decimal  # deferred: only when a config is written (start-up time)

    out = format(Decimal(text), "f")
    return out if "." in out else out + ".0"


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):  # IntEnum codes included: written as their number
        return str(int(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, (list, tuple)):
        return ";".join(format_value(v) for v in value)
    text = str(value)
    why = string_problem(text)
    if why:
        raise ConfigError(f"value {text!r} {why}", value=text, hint="remove the offending characters")
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
                raise ConfigError(
                    f"duplicate key '{key}' in [{name}]: GKeyFile keeps both and DeepStream reads it twice",
                    key=f"[{name}] {key}",
                )
            seen.add(key)
            try:
                lines.append(f"{key}={format_value(value)}")
            except ConfigError as e:
                raise ConfigError(
                    f"[{name}] {key}: {e.message}", key=f"[{name}] {key}", value=e.value, hint=e.hint
                ) from None
    return "\n".join(lines) + "\n"


# --- reading, with GLib ------------------------------------------------------------------------


def _glib():
    try:
        import gi  # noqa: F401 - PyGObject must import before its repository
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
    kf = load_keyfile(fileio.read_text(path), str(path))  # not UTF-8: an InputError naming line and byte
    groups, _ = kf.get_groups()
    out: dict[str, list[tuple[str, str]]] = {}
    for g in groups:
        keys, _ = kf.get_keys(g)
        out[g] = [(k, kf.get_value(g, k)) for k in keys]
    return out
