"""The C binning loop (``_binning.c``), found next to this file and called through ctypes.

The library is an optional extension built by ``pip install`` (pyproject.toml): a machine without a C
compiler gets ``None`` from ``histogram_kernel()`` and calibration bins with numpy instead, to the same
counts (tests/unit/calibration check both against each other and against the golden caches).
``TAO2DS_NATIVE_BINNING=0`` forces the numpy path, for that comparison and for the benchmark.
"""

from __future__ import annotations

import importlib.machinery
import os
from functools import lru_cache
from pathlib import Path

DISABLE_ENV = "TAO2DS_NATIVE_BINNING"


def library_path() -> Path | None:
    """The built ``_binning`` shared library of this interpreter, if the install compiled one."""
    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = here / f"_binning{suffix}"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def _load():
    import ctypes  # deferred: only calibration needs it, not a no-op build

    path = library_path()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(str(path))
    except OSError:  # built for another machine or libc: numpy still works
        return None
    fn = lib.tao2ds_histogram
    fn.argtypes = [
        ctypes.c_void_p,  # const float *x
        ctypes.c_int64,  # n
        ctypes.c_float,  # scale
        ctypes.c_int64,  # bins
        ctypes.c_void_p,  # int64_t *counts
        ctypes.c_void_p,  # int64_t *positive, or NULL
    ]
    fn.restype = ctypes.c_int64
    return fn


def histogram_kernel():
    """``tao2ds_histogram`` (see _binning.c), or None: not built here, or disabled by the environment."""
    if os.environ.get(DISABLE_ENV) == "0":
        return None
    return _load()


def describe() -> str:
    """One phrase for logs and benchmarks: which binning code calibration uses here."""
    if histogram_kernel() is not None:
        return f"C ({library_path().name})"
    if library_path() is None:
        return "numpy (the C extension was not built: no C compiler at install?)"
    return f"numpy ({DISABLE_ENV}=0)" if _load() is not None else "numpy (the C extension failed to load)"
