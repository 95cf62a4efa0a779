"""`doit profile target=T`: measure the built engine where it will run, and write results/profile.json.

trtexec --loadEngine runs at the engine's batch (its opt = max profile point) on target.host over
ssh (the engine is copied there first), or here when the local trtexec's TensorRT and GPU are the
ones the engine was built for (``profile.where=auto|local|ssh``). Its performance summary is read
per TensorRT version (``tao2ds.engine.perf``). With ``run.backend=deepstream_app`` deepstream-app
also runs the whole pipeline and its ``**PERF`` lines go into the same file.

    results/profile.json       {"trtexec": {...}, "deepstream_app": {...}}
    results/profile/trtexec.log
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Mapping, Optional

from pipelines.launch import device_of, run_deepstream_app
from tao2ds.artifacts.freshness import check_fresh
from tao2ds.config.compose import RUNTIME_SECTIONS
from tao2ds.core import fileio
from tao2ds.core.errors import ConfigError, RunError
from tao2ds.deepstream.perf import parse_perf_log
from tao2ds.engine.builders.trtexec import find_trtexec, log_tail
from tao2ds.engine.compat import check_builder_matches_target, mismatches
from tao2ds.engine.key import read_sidecar
from tao2ds.engine.perf import headline, parse_performance_summary, profile_argv
from tao2ds.engine.probe import env_from_outputs, parse_trtexec_banner, probe_commands, run_local_probe
from tao2ds.model.onnx_io import read_graph_io
from tao2ds.remote.ssh import scp_argv, scp_remote, sh_command, sh_path, ssh_argv, ssh_failure

FORMAT_VERSION = 1
REMOTE_TRTEXEC_DIRS = "/usr/src/tensorrt/bin"  # JetPack's trtexec is not on PATH (tensorrt-tools.md)


def _local_env(trtexec: Path):
    try:
        return env_from_outputs(run_local_probe(probe_commands(str(trtexec))))
    except Exception:  # noqa: BLE001 - an unusable local toolchain just means "not here"
        return None


def choose_where(requested: str, target: Mapping[str, Any], built: Mapping[str, Any]) -> tuple[str, str]:
    """'local' or 'ssh', and why. ``built`` is the engine sidecar's builder environment."""
    want = (str(built["trt_version"]), str(built["compute_capability"]), str(built["platform"]))
    if requested in ("auto", "local"):
        trtexec = find_trtexec()
        env = _local_env(trtexec) if trtexec else None
        if requested == "local":
            if env is None:
                raise RunError(
                    "profile.where=local: no usable trtexec here (PATH or /usr/src/tensorrt/bin)",
                    key="profile.where",
                )
            check_builder_matches_target(env, *want)
            return "local", f"the local trtexec ({trtexec}) matches the engine"
        if env is not None and not mismatches(env, *want):
            return "local", f"the local trtexec ({trtexec}) matches the engine"
    if target.get("host"):
        return "ssh", f"on {target['host']} over ssh"
    if requested == "ssh":
        raise ConfigError("profile.where=ssh needs target.host", key="target.host")
    raise RunError(
        "nowhere to profile the engine: no local trtexec with TensorRT "
        f"{want[0]} on a compute {want[1]} {want[2]} GPU, and target.host is not set",
        key="target.host",
        hint="set target.host (and target.user / target.ssh_key) to profile on the device",
    )


def _run(argv: list[str], timeout: float, what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f"{what} did not finish within {timeout:.0f} s (profile.timeout_s)") from None


def profile_engine(build_dir: Path, manifest: Mapping[str, Any], cfg: Mapping[str, Any]) -> dict[str, Any]:
    """trtexec --loadEngine on the engine of ``build_dir``; its parsed performance summary."""
    target, prof = cfg["target"], cfg["profile"]
    engine = build_dir / manifest["artifacts"]["engine"]
    side = read_sidecar(engine)
    if side is None:
        raise RunError(f"{engine} has no readable sidecar {engine.name}.json; rebuild it", file=engine)
    graph = read_graph_io(build_dir / manifest["artifacts"]["onnx"])
    batch = int(cfg["model"]["batch_size"])
    shape = (batch, *graph.infer_dims)
    where, why = choose_where(str(prof["where"]), target, side.env)
    flags = dict(
        dla_core=cfg["engine"]["dla_core"],
        warmup_ms=prof["warmup_ms"],
        duration_s=prof["duration_s"],
        iterations=prof["iterations"],
    )
    timeout = float(prof["timeout_s"])
    print(f"profile: {engine.name} at batch {batch}, {why}")
    if where == "local":
        argv = profile_argv(str(find_trtexec()), engine, graph.input.name, shape, **flags)
        proc = _run(argv, timeout, "trtexec")
        where_name = "local"
    else:
        device = device_of(target, Path(cfg["engine"]["known_hosts"]))
        t = device.target()
        remote = device.remote_path(build_dir.name)
        for step_argv, what in (
            (ssh_argv(t, f"mkdir -p {sh_path(remote)}"), "creating the profile directory on the device"),
            (scp_argv(t, [str(engine)], scp_remote(t, remote + "/")), "copying the engine to the device"),
        ):
            p = _run(step_argv, timeout, what)
            if p.returncode:
                raise ssh_failure(t, what, p.returncode, p.stderr)
        argv = profile_argv("trtexec", engine.name, graph.input.name, shape, **flags)
        cmd = f'cd {sh_path(remote)} && PATH="$PATH:{REMOTE_TRTEXEC_DIRS}" {sh_command(argv)} 2>&1'
        proc = _run(ssh_argv(t, cmd), timeout, f"trtexec on {target['host']}")
        if proc.returncode == 255 and "&&&& RUNNING" not in proc.stdout:
            raise ssh_failure(t, "running trtexec", proc.returncode, proc.stderr)
        where_name = str(target["host"])
    log = proc.stdout + proc.stderr
    fileio.write_text(build_dir / "results" / "profile" / "trtexec.log", log)
    if proc.returncode:
        raise RunError(f"trtexec --loadEngine failed (exit {proc.returncode}) {why}:\n" + log_tail(log))
    trt_version = parse_trtexec_banner(log)
    perf = parse_performance_summary(log, trt_version, batch)
    return {"where": where_name, "argv": argv, **headline(perf), "summary": perf}


def profile(build_dir: Path, cfg: Mapping[str, Any]) -> dict[str, Any]:
    build_cfg = {k: v for k, v in cfg.items() if k not in RUNTIME_SECTIONS}
    manifest = check_fresh(build_dir, build_cfg)
    backend = str(cfg["run"]["backend"]).replace(
        "_", "-"
    )  # the config gives the enum's name (deepstream_app)
    result: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "target": manifest["target"],
        "precision": manifest["precision"],
    }
    if manifest["artifacts"].get("engine"):
        result["trtexec"] = profile_engine(build_dir, manifest, cfg)
    elif backend != "deepstream-app":
        raise ConfigError(
            f"{build_dir} has no engine to profile: {manifest.get('engine_note') or 'none was built'}",
            key="engine.builder",
            hint="build one with engine.builder=ssh|trtexec|tensorrt, or profile the whole pipeline "
            "with run.backend=deepstream_app",
        )
    if backend == "deepstream-app":
        summary = run_deepstream_app(build_dir, cfg["target"], Path(cfg["engine"]["known_hosts"]))
        log = (build_dir / "results" / "deepstream-app" / "deepstream-app.log").read_text(encoding="utf-8")
        result["deepstream_app"] = {"where": summary["where"], **parse_perf_log(log)}
    fileio.write_json(build_dir / "results" / "profile.json", result)
    print(format_profile(result))
    return result


def _num(v: Optional[float], unit: str) -> str:
    return "–" if v is None else f"{v:.4g} {unit}"


def format_profile(r: Mapping[str, Any]) -> str:
    lines = [f"profile {r['target']} ({r['precision']}):"]
    t = r.get("trtexec")
    if t:
        lines.append(
            f"  trtexec on {t['where']} (TensorRT {t['summary']['trt_version']}, batch {t['summary']['batch']}): "
            f"{_num(t['throughput_qps'], 'qps')} = {_num(t['images_per_s'], 'images/s')}, latency median "
            f"{_num(t['latency_median_ms'], 'ms')}, p99 {_num(t['latency_p99_ms'], 'ms')}, GPU compute median "
            f"{_num(t['gpu_compute_median_ms'], 'ms')}"
        )
    d = r.get("deepstream_app")
    if d:
        lines.append(
            f"  deepstream-app on {d['where']}: {d['streams']} stream(s), {_num(d['fps_avg'], 'FPS')} average "
            f"over {d['reports']} reports"
        )
    return "\n".join(lines)
