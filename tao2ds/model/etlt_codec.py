#!/usr/bin/env python3
"""Decode (or, for tests, encode) a TAO ``.etlt`` with NVIDIA's own codec, ``nvidia-eff-tao-encryption``.

Standalone on purpose: tao2ds runs it with *another* interpreter, one that has the codec (its wheels
exist for CPython 3.10 and 3.12, not 3.11; platform-notes.md), so it imports only the standard library
and ``eff_tao_encryption``. The cipher is NVIDIA's (closed, licence forbids reverse engineering); this
file only frames it the way TAO does:

    int32 LE n | n bytes input-node name (n > 0: UFF payload, n == 0: ONNX) | codec stream (nonce + AES-CTR)

(``nvidia_tao_deploy/utils/decoding.py`` decode_etlt/encode_etlt, nvidia-tao-deploy 7.3.0 wheel; the same
code is in NVIDIA/tao_tensorflow1_backend; tao-tools.md §1.5, §3.1.)

The key is read from standard input (first line, without its line break), never from the command
line, so it shows in no process list. Usage:

    python etlt_codec.py decode IN.etlt OUT          # writes the decrypted payload to OUT
    python etlt_codec.py encode IN OUT.etlt [NODE]   # NODE given: a UFF-style header naming it
    python etlt_codec.py check                       # exit 0 when the codec imports

Exit codes: 0 ok, 2 usage, 3 codec missing, 4 codec or file error (message on stderr, never the key).
"""

import struct
import sys


class HeaderError(Exception):
    """The file does not start with an .etlt header (reported on stderr, exit 4)."""


def _key() -> bytes:
    line = sys.stdin.buffer.readline()
    return line[:-1] if line.endswith(b"\n") else line


def main(argv) -> int:
    if not argv or argv[0] not in ("decode", "encode", "check"):
        sys.stderr.write(__doc__.split("Usage:")[1])
        return 2
    try:
        from eff_tao_encryption.tao_codec import decrypt_stream, encrypt_stream
    except ImportError as e:
        sys.stderr.write(f"nvidia-eff-tao-encryption is not importable by {sys.executable}: {e}\n")
        return 3
    if argv[0] == "check":
        return 0
    key = _key()
    if not key:
        sys.stderr.write("no key on standard input\n")
        return 4
    try:
        if argv[0] == "decode":
            src, dest = argv[1], argv[2]
            with open(src, "rb") as f, open(dest, "wb") as out:
                head = f.read(4)
                if len(head) != 4:
                    raise HeaderError(f"{src} is shorter than an .etlt header")
                (n,) = struct.unpack("<i", head)
                if n < 0 or len(f.read(n)) != n:
                    raise HeaderError(f"{src} has no valid .etlt header")
                decrypt_stream(f, out, key, encryption=True, rewind=False)
        else:
            src, dest = argv[1], argv[2]
            node = argv[3].encode() if len(argv) > 3 else b""
            with open(src, "rb") as f, open(dest, "wb") as out:
                out.write(struct.pack("<i", len(node)))
                out.write(node)
                encrypt_stream(f, out, key, encryption=True, rewind=False)
    except (HeaderError, OSError, ValueError, TypeError, IndexError) as e:
        sys.stderr.write(f"{type(e).__name__}: {e}\n")
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
