"""The .etlt header, the key's sources, and decryption with NVIDIA's own codec."""

from __future__ import annotations

import struct

import pytest

from tao2ds.config.compose import compose
from tao2ds.core.errors import ConfigError, ModelError
from tao2ds.model.etlt import decrypt_etlt, find_codec_python, mask, read_etlt_header, resolve_key
from tests.etlt_factory import KEY, make_etlt, make_header_only_etlt, need_codec
from tests.model_factory import make_multitask_onnx


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    return make_multitask_onnx(
        tmp_path_factory.mktemp("m") / "multitask.onnx", {"base_color": 3, "category": 4, "season": 2}
    )


def test_header_tells_uff_from_onnx(tmp_path):
    uff = read_etlt_header(make_header_only_etlt(tmp_path / "a.etlt", "input_1"))
    assert (uff.kind, uff.input_name, uff.payload_offset) == ("uff", "input_1", 4 + 7)
    onnx = read_etlt_header(make_header_only_etlt(tmp_path / "b.etlt", None))
    assert (onnx.kind, onnx.input_name, onnx.payload_offset) == ("onnx", None, 4)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"\x01\x00", "shorter than the 4-byte header"),
        (struct.pack("<i", -3) + b"x" * 40, "input-name length of -3"),
        (struct.pack("<i", 1 << 20) + b"x" * 40, "input-name length of 1048576"),
        (struct.pack("<i", 7) + b"input_1" + b"n" * 5, "ends inside its header or nonce"),
        (struct.pack("<i", 3) + b"\xff\xfe\x00" + b"n" * 32, "not text"),
        (b"\x08\x07\x12\x04onnx-protobuf-bytes-of-a-plain-model" * 3, "input-name length"),
    ],
)
def test_not_an_etlt(tmp_path, data, words):
    path = tmp_path / "x.etlt"
    path.write_bytes(data)
    with pytest.raises(ModelError, match="is not a TAO .etlt") as e:
        read_etlt_header(path)
    assert words in str(e.value) and e.value.key == "model.etlt"


def test_missing_etlt(tmp_path):
    with pytest.raises(ModelError, match="file not found"):
        read_etlt_header(tmp_path / "none.etlt")


def test_key_from_env_and_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", KEY)
    assert resolve_key("MY_KEY", None) == KEY
    f = tmp_path / "key.txt"
    f.write_text("from-file\n")
    assert resolve_key("MY_KEY", str(f)) == "from-file"  # key_file wins when set
    monkeypatch.delenv("MY_KEY")
    with pytest.raises(ConfigError, match="MY_KEY is not set") as e:
        resolve_key("MY_KEY", None)
    assert "export MY_KEY=" in e.value.hint
    f.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        resolve_key("MY_KEY", str(f))
    with pytest.raises(ConfigError, match="file not found"):
        resolve_key("MY_KEY", str(tmp_path / "nope"))


def test_mask():
    assert mask(f"tao-converter -k {KEY} -d 3,80,60", [KEY, None]) == "tao-converter -k *** -d 3,80,60"


@pytest.mark.parametrize("override", [f"model.key={KEY}", f"+model.key={KEY}", f"++model.key={KEY}"])
def test_model_key_value_is_refused_with_hint(override):
    with pytest.raises(ConfigError) as e:
        compose([override])
    text = str(e.value)
    assert "model.key cannot be given as a config value" in text and "TAO2DS_MODEL_KEY" in text
    assert KEY not in text


def test_codec_round_trip_is_byte_identical(tmp_path, onnx_model):
    etlt = make_etlt(onnx_model, tmp_path / "m.etlt")
    data = etlt.read_bytes()
    assert data[:4] == b"\0\0\0\0" and len(data) == 4 + 16 + onnx_model.stat().st_size  # §3.1 layout
    assert onnx_model.read_bytes() not in data  # encrypted, not just framed
    out = tmp_path / "out" / "m.onnx"
    decrypt_etlt(etlt, KEY, out)
    assert out.read_bytes() == onnx_model.read_bytes()


def test_wrong_key_is_reported_without_the_key(tmp_path, onnx_model):
    etlt = make_etlt(onnx_model, tmp_path / "m.etlt")
    out = tmp_path / "m.onnx"
    wrong = "not-the-right-key-1234"
    with pytest.raises(ModelError) as e:
        decrypt_etlt(etlt, wrong, out)
    assert "wrong key or not a TAO .etlt" in str(e.value)
    assert wrong not in str(e.value) and KEY not in str(e.value) and wrong not in (e.value.hint or "")
    assert not out.exists() and list(tmp_path.iterdir()) == [etlt]  # no decrypted garbage left behind


def test_uff_payload_is_not_decrypted(tmp_path):
    with pytest.raises(ModelError, match="holds a UFF model"):
        decrypt_etlt(make_header_only_etlt(tmp_path / "u.etlt", "input_1"), KEY, tmp_path / "o.onnx")


def test_missing_codec_says_what_is_needed(tmp_path):
    with pytest.raises(ConfigError) as e:
        find_codec_python(str(tmp_path / "no-python"))
    assert "nvidia-eff-tao-encryption" in str(e.value) and "3.10 and 3.12" in e.value.hint


def test_codec_found_here():
    """Documents which interpreter the suite uses (skips, saying why, where there is none)."""
    assert need_codec()
