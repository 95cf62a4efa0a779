import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.model_factory import SEED_CLASSES, make_classmap, make_multitask_onnx

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seed_model(tmp_path):
    """A TAO-shaped multitask ONNX with the seed's classmap, outputs season, category, base_color."""
    onnx = make_multitask_onnx(tmp_path / "m" / "model.onnx", {k: len(v) for k, v in SEED_CLASSES.items()},
                               order=["season", "category", "base_color"])
    classmap = make_classmap(tmp_path / "m" / "classmap.json", SEED_CLASSES)
    return onnx, classmap


class DoitRun:
    """Run the project's dodo.py in a subprocess with its own state DB and build dir."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.db = tmp / "doit.db"
        self.build = tmp / "build"

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        commands = {"run", "list", "info", "clean", "forget", "ignore", "dumpdb", "explain"}
        head, rest = (args[:1], args[1:]) if args and args[0] in commands else (("run",), args)
        cmd = [sys.executable, "-m", "doit", *head, "--db-file", str(self.db), *rest, f"build.dir={self.build}"]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"doit {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    @staticmethod
    def executed(proc: subprocess.CompletedProcess) -> set[str]:
        return {line[3:].strip() for line in proc.stdout.splitlines() if line.startswith(".  ")}


@pytest.fixture
def doit_run(tmp_path):
    return DoitRun(tmp_path)


def have_gi() -> bool:
    try:
        import gi  # noqa: F401
        from gi.repository import GLib  # noqa: F401
    except Exception:
        return False
    return True
