"""A relocatable, deterministic bundle of a target's build: same inputs, same bytes.

Entries are sorted, with fixed timestamps, owners and modes, inside one top folder named after
the target; gzip carries no name or time. Every path in the configs is relative, so the bundle
unpacks anywhere on the device and ``./start.sh`` runs deepstream-app from it.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import Optional

from tao2ds.core import fileio
from tao2ds.core.errors import Tao2dsError
from tao2ds.engine.trtexec_cmd import trtexec_argv
from tao2ds.engine.types import EngineRequest
from tao2ds.remote.ssh import sh_command

EPOCH = 946684800  # 2000-01-01: fixed, and not 0 (some tools warn on 1970 dates)
EXECUTABLE = {"start.sh", "build_engine.sh", "pyds_app.py", "servicemaker_app.py"}
APP_LINES = {
    "pyds_app.py": "Python app:     python3 pyds_app.py .  (needs pyds; writes results/pyds/results.jsonl)",
    "servicemaker_app.py": "Python app:     python3 servicemaker_app.py .  (PyServiceMaker; writes results/servicemaker/results.jsonl)",
}


def start_script() -> str:
    return (
        "#!/bin/sh\n# Run the pipeline from this folder (paths in the configs are relative to it).\n"
        'cd "$(dirname "$0")" || exit 1\nexec deepstream-app -c deepstream_app.txt "$@"\n'
    )


def readme(manifest: dict, engine_recipe: Optional[str], apps: tuple = ("pyds_app.py",)) -> str:
    t = manifest["config"]["target"]
    engine = manifest["artifacts"]["engine"]
    lines = [
        f"tao2ds bundle for {t['name']}: {t.get('description', '')}",
        f"DeepStream {t['deepstream']}, TensorRT {t['tensorrt']}, CUDA {t['cuda']}, precision {manifest['precision']}.",
        "",
        "Run:            ./start.sh             (deepstream-app -c deepstream_app.txt)",
        *(APP_LINES[a] for a in apps if a in APP_LINES),
        "",
        f"Labels (line i = engine output i): {', '.join(manifest['label_tasks'])}",
    ]
    if engine:
        lines.append(
            f"Engine: {engine} (built for this device's TensorRT; see {manifest['artifacts']['engine_sidecar']})."
        )
    else:
        lines.append(
            f"No engine inside: at first start nvinfer builds {manifest['engine_file_name']} here from the ONNX "
            "(this can take minutes) and reuses it afterwards; the folder must be writable."
        )
    if engine_recipe:
        lines.append("To build the engine ahead of time on the device instead: ./build_engine.sh")
    if manifest["artifacts"].get("etlt"):
        lines += [
            "",
            f"The model is the encrypted TAO file {manifest['artifacts']['etlt']} (UFF inside). Its key is written in "
            f"plain text in {manifest['artifacts']['nvinfer_config']} (tlt-model-key), because nvinfer reads it "
            "from there: keep this bundle as private as the key itself.",
        ]
    return "\n".join(lines) + "\n"


def _member(name: str, size: int, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, mode, EPOCH
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def engine_recipe(model_json: Path, recipe: dict) -> Optional[str]:
    """A script that builds the engine on the device with its own trtexec (the "ahead of time"
    route); None where trtexec's flags cannot express the build (e.g. TensorRT 11 fp16)."""

    if recipe.get("model_format") == "etlt-uff":
        return None  # trtexec builds ONNX here; a UFF .etlt is built by nvinfer or tao-converter
    info = fileio.read_json(model_json)
    req = EngineRequest(
        onnx=Path(recipe["onnx"]),
        engine_out=Path(recipe["engine"]),
        precision=recipe["precision"],
        input_name=info["input"]["name"],
        input_chw=tuple(info["infer_dims"]),
        batch_size=recipe["batch_size"],
        workspace_mib=recipe["workspace_mib"],
        dla_core=recipe["dla_core"],
        calib_cache=Path(recipe["calib_cache"]) if recipe["calib_cache"] else None,
        strongly_typed=bool(recipe.get("strongly_typed", False)),
    )
    try:
        argv = trtexec_argv(req, recipe["trt_version"], "${TRTEXEC:-/usr/src/tensorrt/bin/trtexec}")
    except (ValueError, Tao2dsError):
        return None
    return (
        "#!/bin/sh\n# Build the TensorRT engine here, on the device, with its own trtexec.\n"
        'cd "$(dirname "$0")" || exit 1\n' + argv[0] + " " + sh_command(argv[1:]) + "\n"
    )


def write_bundle(
    manifest: Path, lock: Path, model_json: Path, out: Path, recipe: dict, extra_files: Optional[dict] = None
) -> None:
    """Pack exactly the build the manifest lists (plus the manifest and lock), never whatever else
    lies in the folder."""
    target_dir = manifest.parent
    data = fileio.read_json(manifest)
    engine_recipe_text = engine_recipe(model_json, recipe)
    top = target_dir.name
    members: dict[str, bytes] = {rel: (target_dir / rel).read_bytes() for rel in data["outputs"]}
    members[manifest.name] = manifest.read_bytes()
    members[lock.name] = lock.read_bytes()
    members["start.sh"] = start_script().encode()
    apps = tuple(sorted(n for n in (extra_files or {}) if n in APP_LINES))
    members["README.txt"] = readme(data, engine_recipe_text, apps).encode()
    if engine_recipe_text:
        members["build_engine.sh"] = engine_recipe_text.encode()
    for name, path in (extra_files or {}).items():
        members[name] = Path(path).read_bytes()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({"/".join(n.split("/")[:i]) for n in members for i in range(1, n.count("/") + 1)})
        root = _member(top, 0, 0o755)
        root.type = tarfile.DIRTYPE
        tar.addfile(root)
        for d in dirs:
            info = _member(f"{top}/{d}", 0, 0o755)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name in sorted(members):
            data = members[name]
            mode = 0o755 if name in EXECUTABLE else 0o644
            tar.addfile(_member(f"{top}/{name}", len(data), mode), io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    fileio.write_bytes(out, packed.getvalue())
