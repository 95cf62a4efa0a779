"""TAO's encrypted ``.etlt`` models: the header, the key, and decryption through NVIDIA's codec.

Layout (tao-tools.md §3.1, verified there by round trip with NVIDIA's codec; NVIDIA's own reader is
``nvidia_tao_deploy/utils/decoding.py`` ``decode_etlt`` in nvidia-tao-deploy 5.0–7.3)::

    int32 LE n | n bytes input-node name | 16-byte nonce | AES-256-CTR ciphertext of the model

``n > 0`` means a UFF payload (TAO 3/4, the name is the UFF input node, e.g. ``input_1``); ``n == 0``
an ONNX payload. The codec has no integrity check: a wrong key decrypts silently to garbage
(§3.2), so a decrypted ONNX is validated with ``onnx.checker`` and a failure is reported as
"wrong key or not a TAO .etlt".

The key is a secret: it is read from the environment variable ``model.key_env`` names or from
``model.key_file``, never from a config value (Hydra would write it to config.yaml). Nothing here puts
it in an exception, a log line or a file; :func:`mask` removes it from tool output before that output
is shown.
"""

from __future__ import annotations

import os
import struct
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

from tao2ds.core import log
from tao2ds.core.errors import ConfigError, ModelError

logger = log.get(__name__)

CODEC_SCRIPT = Path(__file__).with_name("etlt_codec.py")
CODEC_PACKAGE = "nvidia-eff-tao-encryption"
# The interpreters tried when model.codec_python is unset: scripts/setup.sh's codec venv first, then
# the CPython versions the codec has wheels for (3.10, 3.12; none for 3.11: platform-notes.md).
CODEC_VENV = Path(__file__).resolve().parents[2] / ".venv-codec" / "bin" / "python"
CODEC_CANDIDATES = (str(CODEC_VENV), "python3.12", "python3.10")
MAX_NODE_NAME = 4096  # a UFF input-node name; anything larger is not an .etlt header


@dataclass(frozen=True)
class EtltHeader:
    kind: str  # "uff" | "onnx"
    input_name: Optional[str]  # the UFF input node; None for an ONNX payload
    payload_offset: int


def read_etlt_header(path: str | Path) -> EtltHeader:
    """Read the clear-text header: UFF (with its input node) or ONNX payload."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise ModelError(
                    f"{path} is not a TAO .etlt: shorter than the 4-byte header", key="model.etlt", file=path
                )
            (n,) = struct.unpack("<i", head)
            if n < 0 or n > MAX_NODE_NAME:
                raise ModelError(
                    f"{path} is not a TAO .etlt: its header gives an input-name length of {n}",
                    key="model.etlt",
                    file=path,
                )
            name = f.read(n)
            rest = f.read(17)
    except FileNotFoundError:
        raise ModelError(f"model.etlt={path}: file not found", key="model.etlt", file=path) from None
    if len(name) != n or len(rest) < 17:
        raise ModelError(
            f"{path} is not a TAO .etlt: it ends inside its header or nonce", key="model.etlt", file=path
        )
    if n == 0:
        return EtltHeader("onnx", None, 4)
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if not text.isprintable() or not text.strip():
        raise ModelError(
            f"{path} is not a TAO .etlt: the UFF input-node name in its header is not text",
            key="model.etlt",
            file=path,
        )
    return EtltHeader("uff", text, 4 + n)


# --- the key ---------------------------------------------------------------------------------------


def resolve_key(key_env: str, key_file: Optional[str]) -> str:
    """The model key from ``model.key_file`` (when set) or the variable ``model.key_env`` names."""
    if key_file:
        p = Path(key_file).expanduser()
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"model.key_file={key_file}: file not found", key="model.key_file", file=key_file
            ) from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(
                f"model.key_file={key_file}: cannot read it ({type(e).__name__})",
                key="model.key_file",
                file=key_file,
            ) from None
        key = text.strip("\r\n")
        if not key:
            raise ConfigError(f"model.key_file={key_file} is empty", key="model.key_file", file=key_file)
        return key
    key = os.environ.get(key_env, "")
    if not key:
        raise ConfigError(
            f"model.etlt needs its key, and the environment variable {key_env} is not set",
            key="model.key_env",
            value=key_env,
            hint=f"export {key_env}=<the key used at tao export> (or set model.key_file=<file holding it>)",
        )
    if "\n" in key or "\r" in key:
        raise ConfigError(f"the key in {key_env} contains a line break", key="model.key_env", value=key_env)
    return key


def mask(text: str, secrets: Sequence[Optional[str]]) -> str:
    """``text`` with every secret replaced by ``***`` (tool output may echo its command line)."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


# --- the codec ----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _has_codec(python: str) -> bool:
    try:
        proc = subprocess.run(
            [python, str(CODEC_SCRIPT), "check"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def find_codec_python(configured: Optional[str] = None) -> str:
    """An interpreter that imports NVIDIA's codec: ``model.codec_python`` if set, else the first of
    :data:`CODEC_CANDIDATES` that does."""
    candidates = [configured] if configured else list(CODEC_CANDIDATES)
    for py in candidates:
        if _has_codec(py):
            return py
    tried = ", ".join(candidates)
    raise ConfigError(
        f"decrypting an ONNX .etlt needs NVIDIA's codec ({CODEC_PACKAGE}), which no interpreter here imports "
        f"(tried {tried})",
        key="model.codec_python",
        hint=(
            f"its wheels exist for CPython 3.10 and 3.12 only: scripts/setup.sh makes .venv-codec with one, or "
            f"run '<python3.12> -m pip install {CODEC_PACKAGE}' and set model.codec_python=<that python>"
        ),
    )


def run_codec(python: str, args: Sequence[str], key: str, timeout: float = 600) -> None:
    """Run the codec helper with the key on its standard input; errors never carry the key."""
    try:
        proc = subprocess.run(
            [python, str(CODEC_SCRIPT), *args],
            input=(key + "\n").encode(),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise ModelError(f"the .etlt codec did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        detail = mask(proc.stderr.decode(errors="replace").strip(), [key])
        raise ModelError(f"the .etlt codec failed ({python}, exit {proc.returncode}): {detail}")


def decrypt_etlt(etlt: str | Path, key: str, out: Path, codec_python: Optional[str] = None) -> None:
    """Decrypt an ONNX-payload ``.etlt`` to ``out`` and check the result is an ONNX model."""
    header = read_etlt_header(etlt)
    if header.kind != "onnx":
        raise ModelError(
            f"{etlt} holds a UFF model (input node {header.input_name!r}); only ONNX payloads are decrypted here",
            key="model.etlt",
            file=etlt,
        )
    python = find_codec_python(codec_python)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        run_codec(python, ["decode", str(etlt), str(tmp)], key)
        problem = onnx_problem(tmp)
        if problem:
            raise ModelError(
                f"{etlt}: wrong key or not a TAO .etlt (the decrypted bytes are not an ONNX model: {problem})",
                key="model.etlt",
                file=etlt,
                hint="check the key in model.key_env / model.key_file: it is the -k/--key given to tao export",
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("etlt: decrypted %s (ONNX payload) to %s", Path(etlt).name, out)


def onnx_problem(path: Path) -> Optional[str]:
    """Why ``path`` is not a valid ONNX model, or None."""
    import onnx  # deferred: protobuf-heavy

    try:
        model = onnx.load(str(path), load_external_data=False)
        onnx.checker.check_model(model)
    except Exception as e:  # DecodeError, ValidationError, ...: any means "not this key's model"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return first[:200]
    if not model.graph.output:
        return "the graph has no outputs"
    return None
