"""README's "Targets and their versions" tables, generated from the release table and conf/target/.

    python -m tao2ds.config.readme_tables          # print them
    python -m tao2ds.config.readme_tables --write  # replace them in README.md between the markers

``tests/unit/deepstream/test_releases.py`` fails when README.md and the table disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tao2ds.config.compose import CONF_DIR, compose, group_options
from tao2ds.deepstream import releases

README_BEGIN = "<!-- BEGIN generated: python -m tao2ds.config.readme_tables --write -->"
README_END = "<!-- END generated target tables -->"
README = CONF_DIR.parent / "README.md"


def _yes(flag: bool) -> str:
    return "yes" if flag else "–"


def release_table() -> str:
    head = (
        "| DeepStream | Jetson modules | JetPack / L4T | Jetson TensorRT / CUDA | x86 TensorRT / CUDA "
        "| x86 GPUs | Ubuntu / Python | pyds | PyServiceMaker | UFF/Caffe | INT8 routes |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in releases.RELEASES:
        j, d = r.jetson, r.dgpu
        lines.append(
            "| "
            + " | ".join(
                [
                    r.version,
                    ", ".join(r.jetson_modules) or "–",
                    f"{j.jetpack} / {j.l4t}" if j else "–",
                    f"{j.tensorrt} / {j.cuda}" if j else "–",
                    f"{d.tensorrt} / {d.cuda}" if d else "–",
                    ", ".join(r.dgpu_architectures) or "–",
                    f"{(d or j).ubuntu} / {(d or j).python}",
                    (r.pyds or "yes") if r.pyds is not None else "–",
                    _yes(r.pyservicemaker),
                    _yes("uff" in r.parsers),
                    ", ".join(r.int8_routes),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def targets_table() -> str:
    lines = [
        "| target | hardware | default DeepStream | → TensorRT / CUDA / JetPack / Python | releases it can run | DLA |",
        "|---|---|---|---|---|---|",
    ]
    for name in group_options("target"):
        t = compose([f"target={name}"]).cfg.target
        platform, cc = str(t.platform), str(t.gpu.compute_capability)
        possible = [r.version for r in releases.releases_for(platform, cc)]
        lines.append(
            f"| `{name}` | {releases.describe_hardware(platform, cc)} | {t.deepstream} | "
            f"{t.tensorrt} / {t.cuda} / {t.jetpack or '–'} / {t.python} | {', '.join(possible)} | {t.gpu.dla_cores} |"
        )
    return "\n".join(lines)


def target_table() -> str:
    return targets_table() + "\n\n" + release_table()


def write_readme(path: Path = README) -> bool:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    new = text[:start] + "\n" + target_table() + "\n" + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        print("README.md updated" if write_readme() else "README.md already current")
    else:
        print(target_table())
