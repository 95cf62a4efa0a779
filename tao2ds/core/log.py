"""Logging for tao2ds: one logger per package under ``tao2ds``, one handler, set up once.

Progress and decision lines ("engine: building … because TensorRT 10.3.0 → 10.4.0", "restored
from the artifact cache") are INFO; details are DEBUG. ``log.level`` in the config (default
``info``) chooses how much is shown. Errors are not logged here: they are
raised and printed once by ``tao2ds.core.report``.
"""

from __future__ import annotations

import logging
import sys

ROOT = "tao2ds"
_FORMAT = "tao2ds: %(message)s"


def get(name: str) -> logging.Logger:
    """The logger for a module: pass ``__name__`` (``tao2ds.engine.builders.ssh`` …)."""
    return logging.getLogger(name if name.startswith(ROOT) else f"{ROOT}.{name}")


def setup(level: str) -> None:
    """Attach the one stderr handler (idempotent) and set the level (``log.level``)."""
    root = logging.getLogger(ROOT)
    root.setLevel(level.upper())
    if not any(getattr(h, "_tao2ds", False) for h in root.handlers):
        handler = _LazyStderrHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._tao2ds = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False


class _LazyStderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at emit time (doit swaps it while an action runs)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass
