"""Make TAO ``.etlt`` files for tests.

With NVIDIA's codec (``nvidia-eff-tao-encryption``, through ``tao2ds/model/etlt_codec.py`` and an
interpreter that has it: scripts/setup.sh's .venv-codec, or python3.12/3.10 with the wheel) the file is
the real thing: TAO's header, then the codec's own ``encrypt_stream``. Without it only header-only
fixtures can be made (the header, a nonce-sized filler and the payload bytes unencrypted), which is
enough wherever tao2ds reads only the header (a UFF .etlt is never decrypted by tao2ds).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Optional

import pytest

from tao2ds.core.errors import ConfigError
from tao2ds.model.etlt import CODEC_CANDIDATES, find_codec_python, run_codec

KEY = "tao2ds-test-key-7f3a9c"  # distinctive, so a leak is found by a plain text search


def codec_python() -> Optional[str]:
    try:
        return find_codec_python(None)
    except ConfigError:
        return None


def need_codec() -> str:
    py = codec_python()
    if py is None:
        pytest.skip(
            "NVIDIA's .etlt codec (nvidia-eff-tao-encryption, wheels for CPython 3.10/3.12 only) is not "
            f"importable by any of {', '.join(CODEC_CANDIDATES)}; scripts/setup.sh makes .venv-codec"
        )
    return py


def make_etlt(payload: Path, dest: Path, key: str = KEY, input_node: Optional[str] = None) -> Path:
    """A real .etlt of ``payload`` made with NVIDIA's codec (skips the test without it)."""
    py = need_codec()
    dest.parent.mkdir(parents=True, exist_ok=True)
    run_codec(py, ["encode", str(payload), str(dest), *([input_node] if input_node else [])], key)
    return dest


def make_header_only_etlt(dest: Path, input_node: Optional[str], payload: bytes = b"\x00" * 64) -> Path:
    """TAO's clear-text header + 16 filler bytes where the nonce goes + ``payload`` (not encrypted)."""
    name = (input_node or "").encode()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(struct.pack("<i", len(name)) + name + os.urandom(16) + payload)
    return dest


def make_uff_etlt(dest: Path, key: str = KEY) -> Path:
    """A UFF-style .etlt (input node ``input_1``): encrypted with the real codec when it is here (the
    payload is filler: tao2ds never decrypts a UFF .etlt), header-only otherwise."""
    filler = dest.with_name(dest.name + ".payload")
    dest.parent.mkdir(parents=True, exist_ok=True)
    filler.write_bytes(b"UFF stand-in payload " * 40)
    try:
        if codec_python() is not None:
            return make_etlt(filler, dest, key, input_node="input_1")
        return make_header_only_etlt(dest, "input_1", filler.read_bytes())
    finally:
        filler.unlink(missing_ok=True)
