"""Image sets for calibration and validation: listing, strict loading, batching.

Every problem names the file: a calibration that silently skips or invents data is exactly the
failure users hit with TAO Deploy (random tensors when the folder is missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from tao2ds.core import fileio
from tao2ds.core.errors import ImageSetError
from tao2ds.model.preprocess import Preprocessing, batch_pixels, normalize_pixels

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


def list_images(spec: str | Path) -> list[Path]:
    """A directory (its image files, sorted, not recursive) or a list file (one path per line,
    relative to the list file; '#' comments). Any other file in the directory is an error."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if not p.name.startswith("."))
        strays = [p for p in files if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES]
        if strays:
            raise ImageSetError(
                f"{strays[0]}: not an image file ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                f"remove it from {path} or list the images in a list file"
            )
        images = [p for p in files if p.is_file()]
    elif path.is_file():
        images = []
        for n, line in enumerate(fileio.read_text(path, ImageSetError).splitlines(), 1):
            line = line.strip()
            if line and not line.startswith("#"):
                p = Path(line) if Path(line).is_absolute() else path.parent / line
                if not p.is_file():
                    raise ImageSetError(f"{path}:{n}: {line}: file not found")
                images.append(p)
    else:
        raise ImageSetError(f"image set {spec}: no such directory or list file")
    if not images:
        raise ImageSetError(f"image set {spec}: contains no images")
    return images


def load_rgb(path: Path, min_hw: Optional[tuple[int, int]] = None):
    """An RGB uint8 H×W×3 array; colour format and size problems are errors, not conversions."""
    import cv2  # deferred: OpenCV is slow to import and a no-op build needs none
    import numpy as np  # deferred: not needed to plan a build

    data = np.fromfile(str(path), dtype=np.uint8) if path.is_file() else None
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data is not None and data.size else None
    if img is None:
        raise ImageSetError(f"{path}: unreadable or not an image")
    if img.dtype != np.uint8:
        raise ImageSetError(f"{path}: {img.dtype} pixels; the pipeline decodes 8-bit images")
    if img.ndim == 2 or img.shape[2] == 1:
        raise ImageSetError(f"{path}: grayscale image; the model takes 3-channel colour frames")
    if img.shape[2] == 4:
        raise ImageSetError(f"{path}: has an alpha channel (RGBA); save it as RGB")
    h, w = img.shape[:2]
    if min_hw and (h < min_hw[0] or w < min_hw[1]):
        raise ImageSetError(f"{path}: {w}x{h} is smaller than the network input {min_hw[1]}x{min_hw[0]}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def check_images(images: Sequence[Path], pp: Preprocessing) -> None:
    """Decode every file as calibration would (same checks, results dropped); the first bad one is an error."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    min_hw = (pp.infer_dims[1], pp.infer_dims[2])
    if len(images) < 16:
        for p in images:
            load_rgb(p, min_hw)
        return
    # OpenCV decodes without the GIL; map() raises the first bad file in set order
    with ThreadPoolExecutor(min(os.cpu_count() or 1, 8)) as pool:
        for _ in pool.map(lambda p: load_rgb(p, min_hw) is None, images):
            pass


def select_for_calibration(
    images: Sequence[Path], batch_size: int, batches: Optional[int], where: str
) -> list[Path]:
    """Whole batches only (TensorRT calibrators take full batches): batch_size × batches images."""
    if batch_size < 1:
        raise ImageSetError(f"calibration.batch_size={batch_size}: must be >= 1")
    need = batch_size * batches if batches is not None else batch_size
    if len(images) < need:
        raise ImageSetError(
            f"{where}: {len(images)} images, but calibration needs at least {need} "
            f"(batch_size {batch_size} × batches {batches or 1}); add images or lower them"
        )
    n = need if batches is not None else len(images) // batch_size * batch_size
    return list(images[:n])


SPILL_LIMIT_BYTES = 4 << 30  # most pixels kept between passes (on disk); a larger set is decoded again


class ImageBatches:
    """Batches of N×C×H×W network inputs, decoded on demand (streamed, never all in memory).

    Calling it returns a fresh iterator over the batches (decoded in the caller's thread);
    ``loaders()`` returns one callable per batch instead, so that a consumer can decode batches on
    several threads (OpenCV releases the GIL while decoding and resizing).

    Decoding is the costly part and calibration reads every batch twice, so the first load of a batch
    keeps its uint8 pixels (``batch_pixels``: resized, a quarter of the float input) at the batch's
    offset in an unlinked temporary file, and later loads only read and normalise them: the same
    arrays, bit for bit. The file sits in the page cache, not in this process, so memory stays flat
    however large the set; it is skipped above SPILL_LIMIT_BYTES or when the temp folder lacks room, and
    a failed write (a full disk) only means decoding that batch again. ``close()`` (or the end of a
    ``with`` block) drops it.
    """

    def __init__(self, images: Sequence[Path], pp: Preprocessing, batch_size: int, keep_pixels: bool = True):
        import threading

        self.images, self.pp, self.batch_size = list(images), pp, batch_size
        _, h, w = pp.infer_dims
        self._frame_shape = (1 if pp.model_color_format == 2 else 3, h, w)
        self._frame_bytes = self._frame_shape[0] * h * w
        self._keep = keep_pixels and len(self.images) * self._frame_bytes <= SPILL_LIMIT_BYTES
        self._spill = None  # opened on the first batch kept
        self._kept: set[int] = set()  # batch indexes whose pixels are in the file
        self._lock = threading.Lock()

    def _load(self, index: int, chunk: Sequence[Path]):
        pixels = self._read(index, len(chunk)) if index in self._kept else None
        if pixels is None:
            min_hw = (self.pp.infer_dims[1], self.pp.infer_dims[2])
            pixels = batch_pixels([load_rgb(p, min_hw) for p in chunk], self.pp)
            self._store(index, pixels)
        return normalize_pixels(pixels, self.pp)  # = stacked preprocess_frame

    def _offset(self, index: int) -> int:
        return index * self.batch_size * self._frame_bytes

    def _open_spill(self):
        import shutil
        import tempfile

        if not self._keep:
            return None
        if self._spill is None:
            need = len(self.images) * self._frame_bytes
            if shutil.disk_usage(tempfile.gettempdir()).free < 2 * need:
                self._keep = False
            else:
                self._spill = tempfile.TemporaryFile(prefix="tao2ds-pixels-")
        return self._spill

    def _store(self, index: int, pixels) -> None:
        import os

        if pixels.shape[1:] != self._frame_shape:
            return
        with self._lock:
            spill = self._open_spill()
        if spill is None:
            return
        data, offset = memoryview(pixels.tobytes()), self._offset(index)
        try:
            while data:
                written = os.pwrite(spill.fileno(), data, offset)
                data, offset = data[written:], offset + written
        except OSError:  # full disk, quota: keep decoding instead
            with self._lock:
                self._keep = False
            return
        with self._lock:
            self._kept.add(index)

    def _read(self, index: int, count: int):
        import os

        import numpy as np  # deferred: not needed to plan a build

        nbytes, spill = count * self._frame_bytes, self._spill
        if spill is None:
            return None
        try:
            data = os.pread(spill.fileno(), nbytes, self._offset(index))
        except (OSError, ValueError):  # closed meanwhile
            return None
        if len(data) != nbytes:
            return None
        return np.frombuffer(data, np.uint8).reshape(count, *self._frame_shape)

    def close(self) -> None:
        """Drop the kept pixels (the next pass decodes again)."""
        with self._lock:
            spill, self._spill = self._spill, None
            self._kept.clear()
        if spill is not None:
            spill.close()

    def __enter__(self) -> "ImageBatches":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _chunks(self) -> Iterator[tuple[int, Sequence[Path]]]:
        for index, start in enumerate(range(0, len(self.images), self.batch_size)):
            yield index, self.images[start : start + self.batch_size]

    def loaders(self) -> list[Callable[[], Any]]:
        return [lambda index=index, chunk=chunk: self._load(index, chunk) for index, chunk in self._chunks()]

    def __call__(self) -> Iterator:
        return (self._load(index, chunk) for index, chunk in self._chunks())


def batch_iterator(images: Sequence[Path], pp: Preprocessing, batch_size: int) -> ImageBatches:
    """A callable returning a fresh iterator of N×C×H×W batches (see ImageBatches)."""
    return ImageBatches(images, pp, batch_size)
