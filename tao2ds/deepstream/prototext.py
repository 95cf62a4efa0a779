"""Protocol Buffers text format, the syntax of nvinferserver configs and Triton's ``config.pbtxt``:
a writer and a small reader, so the product needs no generated protobuf classes.

A message is a list of ``(field, value)`` pairs; a value is a scalar (``int``, ``float``,
``bool``, ``str``), an :class:`Enum` name (written bare), a list of scalars (``field: [a, b]``),
a nested message (a list of pairs, written ``field { … }``) or a list of messages (the field
repeated). The reader returns the same shape, with every field's values collected in order
(:func:`get`, :func:`get_all`). The tests parse what the writer produces with the real schemas
(``google.protobuf.text_format`` against Triton's ``model_config.proto`` and DeepStream's
``nvdsinferserver_config.proto``), which is what makes this writer trustworthy.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterator, Sequence

from tao2ds.core.errors import ConfigError

Message = list  # list[tuple[str, Any]]


class Enum(str):
    """An enum value's name, written without quotes (``network_format: IMAGE_FORMAT_BGR``)."""


def _scalar(v: Any) -> str:
    if isinstance(v, Enum):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ConfigError(f"protobuf text cannot carry {v}", value=v)
        return repr(v)
    if isinstance(v, str):
        escaped = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    raise ConfigError(f"no protobuf text form for {type(v).__name__} {v!r}", value=v)


def _is_message(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, tuple) and len(x) == 2 for x in v) and bool(v)


def _lines(msg: Sequence[tuple[str, Any]], depth: int) -> Iterator[str]:
    pad = "  " * depth
    for key, value in msg:
        if value is None or value == []:  # unset; an empty list or message says nothing either
            continue
        if _is_message(value):
            yield f"{pad}{key} {{"
            yield from _lines(value, depth + 1)
            yield f"{pad}}}"
        elif isinstance(value, tuple):  # repeated message: one block per element
            for m in value:
                yield f"{pad}{key} {{"
                yield from _lines(m, depth + 1)
                yield f"{pad}}}"
        elif isinstance(value, list):  # repeated scalar
            yield f"{pad}{key}: [{', '.join(_scalar(x) for x in value)}]"
        else:
            yield f"{pad}{key}: {_scalar(value)}"


def render(msg: Sequence[tuple[str, Any]], header: Sequence[str] = ()) -> str:
    """Text of a message; repeated messages are given as a *tuple* of messages, repeated scalars as a list."""
    return "".join(f"# {h}\n" for h in header) + "".join(line + "\n" for line in _lines(msg, 0))


# --- reading ------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s+|\#[^\n]*|(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<num>[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?)|(?P<id>[A-Za-z_][A-Za-z0-9_.]*)|(?P<punct>[{}\[\]:,;<>])"""
)


def _tokens(text: str, where: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise ConfigError(
                f"{where}:{line}: cannot read {text[pos : pos + 20]!r} as protobuf text", file=where
            )
        if m.lastgroup:
            out.append((m.lastgroup, m.group(m.lastgroup), text.count("\n", 0, pos) + 1))
        pos = m.end()
    return out


def _unescape(s: str) -> str:
    body = s[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _value(kind: str, tok: str) -> Any:
    if kind == "str":
        return _unescape(tok)
    if kind == "num":
        t = tok.rstrip("fF")
        return float(t) if any(c in t for c in ".eE") else int(t)
    if tok in ("true", "True"):
        return True
    if tok in ("false", "False"):
        return False
    return Enum(tok)


def parse(text: str, where: str = "<text>") -> Message:
    """Fields in file order; a field given twice (repeated) appears twice; ``f: [a, b]`` gives a list."""
    toks = _tokens(text, where)
    pos = 0

    def fail(msg: str) -> ConfigError:
        line = toks[min(pos, len(toks) - 1)][2] if toks else 1
        return ConfigError(f"{where}:{line}: {msg}", file=where)

    def message(end: str | None) -> Message:
        nonlocal pos
        out: Message = []
        while True:
            if pos >= len(toks):
                if end is None:
                    return out
                raise fail(f"missing '{end}'")
            kind, tok, _ = toks[pos]
            if end is not None and kind == "punct" and tok == end:
                pos += 1
                return out
            if kind == "punct" and tok in ",;":
                pos += 1
                continue
            if kind != "id":
                raise fail(f"expected a field name, found {tok!r}")
            key = tok
            pos += 1
            colon = pos < len(toks) and toks[pos][1] == ":"
            if colon:
                pos += 1
            if pos >= len(toks):
                raise fail(f"{key}: missing value")
            kind, tok, _ = toks[pos]
            if kind == "punct" and tok in "{<":
                pos += 1
                out.append((key, message("}" if tok == "{" else ">")))
            elif kind == "punct" and tok == "[":
                pos += 1
                items: list = []
                while pos < len(toks) and toks[pos][1] != "]":
                    k2, t2, _ = toks[pos]
                    if k2 == "punct" and t2 == ",":
                        pos += 1
                    elif k2 == "punct" and t2 in "{<":
                        pos += 1
                        items.append(message("}" if t2 == "{" else ">"))
                    else:
                        items.append(_value(k2, t2))
                        pos += 1
                if pos >= len(toks):
                    raise fail(f"{key}: missing ']'")
                pos += 1
                out.extend((key, v) for v in items) if items and isinstance(items[0], list) else out.append(
                    (key, items)
                )
            elif not colon:
                raise fail(f"{key}: expected ':' or '{{'")
            else:
                out.append((key, _value(kind, tok)))
                pos += 1

    return message(None)


def get_all(msg: Message, key: str) -> list:
    """Every value of ``key``; a ``[a, b]`` list is flattened into its items."""
    out: list = []
    for k, v in msg:
        if k == key:
            out.extend(v) if isinstance(v, list) and not _is_message(v) and v != [] else out.append(v)
    return out


def get(msg: Message, key: str, default: Any = None) -> Any:
    """The last value of a singular field (protobuf text keeps the last), or ``default``."""
    values = [v for k, v in msg if k == key]
    return values[-1] if values else default


def path(msg: Message, *keys: str, default: Any = None) -> Any:
    """``path(cfg, "infer_config", "backend", "triton", "model_name")``."""
    cur: Any = msg
    for k in keys:
        if not isinstance(cur, list):
            return default
        cur = get(cur, k)
        if cur is None:
            return default
    return cur
