"""Image sets: batches decoded on demand, per-batch loaders, and checking every file of a set."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tao2ds.core.errors import ImageSetError
from tao2ds.model.imageset import batch_iterator, check_images, list_images
from tao2ds.model.preprocess import resolve_preprocessing

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "multitask_sample" / "calibration"
PP = resolve_preprocessing({}, None, (3, 80, 60), 1)


def test_loaders_decode_the_same_batches_as_iterating() -> None:
    images = list_images(SAMPLE)[:20]
    batches = batch_iterator(images, PP, 8)
    iterated = list(batches())
    loaded = [load() for load in batches.loaders()]
    assert [b.shape for b in iterated] == [(8, 3, 80, 60), (8, 3, 80, 60), (4, 3, 80, 60)]
    assert len(loaded) == 3 and all(np.array_equal(a, b) for a, b in zip(iterated, loaded))


def test_check_images_names_the_first_bad_file_in_set_order(tmp_path: Path) -> None:
    d = tmp_path / "set"
    shutil.copytree(SAMPLE, d)
    images = list_images(d)
    check_images(images[:40], PP)  # all good: no error
    (d / "cal_0031.jpg").write_bytes(b"not a jpeg")
    (d / "cal_0007.jpg").write_bytes(b"")
    with pytest.raises(ImageSetError, match="cal_0007.jpg: unreadable"):
        check_images(images[:40], PP)
    with pytest.raises(ImageSetError, match="cal_0031.jpg: unreadable"):
        check_images(images[10:60], PP)
