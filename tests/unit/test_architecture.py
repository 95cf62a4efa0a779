"""The architecture rules of ARCHITECTURE.md, checked: imports point down only (import-linter's
contracts in pyproject.toml), lint and formatting (ruff), and no ValueError reaching a user."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
CODE = ["tao2ds", "tasks", "pipelines", "dodo.py"]


def _tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_layer_contracts_hold():
    proc = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "BROKEN" not in proc.stdout and "Contracts: 2 kept, 0 broken" in proc.stdout


def test_ruff_lint_passes():
    proc = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", *CODE, "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    fmt = subprocess.run(
        [_tool("ruff"), "format", "--check", "--no-cache", *CODE, "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout[-4000:]


def test_no_value_error_reaches_a_user():
    """Library code raises the tao2ds error tree; a bare ValueError would print a traceback."""
    offenders = []
    for path in (ROOT / "tao2ds").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # calibration's algorithms raise ValueError; steps.calibration turns it into a BuildError
            if re.search(r"raise ValueError\b", line) and "/calibration/" not in path.as_posix():
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    for d in ("tasks", "pipelines"):
        offenders += [
            f"{p.relative_to(ROOT)}" for p in (ROOT / d).rglob("*.py") if "raise ValueError" in p.read_text()
        ]
    assert offenders == []
