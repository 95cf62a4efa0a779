"""`doit launch`: pick a backend and run the target's build with it.

auto = deepstream-app where it is installed on this machine, else the CPU reference pipeline.
deepstream-app and pyds run locally when present, or on target.host over ssh after copying the
target's build directory there (system OpenSSH; host keys pinned in the project's known_hosts).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping, Optional

from tao2ds.artifacts.freshness import check_fresh
from tao2ds.artifacts.results import format_summary
from tao2ds.config.compose import RUNTIME_SECTIONS
from tao2ds.core import fileio
from tao2ds.core.errors import ConfigError, Tao2dsError
from tao2ds.remote.device import Device
from tao2ds.remote.ssh import scp_argv, scp_remote, sh_path, ssh_argv

PERF_LINE = re.compile(r"\*\*PERF:\s+([\d.]+)\s+\(([\d.]+)\)")


def choose_backend(requested: str) -> tuple[str, str]:
    if requested != "auto":
        return requested, f"run.backend={requested}"
    if shutil.which("deepstream-app"):
        return "deepstream-app", "deepstream-app is installed here"
    return "reference", "deepstream-app is not installed here, so the CPU reference pipeline runs"


def launch(build_dir: Path, cfg: Mapping[str, Any]) -> dict[str, Any]:

    target, run = cfg["target"], cfg["run"]
    build_cfg = {k: v for k, v in cfg.items() if k not in RUNTIME_SECTIONS}
    check_fresh(build_dir, build_cfg)
    backend, why = choose_backend(str(run["backend"]))
    print(f"launch: backend {backend} ({why})")
    if backend in ("reference", "triton"):
        from pipelines import reference  # deferred: pipelines import GStreamer / ONNX Runtime

        det = (
            cfg["pipeline"]["detector"].get("detections")
            if cfg["pipeline"]["topology"] == "detect_classify"
            else None
        )
        summary = reference.run(
            build_dir,
            max_frames=run.get("max_frames"),
            annotate=run.get("annotate", True),
            detections=Path(det) if det else None,
            config=build_cfg,
            backend=backend,
            triton_url=run.get("triton_url"),
            triton_timeout_s=run.get("triton_timeout_s", 10.0),
        )
    elif backend == "deepstream-app":
        summary = run_deepstream_app(build_dir, target, Path(cfg["engine"]["known_hosts"]))
    elif backend == "pyds":
        summary = run_pyds(build_dir, target, run.get("max_frames"), Path(cfg["engine"]["known_hosts"]))
    elif backend == "servicemaker":
        summary = run_servicemaker(
            build_dir, target, run.get("max_frames"), Path(cfg["engine"]["known_hosts"])
        )
    else:
        raise Tao2dsError(f"unknown run.backend {backend}")
    print(format_summary(summary) if "label_counts" in summary else summary)
    return summary


def device_of(target: Mapping[str, Any], known_hosts: Optional[Path]) -> Device:
    if known_hosts is None:
        raise ConfigError(
            "reaching target.host needs engine.known_hosts (where its SSH host key is pinned)",
            key="engine.known_hosts",
        )
    key = target.get("ssh_key")
    return Device(
        target["host"],
        target.get("user"),
        target.get("port"),
        Path(key) if key else None,
        known_hosts,
        target["remote_dir"],
    )


def _run_streaming(argv: list[str], cwd: Optional[Path] = None) -> tuple[int, str, bool]:
    """Run a command, echo its output, keep it; Ctrl-C stops it cleanly."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out: list[str] = []
    interrupted = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            out.append(line)
    except KeyboardInterrupt:
        interrupted = True
        proc.send_signal(2)
    rc = proc.wait()
    return rc, "".join(out), interrupted


def perf_summary(log: str) -> dict[str, Any]:
    values = [(float(a), float(b)) for a, b in PERF_LINE.findall(log)]
    return {"perf_samples": len(values), "fps": values[-1][1] if values else None}


def run_deepstream_app(
    build_dir: Path, target: Mapping[str, Any], known_hosts: Optional[Path] = None
) -> dict[str, Any]:
    if shutil.which("deepstream-app"):
        argv, cwd, where = ["deepstream-app", "-c", "deepstream_app.txt"], build_dir, "local"
    elif target.get("host"):
        remote = device_of(target, known_hosts).sync(build_dir)
        argv = ssh_argv(
            device_of(target, known_hosts).target(),
            f"cd {sh_path(remote)} && deepstream-app -c deepstream_app.txt",
        )
        cwd, where = None, target["host"]
    else:
        raise Tao2dsError(
            "run.backend=deepstream-app: deepstream-app is not installed here and target.host is not set"
        )
    rc, log, interrupted = _run_streaming(argv, cwd)
    out = build_dir / "results" / "deepstream-app"
    fileio.write_text(out / "deepstream-app.log", log)
    summary = {
        "backend": "deepstream-app",
        "target": target["name"],
        "where": where,
        "exit_code": rc,
        "interrupted": interrupted,
        **perf_summary(log),
        "note": "deepstream-app prints no per-frame classifier results; use run.backend=pyds for results.jsonl",
    }
    fileio.write_json(out / "summary.json", summary)
    if rc and not interrupted:
        raise Tao2dsError(f"deepstream-app exited with {rc}; its log is in {out / 'deepstream-app.log'}")
    return summary


def run_pyds(
    build_dir: Path, target: Mapping[str, Any], max_frames: Optional[int], known_hosts: Optional[Path] = None
) -> dict[str, Any]:
    return run_python_app("pyds", "pyds_app.py", "pyds", build_dir, target, max_frames, known_hosts)


def run_servicemaker(
    build_dir: Path, target: Mapping[str, Any], max_frames: Optional[int], known_hosts: Optional[Path] = None
) -> dict[str, Any]:
    """The PyServiceMaker app (DeepStream >= 8.0; pyds has no wheels from 9.0)."""
    return run_python_app(
        "servicemaker", "servicemaker_app.py", "pyservicemaker", build_dir, target, max_frames, known_hosts
    )


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def run_python_app(
    backend: str,
    app_name: str,
    module: str,
    build_dir: Path,
    target: Mapping[str, Any],
    max_frames: Optional[int],
    known_hosts: Optional[Path] = None,
) -> dict[str, Any]:
    """Run a standalone app (``pipelines/<app_name>``) here when ``module`` imports, else on target.host."""
    app = Path(__file__).with_name(app_name)
    extra = ["--max-frames", str(max_frames)] if max_frames else []
    if _importable(module):
        rc, log, interrupted = _run_streaming([sys.executable, str(app), str(build_dir), *extra])
        summary_path = build_dir / "results" / backend / "summary.json"
    elif target.get("host"):
        fileio.copy_file(app, build_dir / app_name)
        remote = device_of(target, known_hosts).sync(build_dir)
        t = device_of(target, known_hosts).target()
        rc, log, interrupted = _run_streaming(
            ssh_argv(t, f"cd {sh_path(remote)} && python3 {app_name} . " + " ".join(extra))
        )
        local_out = build_dir / "results" / backend
        local_out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            scp_argv(t, ["-r", scp_remote(t, remote + f"/results/{backend}/.")], str(local_out)), check=False
        )
        summary_path = local_out / "summary.json"
    else:
        raise Tao2dsError(
            f"run.backend={backend}: {module} is not importable here and target.host is not set"
        )
    if not summary_path.is_file():
        raise Tao2dsError(f"the {backend} app wrote no summary (exit {rc}); see its output above")
    return fileio.read_json(summary_path)
