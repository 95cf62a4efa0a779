"""Read a TAO (TF1-era) training spec: protobuf text format without its .proto schema.

We need only a few fields (preprocess_mode, image_mean, input_image_size), so a small tolerant
reader serves; fields repeat freely in text format, so every value is kept in a list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tao2ds.core import fileio
from tao2ds.core.errors import ModelError

_TOKEN = re.compile(
    r"""\s*(?:(?P<comment>\#[^\n]*)|(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<punct>[{}:\[\],<>])|(?P<word>[^\s{}:\[\],<>"'#]+))"""
)

Spec = dict[str, list[Any]]


def parse_spec_text(text: str, where: str = "spec") -> Spec:
    tokens = _tokenize(text, where)
    try:
        pos, root = _parse_fields(tokens, 0, where, closing=None)
    except RecursionError:  # the parser recurses per '{'; a training spec nests a few levels
        raise ModelError(f"{where}: blocks nested too deeply to be a TAO training spec", file=where) from None
    return root


def load_spec(path: str | Path) -> Spec:
    try:
        text = fileio.read_text(path, ModelError)
    except FileNotFoundError:
        raise ModelError(
            f"training spec not found: {path} (set model.spec=<path> or model.spec=null)"
        ) from None
    return parse_spec_text(text, str(path))


def find_all(spec: Spec, key: str) -> list[Any]:
    """Every value of ``key`` at any depth, in document order."""
    found: list[Any] = []
    for k, values in spec.items():
        for v in values:
            if k == key:
                found.append(v)
            if isinstance(v, dict):
                found.extend(find_all(v, key))
    return found


def _tokenize(text: str, where: str) -> list[tuple[str, str, int]]:
    out, pos, line = [], 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ModelError(f"{where}:{line}: cannot read {text[pos : pos + 20]!r}")
        line += text.count("\n", pos, m.start(m.lastgroup))
        if m.lastgroup != "comment":
            out.append((m.lastgroup, m.group(m.lastgroup), line))
        line += text.count("\n", m.start(m.lastgroup), m.end())
        pos = m.end()
    return out


def _parse_fields(tokens, pos: int, where: str, closing: str | None) -> tuple[int, Spec]:
    fields: Spec = {}
    while pos < len(tokens):
        kind, value, line = tokens[pos]
        if kind == "punct" and value in "}>" and closing:
            return pos + 1, fields
        if kind != "word":
            raise ModelError(f"{where}:{line}: expected a field name, found {value!r}")
        name, pos = value, pos + 1
        if pos < len(tokens) and tokens[pos][1] == ":":
            pos += 1
        if pos >= len(tokens):
            raise ModelError(f"{where}:{line}: field '{name}' has no value")
        kind, value, line = tokens[pos]
        if value in "{<":
            pos, sub = _parse_fields(tokens, pos + 1, where, closing="}" if value == "{" else ">")
            fields.setdefault(name, []).append(sub)
        elif value == "[":
            pos += 1
            while tokens[pos][1] != "]":
                if tokens[pos][1] != ",":
                    fields.setdefault(name, []).append(_scalar(tokens[pos][1]))
                pos += 1
            pos += 1
        else:
            fields.setdefault(name, []).append(_scalar(value))
            pos += 1
    if closing:
        raise ModelError(f"{where}: unbalanced braces (missing '{closing}')")
    return pos, fields


def _scalar(token: str) -> Any:
    if token[0] in "\"'":
        return token[1:-1].encode().decode("unicode_escape")
    for conv in (int, float):
        try:
            return conv(token)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(token, token)
