"""A corrupted object in cache.remote is replaced with the rebuilt bytes (issue 10 §9)."""

from tao2ds.core.cache import ArtifactCache
from tao2ds.core.fileio import sha256_file


def test_corrupted_remote_object_is_replaced_after_rebuild(tmp_path):
    remote = tmp_path / "remote"
    out = tmp_path / "out" / "labels.txt"
    out.parent.mkdir()
    out.write_text("season\ncategory\n")
    good = sha256_file(out)
    ArtifactCache(tmp_path / "local_a", f"file://{remote}").store("k1", [out], "labels")
    blob = remote / "objects" / good[:2] / good
    blob.write_bytes(b"bit rot")

    clone = ArtifactCache(tmp_path / "local_b", f"file://{remote}")  # another machine, empty local cache
    out.unlink()
    assert clone.restore("k1", [out], "labels") is False  # detected, not used
    out.write_text("season\ncategory\n")  # the step rebuilt it
    clone.store("k1", [out], "labels")
    assert sha256_file(blob) == good

    third = ArtifactCache(tmp_path / "local_c", f"file://{remote}")
    out.unlink()
    assert third.restore("k1", [out], "labels") is True and out.read_text() == "season\ncategory\n"
