"""The hash memo: a file whose identity is unchanged is not read again; any write is noticed."""

import json
import os
import time

import pytest

from tao2ds.core import hashmemo, records
from tao2ds.core.fileio import sha256_file
from tao2ds.core.hashmemo import HashMemo

SETTLE_S = 0.1


@pytest.fixture
def settle(monkeypatch):
    """A shorter settling time than the real 2 s, and a way to wait it out."""
    monkeypatch.setattr(hashmemo, "SETTLED_NS", int(SETTLE_S * 1e9))
    return lambda: time.sleep(SETTLE_S * 1.5)


def no_reading(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the memo read the file")

    monkeypatch.setattr(hashmemo, "open", refuse, raising=False)


def test_a_settled_file_is_not_read_again_by_the_next_run(tmp_path, settle, monkeypatch):
    f = tmp_path / "model.onnx"
    f.write_bytes(b"graph" * 1000)
    settle()
    memo = HashMemo(tmp_path / "memo.json")
    assert memo.sha256(f) == sha256_file(f)
    assert memo.dirty
    memo.save()
    stored = json.loads((tmp_path / "memo.json").read_text())["files"]
    assert stored[str(f)][5] == sha256_file(f)

    no_reading(monkeypatch)
    assert HashMemo(tmp_path / "memo.json").sha256(f) == sha256_file(f)  # sha256_file: fileio's open


def test_a_write_that_keeps_size_and_mtime_is_still_seen(tmp_path, settle):
    f = tmp_path / "labels.txt"
    f.write_text("season\n")
    settle()
    memo = HashMemo(tmp_path / "memo.json")
    old = memo.sha256(f)
    st = os.stat(f)
    time.sleep(0.02)  # past the kernel's timestamp tick
    f.write_text("xeason\n")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back by hand: ctime still moves
    assert memo.sha256(f) == sha256_file(f) != old


def test_a_file_replaced_by_rename_is_read_again(tmp_path, settle):
    f, new = tmp_path / "a.txt", tmp_path / "b.txt"
    f.write_text("one\n")
    settle()
    memo = HashMemo(None)
    memo.sha256(f)
    new.write_text("two\n")
    os.replace(new, f)
    assert memo.sha256(f) == sha256_file(f)


def test_a_recently_changed_file_is_not_remembered(tmp_path):
    f = tmp_path / "fresh.txt"
    f.write_text("just written\n")
    memo = HashMemo(tmp_path / "memo.json")
    assert memo.sha256(f) == sha256_file(f)
    assert not memo.dirty  # within the file system's timestamp granularity of its last change
    memo.save()
    assert not (tmp_path / "memo.json").exists()


def test_missing_unreadable_and_corrupt(tmp_path, settle):
    memo_file = tmp_path / "memo.json"
    memo_file.write_text("{not json")
    memo = HashMemo(memo_file)
    with pytest.raises(FileNotFoundError):
        memo.sha256(tmp_path / "missing")
    assert records.hash_files([tmp_path / "missing"], memo) == {str(tmp_path / "missing"): ""}

    f = tmp_path / "out.txt"
    f.write_text("x\n")
    settle()
    memo.sha256(f)
    memo.save()
    if os.geteuid() != 0:  # root reads anything
        f.chmod(0)
        assert records.hash_files([f], HashMemo(memo_file)) == {str(f): ""}


def test_save_into_an_unwritable_place_is_not_an_error(tmp_path, settle):
    (tmp_path / "file").write_text("")
    f = tmp_path / "x.txt"
    f.write_text("x\n")
    settle()
    memo = HashMemo(tmp_path / "file" / "memo.json")  # under a file
    memo.sha256(f)
    memo.save()
    assert not memo.dirty


def test_a_full_memo_keeps_only_what_this_run_asked_about(tmp_path, settle, monkeypatch):
    monkeypatch.setattr(hashmemo, "MAX_ENTRIES", 2)
    files = [tmp_path / f"{n}.txt" for n in range(3)]
    for f in files:
        f.write_text(f.name)
    settle()
    memo = HashMemo(tmp_path / "memo.json")
    for f in files:
        memo.sha256(f)
    memo.save()
    again = HashMemo(tmp_path / "memo.json")
    again.sha256(files[0])
    again.sha256(files[1])
    (tmp_path / "new.txt").write_text("new")
    settle()
    again.sha256(tmp_path / "new.txt")
    again.save()
    kept = json.loads((tmp_path / "memo.json").read_text())["files"]
    assert set(kept) == {str(files[0]), str(files[1]), str(tmp_path / "new.txt")}
