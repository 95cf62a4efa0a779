"""Artifact cache (local and fsspec remote) and `doit explain` (issue: reproducible releases)."""

import shutil

from tests.conftest import DoitRun, clone_project


def _explain(run: DoitRun, *args: str) -> dict[str, str]:
    proc = run("explain", *args)
    return {line.split()[0]: line.split(None, 1)[1] for line in proc.stdout.splitlines() if line.strip()}


def test_explain_names_the_changed_key_and_the_cache(tmp_path):
    run = DoitRun(tmp_path)
    cache = f"cache.dir={tmp_path / 'cache'}"
    run("build", cache)
    assert set(_explain(run, cache).values()) == {"up to date"}
    why = _explain(run, cache, "model.classifier_threshold=0.7")
    assert why["nvinfer:x86_dgpu"] == "will run: config model.classifier_threshold: 0.5 → 0.7"
    assert why["labels:x86_dgpu"] == "up to date" and why["appconfig:x86_dgpu"] == "up to date"
    run("build", cache, "model.classifier_threshold=0.7")
    why = _explain(run, cache)  # back to 0.5: that output is in the cache
    assert why["nvinfer:x86_dgpu"].startswith(
        "cached (restored without running): config model.classifier_threshold: 0.7 → 0.5"
    )


def test_second_clone_restores_everything_from_a_shared_remote(tmp_path):
    remote = f"cache.remote=file://{tmp_path / 'remote'}"
    a = DoitRun(tmp_path / "a", clone_project(tmp_path / "a" / "repo"))
    b = DoitRun(tmp_path / "b", clone_project(tmp_path / "b" / "repo"))
    first = a("build", "targets=all", remote)
    # identical steps of different targets (e.g. the staged ONNX) already share one entry
    assert (
        "stage-model:x86_dgpu:model: restored" in first.stderr
        or "stage-model:jetson_nano:model: restored" in first.stderr
    )
    second = b("build", "targets=all", remote)
    # engine:T only prints the builder note; manifest:T always runs (it clears stale files)
    ran = {t for t in b.executed(second) if not t.startswith(("engine:", "manifest:"))}
    restored = [line for line in second.stderr.splitlines() if "restored from the artifact cache" in line]
    assert len(restored) == len(ran) > 20
    for target in ("jetson_nano", "x86_dgpu"):
        for name in ("labels.txt", "config_infer_multitask.txt", "deepstream_app.txt", "manifest.json"):
            assert (a.build / target / name).read_bytes() == (b.build / target / name).read_bytes()


def test_corrupted_cache_entry_is_detected_and_rebuilt(tmp_path):
    cache_dir = tmp_path / "cache"
    run = DoitRun(tmp_path)
    run("build", f"cache.dir={cache_dir}")
    good = (run.build / "x86_dgpu" / "labels.txt").read_bytes()
    for obj in (cache_dir / "objects").rglob("*"):
        if obj.is_file() and obj.read_bytes() == good:
            obj.write_bytes(b"Fall;Spring\n")  # same name, wrong content
    shutil.rmtree(run.build)
    proc = run("build", f"cache.dir={cache_dir}")
    assert "corrupted cache object" in proc.stderr
    assert "labels:x86_dgpu" in run.executed(proc)
    assert (run.build / "x86_dgpu" / "labels.txt").read_bytes() == good
