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
    onnx = make_multitask_onnx(
        tmp_path / "m" / "model.onnx",
        {k: len(v) for k, v in SEED_CLASSES.items()},
        order=["season", "category", "base_color"],
    )
    classmap = make_classmap(tmp_path / "m" / "classmap.json", SEED_CLASSES)
    return onnx, classmap


def clone_project(dest: Path) -> Path:
    """A copy of the project's working tree as a fresh clone would have it (tracked and
    not-ignored files only: no build/, caches or state DB)."""
    files = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


class DoitRun:
    """Run the project's dodo.py in a subprocess with its own state DB and build dir.

    With ``project`` (a clone), doit runs there with its default, relative build dir."""

    def __init__(self, tmp: Path, project: Path | None = None):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.db = tmp / "doit.db"
        self.project = project or ROOT
        self.build = tmp / "build" if project is None else project / "build"

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        commands = {"run", "list", "info", "clean", "forget", "ignore", "dumpdb", "explain"}
        head, rest = (args[:1], args[1:]) if args and args[0] in commands else (("run",), args)
        build = [f"build.dir={self.build}"] if self.project == ROOT else []
        if self.project == ROOT and not any(a.startswith("cache.") for a in rest):
            build.append(f"cache.dir={self.tmp / 'cache'}")  # keep the project's own cache out of tests
        cmd = [sys.executable, "-m", "doit", *head, "--db-file", str(self.db), *rest, *build]
        proc = subprocess.run(cmd, cwd=self.project, capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"doit {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    @staticmethod
    def executed(proc: subprocess.CompletedProcess) -> set[str]:
        ran = {line[3:].strip() for line in proc.stdout.splitlines() if line.startswith(".  ")}
        return ran - {"build"}  # the group task only reports where the build is


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
