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


def _counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    from tao2ds.model import imageset

    decoded: list[Path] = []
    real = imageset.load_rgb

    def load_rgb(path, min_hw=None):
        decoded.append(path)
        return real(path, min_hw)

    monkeypatch.setattr(imageset, "load_rgb", load_rgb)
    return decoded


@pytest.mark.parametrize("color", [0, 1, 2])
def test_second_pass_reads_kept_pixels_instead_of_decoding(color: int, monkeypatch) -> None:
    """Calibration's pass 2 gets the very arrays of pass 1 without decoding any file again."""
    from tao2ds.model.imageset import ImageBatches
    from tao2ds.model.preprocess import Preprocessing

    gray = {"infer_dims": (1, 80, 60), "offsets": [128.0]} if color == 2 else {}
    pp = Preprocessing(**{**PP.to_dict(), "model_color_format": color, **gray})
    images = list_images(SAMPLE)[:21]
    reference = list(ImageBatches(images, pp, 8, keep_pixels=False)())
    decoded = _counting_decodes(monkeypatch)
    with batch_iterator(images, pp, 8) as batches:
        first = [load() for load in batches.loaders()]
        assert len(decoded) == 21
        again, iterated = [load() for load in batches.loaders()], list(batches())
        assert len(decoded) == 21  # nothing decoded twice
    for got in (first, again, iterated):
        assert [b.shape for b in got] == [b.shape for b in reference]
        assert all(np.array_equal(a, b) for a, b in zip(got, reference))
    assert list(batches()) and len(decoded) == 42  # closed: the kept pixels are gone, decoding again


def test_kept_pixels_fall_back_to_decoding_when_they_cannot_be_kept(monkeypatch, tmp_path) -> None:
    """A full disk, a set over the limit, or no room in the temp folder only cost decoding again."""
    import errno
    from types import SimpleNamespace

    images = list_images(SAMPLE)[:16]
    reference = list(batch_iterator(images, PP, 8)())

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    cases = {
        "full disk": ("os.pwrite", full),
        "over the limit": ("tao2ds.model.imageset.SPILL_LIMIT_BYTES", 16 * 80 * 60 * 3 - 1),
        "no room in the temp folder": ("shutil.disk_usage", lambda _: SimpleNamespace(free=0)),
    }
    for name, (target, value) in cases.items():
        with monkeypatch.context() as m:
            m.setattr(target, value)
            decoded = _counting_decodes(m)
            with batch_iterator(images, PP, 8) as batches:
                for _ in range(2):
                    got = [load() for load in batches.loaders()]
                    assert all(np.array_equal(a, b) for a, b in zip(got, reference)), name
            assert len(decoded) == 32, name
