"""The C binning loop: built by the install, refuses NaN, and can be switched off."""

from __future__ import annotations

import numpy as np
import pytest

from tao2ds.calibration import native
from tao2ds.calibration.histogram import AbsHistogramCollector


def test_the_install_built_the_c_loop_and_the_environment_can_switch_it_off(monkeypatch) -> None:
    monkeypatch.delenv(native.DISABLE_ENV, raising=False)
    assert native.library_path() is not None, "pip install -e . did not build _binning (gcc missing?)"
    assert native.histogram_kernel() is not None and native.describe().startswith("C (_binning")
    monkeypatch.setenv(native.DISABLE_ENV, "0")
    assert native.histogram_kernel() is None
    assert native.describe() == f"numpy ({native.DISABLE_ENV}=0)"
    assert AbsHistogramCollector({"t": 1.0})._kernel is None


def test_nan_in_the_second_pass_is_refused_by_the_c_loop(monkeypatch) -> None:
    """Pass 1 refuses NaN already; the C loop also refuses it in pass 2 (were the data to change)."""
    monkeypatch.delenv(native.DISABLE_ENV, raising=False)
    hist = AbsHistogramCollector({"t": 1.0, "u": 1.0, "v": 1.0}, relu_of={"v": "u"})
    for name in ("t", "u"):  # |x| binning, and signed binning for a Relu's input
        with pytest.raises(ValueError, match=f"tensor '{name}' contains NaN"):
            hist.update(name, np.array([0.5, np.nan, -0.2], np.float32))
