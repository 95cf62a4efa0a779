"""Fixtures for the calibration tests."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from tests.unit.calibration.calib_helpers import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny.onnx"
    onnx.save(build_tiny_model(), path)
    return path
