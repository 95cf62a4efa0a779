"""Read key files with GLib's GKeyFile, the parser nvinfer and deepstream-app use themselves."""
from __future__ import annotations

from pathlib import Path

from tao2ds.errors import ConfigError


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
