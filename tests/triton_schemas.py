"""The real schemas the Triton route's files are checked against in the tests.

- Triton's ``inference.ModelConfig`` as ``tritonclient`` ships it (``tritonclient.grpc.model_config_pb2``);
- DeepStream's nvinferserver ``PluginControl``, compiled at test time with grpcio-tools' protoc from
  ``tests/data/nvdsinferserver/nvdsinferserver_subset.proto`` (a transcription; its header cites the
  DeepStream release and path).
"""

from __future__ import annotations

import importlib
import sys
from functools import lru_cache
from pathlib import Path

import pytest

PROTO_DIR = Path(__file__).parent / "data" / "nvdsinferserver"
PROTO = "nvdsinferserver_subset.proto"


@lru_cache(maxsize=1)
def _compiled(out_dir: str):
    from grpc_tools import protoc

    rc = protoc.main(["protoc", f"-I{PROTO_DIR}", f"--python_out={out_dir}", str(PROTO_DIR / PROTO)])
    assert rc == 0, f"protoc failed on {PROTO}"
    sys.path.insert(0, out_dir)
    try:
        return importlib.import_module(PROTO.replace(".proto", "_pb2"))
    finally:
        sys.path.remove(out_dir)


def plugin_control_pb2(tmp_dir: Path):
    pytest.importorskip("grpc_tools", reason="grpcio-tools not installed (pip install -e '.[test]')")
    return _compiled(str(tmp_dir))


def parse_nvinferserver(text: str, tmp_dir: Path):
    """Parse with protobuf's own text format parser against DeepStream's PluginControl."""
    from google.protobuf import text_format

    pb2 = plugin_control_pb2(tmp_dir)
    return text_format.Parse(text, pb2.PluginControl())


def parse_model_config(text: str):
    """Parse with Triton's own ModelConfig schema from tritonclient."""
    pytest.importorskip("tritonclient.grpc", reason="tritonclient not installed (pip install -e '.[triton]')")
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2

    return text_format.Parse(text, model_config_pb2.ModelConfig())
