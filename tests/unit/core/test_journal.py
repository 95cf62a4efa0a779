"""The undo journal: rollback restores a folder byte for byte; commit keeps the run's changes."""

import os
import subprocess
import sys
import textwrap

from tao2ds.core.journal import JOURNAL_DIR, BuildDirLock, Journal


def tree(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and JOURNAL_DIR not in p.parts
    }


def replace(path, data: bytes):
    """How every tao2ds writer changes a file: a new file renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def make_build(tmp_path):
    build = tmp_path / "build"
    (build / "t" / "media").mkdir(parents=True)
    (build / "t" / "labels.txt").write_bytes(b"a;b\n")
    (build / "t" / "media" / "v.mp4").write_bytes(b"video")
    (build / "t" / "old.onnx").write_bytes(b"old model")
    return build


def test_rollback_undoes_added_replaced_and_removed_files(tmp_path):
    build = make_build(tmp_path)
    before = tree(build)
    j = Journal(build)
    j.begin_for([build / "t" / "labels.txt", build / "new" / "x.txt"])
    replace(build / "t" / "labels.txt", b"b;a\n")
    replace(build / "t" / "new.onnx", b"new model")
    replace(build / "t" / "detector" / "d.txt", b"d")
    (build / "t" / "old.onnx").unlink()
    replace(build / "new" / "x.txt", b"x")
    assert sorted(j.rollback()) == ["new", "t"]
    assert tree(build) == before
    assert not (build / "new").exists() and not (build / "t" / "detector").exists()
    assert not (build / JOURNAL_DIR).exists()


def test_commit_keeps_the_runs_changes(tmp_path):
    build = make_build(tmp_path)
    j = Journal(build)
    j.begin(build / "t")
    replace(build / "t" / "labels.txt", b"b;a\n")
    j.commit()
    assert (build / "t" / "labels.txt").read_bytes() == b"b;a\n"
    assert not (build / JOURNAL_DIR).exists()


def test_begin_is_once_per_folder_and_outside_paths_are_ignored(tmp_path):
    build = make_build(tmp_path)
    j = Journal(build)
    j.begin_for([build / "t" / "labels.txt", tmp_path / "elsewhere.txt", build / "file_at_top"])
    replace(build / "t" / "labels.txt", b"v2")
    j.begin_for([build / "t" / "labels.txt"])  # a later step in the same folder: the v1 snapshot stays
    replace(build / "t" / "labels.txt", b"v3")
    j.rollback()
    assert (build / "t" / "labels.txt").read_bytes() == b"a;b\n"


def test_a_journal_left_by_a_killed_process_is_played_back(tmp_path):
    build = make_build(tmp_path)
    before = tree(build)
    code = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from tao2ds.core.journal import Journal
        b = Path({str(build)!r})
        Journal(b).begin(b / "t")
        (b / "t" / "junk").write_bytes(b"half")
        os.replace(b / "t" / "media" / "v.mp4", b / "t" / "moved")
        os._exit(9)  # like SIGKILL: no cleanup
        """
    )
    subprocess.run([sys.executable, "-c", code], check=False)
    assert tree(build) != before
    j = Journal(build)
    assert j.entries()
    j.rollback()
    assert tree(build) == before


def test_second_lock_holder_waits(tmp_path):
    lock = BuildDirLock(tmp_path)
    lock.acquire()
    code = textwrap.dedent(
        f"""
        import time
        from tao2ds.core.journal import BuildDirLock
        t = time.monotonic(); l = BuildDirLock({str(tmp_path)!r}); l.acquire()
        print(round(time.monotonic() - t, 1)); l.release()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    import time

    time.sleep(1.0)
    lock.release()
    out, err = proc.communicate(timeout=30)
    assert float(out) >= 0.5 and "waiting for it" in err and str(os.getpid()) in err
