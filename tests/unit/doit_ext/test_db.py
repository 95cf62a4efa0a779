"""doit's state DB survives a corrupt file (moved aside with a warning) and a missing folder; a
path that cannot hold it is one clean error (exit 2)."""

import pytest
from doit.dependency import JSONCodec

from tao2ds.doit_ext.db import RecoveringSqliteDB


def open_db(path):
    return RecoveringSqliteDB(str(path), JSONCodec())


def test_round_trip_and_missing_folder(tmp_path):
    path = tmp_path / "new" / "dir" / "state.db"
    db = open_db(path)
    db.set("task", "record", {"a": 1})
    db.dump()
    assert open_db(path).get("task", "record") == {"a": 1}


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path, capsys, damage):
    path = tmp_path / ".doit.db"
    db = open_db(path)
    for n in range(200):
        db.set(f"task{n}", "record", {"n": n, "pad": "x" * 200})
    db.dump()
    good = path.read_bytes()
    path.write_bytes(b"not a database at all" if damage == "garbage" else good[: len(good) // 2])
    damaged = path.read_bytes()
    capsys.readouterr()
    fresh = open_db(path)
    assert fresh.get("task1", "record") is None  # a new, empty DB
    assert (tmp_path / ".doit.db.corrupt").read_bytes() == damaged
    [msg] = capsys.readouterr().err.splitlines()
    assert msg.startswith(f"tao2ds: doit's state file (--db-file, DOIT_CONFIG dep_file) {path} is corrupt (")
    assert f"moved it to {tmp_path / '.doit.db.corrupt'} and started a new one" in msg


def test_unusable_places_exit_2(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    for bad, expect in (
        (tmp_path, f"{tmp_path} is a directory"),
        (tmp_path / "f" / "x.db", f"{tmp_path / 'f' / 'x.db'}: {tmp_path / 'f'} is a file, not a directory"),
    ):
        with pytest.raises(SystemExit) as e:
            open_db(bad)
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"tao2ds: error: doit's state file (--db-file, DOIT_CONFIG dep_file) {expect}")
