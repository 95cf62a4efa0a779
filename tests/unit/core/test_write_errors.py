"""A full disk while writing an output: one WriteError naming the file, no partial or temp file,
the previous version untouched (core.fileio atomic writes)."""

import errno
import os
import resource

import pytest

from tao2ds.core import fileio
from tao2ds.core.errors import WriteError


def test_enospc_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    dest = tmp_path / "labels.txt"
    dest.write_text("old\n")

    def full(self, data):  # the disk fills up halfway through the write
        with open(self, "wb") as f:
            f.write(data[:3])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(type(dest), "write_bytes", full)
    with pytest.raises(WriteError) as e:
        fileio.write_text(dest, "new contents\n")
    assert e.value.message == (
        f"cannot write {dest}: No space left on device (ENOSPC); nothing was written "
        "(an earlier version of the file, if any, is unchanged)"
    )
    assert e.value.hint.startswith(f"free space on the disk that holds {tmp_path}") and e.value.exit_code == 1
    monkeypatch.undo()
    assert dest.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.txt"]


def test_file_size_limit_is_a_write_error(tmp_path):
    """The real kernel error: RLIMIT_FSIZE makes write() fail with EFBIG (Python ignores SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(WriteError, match=r"File too large \(EFBIG\)"):
            fileio.write_bytes(tmp_path / "big.bin", b"x" * 100_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert list(tmp_path.iterdir()) == []


def test_folder_that_cannot_be_made(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(WriteError, match=rf"^cannot write {tmp_path}/f/out.txt: "):
        fileio.write_text(tmp_path / "f" / "out.txt", "y")


def test_other_errors_pass_through(tmp_path):
    with pytest.raises(FileNotFoundError):
        fileio.copy_file(tmp_path / "missing", tmp_path / "dest")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_where_the_output_goes(tmp_path):
    (tmp_path / "labels.txt").mkdir()
    with pytest.raises(WriteError) as e:
        fileio.write_text(tmp_path / "labels.txt", "x")
    assert e.value.message.startswith(f"cannot write {tmp_path / 'labels.txt'}: Is a directory (EISDIR)")
    assert e.value.hint == f"{tmp_path / 'labels.txt'} is a directory; remove it, an output file goes there"
    assert [p.name for p in tmp_path.iterdir()] == ["labels.txt"]


def test_a_file_where_a_folder_goes_is_named(tmp_path):
    (tmp_path / "media").write_text("x")
    with pytest.raises(WriteError) as e:
        fileio.write_text(tmp_path / "media" / "sample.mp4", "x")
    assert e.value.hint == f"{tmp_path / 'media'} is a file where a folder should be; remove or move it"
