"""The compose cache is only a speed-up: a damaged file or an unwritable place never stops a build."""

import json

from tao2ds.config.compose import ComposeCache, compose
from tao2ds.core import log


def test_damaged_cache_files_start_afresh(tmp_path):
    """One JSON file per entry: a damaged entry is composed again and rewritten."""
    path = tmp_path / "compose-cache"
    ovs = ["model.batch_size=2"]
    store = ComposeCache(path)
    store.put(ovs, compose(ovs))
    store.save()
    [entry] = list(path.glob("*.json"))
    for text in ("garbage", "[1, 2]", "\xff"):
        entry.write_text(text)
        store = ComposeCache(path)
        assert store.get(ovs) is None
        store.put(ovs, compose(ovs))
        store.save()
        assert ComposeCache(path).get(ovs).cfg.model.batch_size == 2
        assert isinstance(json.loads(entry.read_text()), dict)


def test_unwritable_place_only_warns(tmp_path, capsys):
    log.setup("info")
    (tmp_path / ".tao2ds").write_text("a file where the folder goes")
    store = ComposeCache(tmp_path / ".tao2ds" / "compose-cache.json")
    store.put([], compose([]))
    store.save()
    err = capsys.readouterr().err
    assert f"cannot save the compose cache {tmp_path / '.tao2ds' / 'compose-cache.json'} (cannot write" in err
    assert err.rstrip().endswith("continuing without it") and len(err.strip().splitlines()) == 1
