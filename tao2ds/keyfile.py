"""Render GLib key files (what nvinfer and deepstream-app parse with GKeyFile).

GKeyFile keeps trailing blanks in values, has no inline comments, and deepstream-app skips a
group whose ``enable`` is not an integer (deepstream.md §6), so values are rendered strictly:
booleans as 1/0, lists joined by ';', and anything that GKeyFile would misread is refused.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

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
