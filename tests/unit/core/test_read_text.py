"""Input text files: not UTF-8, a directory, a BOM — one clean error naming file, line and byte."""

import pytest

from tao2ds.core.errors import ImageSetError, InputError, ModelError
from tao2ds.core.fileio import read_text
from tao2ds.model.imageset import list_images
from tao2ds.model.labels import load_classmap
from tao2ds.model.tao_spec import load_spec


def test_not_utf8_names_line_and_byte(tmp_path):
    f = tmp_path / "spec.txt"
    f.write_bytes(b'model_config {\n  arch: "resnet"\n  caf\xe9\n}\n')
    with pytest.raises(InputError) as e:
        read_text(f)
    assert e.value.message == f"{f}: not UTF-8 text (byte 0xe9 at offset 37, line 3)"
    assert e.value.hint == "save the file as UTF-8" and e.value.exit_code == 3


def test_directory_and_bom(tmp_path):
    with pytest.raises(InputError, match="is a directory, not a file"):
        read_text(tmp_path)
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhello")
    assert read_text(tmp_path / "bom.txt") == "hello"
    with pytest.raises(FileNotFoundError):
        read_text(tmp_path / "missing")


def test_model_readers_raise_their_kind(tmp_path, seed_model):
    _, classmap = seed_model
    bad = tmp_path / "classmap.json"
    bad.write_bytes(classmap.read_bytes().replace(b'"Fall"', b'"F\xe4ll"'))
    with pytest.raises(
        ModelError, match=r"classmap.json: not UTF-8 text \(byte 0xe4 at offset \d+, line \d+\)"
    ):
        load_classmap(bad)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + classmap.read_bytes())
    assert load_classmap(bom) == load_classmap(classmap)
    spec = tmp_path / "spec.txt"
    spec.write_bytes(b"\xff\xfe")
    with pytest.raises(ModelError, match=r"spec.txt: not UTF-8 text \(byte 0xff at offset 0, line 1\)"):
        load_spec(spec)
    lst = tmp_path / "list.txt"
    lst.write_bytes(b"a.jpg\n\x80.jpg\n")
    with pytest.raises(ImageSetError, match=r"list.txt: not UTF-8 text \(byte 0x80 at offset 6, line 2\)"):
        list_images(lst)


def test_deeply_nested_classmap_and_spec(tmp_path):
    cm = tmp_path / "classmap.json"
    cm.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="JSON nested too deeply to be a classmap"):
        load_classmap(cm)
    spec = tmp_path / "spec.txt"
    spec.write_text("a {" * 5000 + "}" * 5000)
    with pytest.raises(ModelError, match="blocks nested too deeply to be a TAO training spec"):
        load_spec(spec)
