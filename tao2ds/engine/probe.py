"""Find out what a builder machine has (TensorRT, CUDA, GPU, Jetson release).

The same shell commands run locally and over ssh (in one round trip), so a
device is probed exactly like the local host. Parsers are pure functions over
the real output formats of trtexec, nvidia-smi, nvcc and the Jetson files.

``TAO2DS_PROBE_ROOT`` (default empty) prefixes the *file* paths the probe reads
(/etc/nv_tegra_release, /proc/device-tree/model, /usr/local/cuda/...). It works
like a sysroot: tests point it at a fake device tree to emulate a Jetson,
since the real /etc and /proc are not writable there.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from typing import Mapping

from tao2ds.core.errors import ProbeError, VersionError
from tao2ds.engine.types import BuilderEnv

_MARK = "@@tao2ds-probe:"
DEFAULT_TRTEXEC_PATHS = ("trtexec", "/usr/src/tensorrt/bin/trtexec")
_ROOT = '"${TAO2DS_PROBE_ROOT:-}"'


# --- trtexec ---------------------------------------------------------------------------------


def decode_trt_version_number(digits: str) -> str:
    """NV_TENSORRT_VERSION as trtexec prints it: 8201 -> 8.2.1, 8412 -> 8.4.12, 100300 -> 10.3.0.

    Before 10 it is MAJOR*1000 + MINOR*100 + PATCH (one digit each for major and minor);
    from 10 on it is MAJOR*10000 + MINOR*100 + PATCH.
    """
    if not digits.isdigit() or len(digits) < 4:
        raise VersionError(f"not a TensorRT version number: {digits!r}")
    if len(digits) >= 6:
        return f"{int(digits[:-4])}.{int(digits[-4:-2])}.{int(digits[-2:])}"
    return f"{int(digits[0])}.{int(digits[1])}.{int(digits[2:])}"


def parse_trtexec_banner(text: str) -> str:
    """TensorRT version from trtexec output.

    trtexec.cpp prints ``[I] TensorRT version: 10.3.0`` (dotted since 8.2; 8.0 printed
    ``8001``) when it runs, and its logger prints ``&&&& RUNNING TensorRT.trtexec
    [TensorRT v100300] [b26] # trtexec ...`` first, also for ``--help``.
    """
    m = re.search(r"TensorRT version:\s*([0-9][0-9.]*)", text)
    if m:
        v = m.group(1).rstrip(".")
        return v if "." in v else decode_trt_version_number(v)
    m = re.search(r"\[TensorRT v([0-9][0-9.]*)\]", text)
    if m:
        v = m.group(1).rstrip(".")
        return v if "." in v else decode_trt_version_number(v)
    raise VersionError("no TensorRT version in trtexec output:\n" + text[:500])


# --- GPU ---------------------------------------------------------------------------------------


def _field(value: str) -> str | None:
    value = value.strip()
    return None if not value or value.startswith("[") or value.upper() in ("N/A", "[N/A]") else value


def parse_nvidia_smi(csv_line: str) -> tuple[str | None, str | None, str | None]:
    """(name, compute_cap, driver) from ``nvidia-smi --query-gpu=name,compute_cap,driver_version
    --format=csv,noheader``, e.g. ``Tesla T4, 7.5, 535.183.06``. Anything else gives Nones
    (old drivers answer ``Field "compute_cap" is not a valid field to query.``)."""
    parts = csv_line.strip().split(",")
    if len(parts) != 3:
        return None, None, None
    name, cc, driver = (_field(p) for p in parts)
    if cc is not None and not re.fullmatch(r"\d+\.\d+", cc):
        cc = None
    return name, cc, driver


def parse_nv_tegra_release(text: str) -> str | None:
    """``# R36 (release), REVISION: 4.0, GCID: ...`` -> ``R36.4.0``."""
    m = re.search(r"#\s*R(\d+)\s*\(release\),\s*REVISION:\s*([0-9.]+)", text)
    return f"R{m.group(1)}.{m.group(2).rstrip('.')}" if m else None


# Order matters: "Orin Nano" must hit Orin before Nano.
_JETSON_FAMILIES = (
    ("orin", "Orin", "8.7"),
    ("xavier", "Xavier", "7.2"),
    ("tx2", "TX2", "6.2"),
    ("tx1", "TX1", "5.3"),
    ("nano", "Nano", "5.3"),
)


def jetson_family(device_model: str) -> tuple[str | None, str | None]:
    """(GPU family name, compute capability) from /proc/device-tree/model, e.g.
    ``NVIDIA Jetson AGX Orin Developer Kit`` -> ("Orin", "8.7")."""
    low = device_model.lower().strip()
    if low == "jetson-agx":  # what AGX Xavier reports (AGX Orin says "... AGX Orin ...")
        return "Xavier", "7.2"
    for key, name, cc in _JETSON_FAMILIES:
        if key in low:
            return name, cc
    return None, None


def parse_cuda_version(nvcc_text: str = "", version_json: str = "", version_txt: str = "") -> str | None:
    """CUDA major.minor from /usr/local/cuda/version.json (``{"cuda": {"version": "12.6.2"}}``),
    the older version.txt (``CUDA Version 10.2.300``) or ``nvcc --version`` (``release 12.6,
    V12.6.68``), in that order: /usr/local/cuda is the toolkit TensorRT is installed against,
    while an nvcc on PATH may be another one."""
    try:
        m = re.match(r"(\d+\.\d+)", json.loads(version_json)["cuda"]["version"])
        if m:
            return m.group(1)
    except (ValueError, KeyError, TypeError):
        pass
    m = re.search(r"CUDA Version (\d+\.\d+)", version_txt) or re.search(r"release (\d+\.\d+)", nvcc_text)
    return m.group(1) if m else None


# --- the probe itself --------------------------------------------------------------------------


def probe_commands(trtexec: str | None = None) -> list[tuple[str, str]]:
    """(key, shell command) pairs; each prints one fact or nothing.

    ``trtexec`` is an explicit path; by default PATH is searched, then /usr/src/tensorrt/bin.
    ``trtexec --help`` prints the version banner without touching the GPU.
    """
    if trtexec:
        find = f'T={shlex.quote(trtexec)}; test -x "$T" || T='
    else:
        find = (
            "T=$(command -v trtexec) || T=; "
            'if [ -z "$T" ] && [ -x /usr/src/tensorrt/bin/trtexec ]; then T=/usr/src/tensorrt/bin/trtexec; fi'
        )
    return [
        ("trtexec_path", f'{find}; echo "$T"'),
        ("trtexec_banner", 'if [ -n "$T" ]; then "$T" --help 2>&1 | head -n 3; fi'),
        ("nvidia_smi", "nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader"),
        ("tegra_release", f"cat {_ROOT}/etc/nv_tegra_release"),
        ("device_model", f"tr -d '\\000' < {_ROOT}/proc/device-tree/model"),
        ("nvcc", f"{_ROOT}/usr/local/cuda/bin/nvcc --version || nvcc --version"),
        ("cuda_version_json", f"cat {_ROOT}/usr/local/cuda/version.json"),
        ("cuda_version_txt", f"cat {_ROOT}/usr/local/cuda/version.txt"),
    ]


def probe_script(commands: list[tuple[str, str]]) -> str:
    """One POSIX sh script that runs every command and marks where each output starts."""
    lines = []
    for key, cmd in commands:
        lines.append(f"printf '\\n{_MARK}{key}\\n'")  # leading newline: outputs may lack a final one
        lines.append(f"{{ {cmd} ; }} 2>/dev/null")
    lines.append("exit 0")  # a missing fact is an empty answer, not a failure
    return "\n".join(lines) + "\n"


def parse_probe_output(text: str) -> dict[str, str]:
    """Split the script's stdout back into {key: output}."""
    out: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line.startswith(_MARK):
            key = line[len(_MARK) :].strip()
            out[key] = ""
        elif key is not None:
            out[key] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


def run_local_probe(commands: list[tuple[str, str]], timeout: float = 60) -> dict[str, str]:
    proc = subprocess.run(
        ["sh", "-c", probe_script(commands)], capture_output=True, text=True, timeout=timeout
    )
    return parse_probe_output(proc.stdout)


def env_from_outputs(outputs: Mapping[str, str], trt_version: str | None = None) -> BuilderEnv:
    """Build the BuilderEnv from probe outputs. ``trt_version`` overrides the trtexec banner
    (the in-process builder reports ``tensorrt.__version__`` instead)."""
    if trt_version is None:
        banner = outputs.get("trtexec_banner", "")
        if not banner:
            raise ProbeError(
                "trtexec was not found on the builder (searched PATH and /usr/src/tensorrt/bin/trtexec)"
            )
        trt_version = parse_trtexec_banner(banner)
    smi_lines = [ln for ln in outputs.get("nvidia_smi", "").splitlines() if ln.strip()]
    gpu_name, cc, _driver = parse_nvidia_smi(smi_lines[0]) if smi_lines else (None, None, None)
    l4t = parse_nv_tegra_release(outputs.get("tegra_release", ""))
    model = outputs.get("device_model", "").strip("\x00 \n") or None
    jetson = l4t is not None or (model is not None and "jetson" in model.lower())
    if jetson and model:
        family, family_cc = jetson_family(model)
        gpu_name = gpu_name or family
        cc = cc or family_cc
    return BuilderEnv(
        trt_version=trt_version,
        cuda_version=parse_cuda_version(
            outputs.get("nvcc", ""), outputs.get("cuda_version_json", ""), outputs.get("cuda_version_txt", "")
        ),
        gpu_name=gpu_name,
        compute_capability=cc,
        platform="jetson" if jetson else "dgpu",
        device_model=model if jetson else None,
        l4t=l4t,
    )
