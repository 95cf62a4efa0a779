"""`doit report`: one self-contained HTML page over every build folder under ``build.dir``.

A *combination* is any folder below ``build.dir`` that holds a ``manifest.json`` (one per target,
and one per swept combination when several are built side by side); ``_common`` folders are the
shared work, not combinations. The page is made from what the builds left, nothing is re-run:

* a table of all combinations (target, DeepStream / TensorRT release, precision, threshold, batch,
  builder, engine status, freshness, per-task accuracy and Q/DQ agreement from ``doit verify``,
  device throughput / latency / GPU compute from ``doit profile``, deepstream-app FPS), with the
  best value of each column marked;
* per combination: links to its artifacts, the key nvinfer values, a confusion matrix per task
  (``results/verify/report.json``), the reference runner's contact sheet, and for INT8 a calibration
  plot (per-tensor amax and the |x| histogram with the chosen threshold for a few tensors, from
  ``_common/calibration.json`` and ``calibration_histograms.json``);
* a diff of the nvinfer and deepstream-app configs of each combination against a baseline
  (``report.baseline``, default the first).

Plots are matplotlib PNGs embedded as data URIs; the page has no script and loads nothing from
the network, so it opens from disk. Artifact links are relative to the page.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from tao2ds.artifacts.freshness import stale_reasons
from tao2ds.artifacts.layout import COMMON
from tao2ds.artifacts.manifest import MANIFEST, read_manifest
from tao2ds.core import fileio, log
from tao2ds.core.errors import ConfigError, StaleBuildError

logger = log.get(__name__)

REPORT_NAME = "report.html"
NVINFER_KEYS = (
    "network-mode",
    "batch-size",
    "infer-dims",
    "net-scale-factor",
    "offsets",
    "model-color-format",
    "classifier-threshold",
    "scaling-filter",
    "scaling-compute-hw",
    "onnx-file",
    "model-engine-file",
    "int8-calib-file",
    "output-blob-names",
    "process-mode",
    "gie-unique-id",
)


@dataclass
class Combination:
    """One build folder and what its runs left."""

    name: str  # folder relative to build.dir
    root: Path
    manifest: dict[str, Any]
    verify: Optional[dict[str, Any]] = None
    profile: Optional[dict[str, Any]] = None
    stale: list[str] = field(default_factory=list)
    sidecar: Optional[dict[str, Any]] = None

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest["config"]

    def rel(self, name: Optional[str]) -> Optional[Path]:
        return self.root / name if name else None


def _read_json(path: Path) -> Optional[dict[str, Any]]:
    try:
        return fileio.read_json(path)
    except (OSError, ValueError):
        return None


def find_combinations(build_dir: Path) -> list[Combination]:
    """Every folder under ``build_dir`` with a tao2ds manifest, sorted by relative path."""
    if not build_dir.is_dir():
        raise StaleBuildError(
            f"{build_dir} does not exist: build something first (doit build)", file=build_dir
        )
    found = []
    for dirpath, dirnames, filenames in os.walk(build_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in (COMMON, "results") and not d.startswith("."))
        if MANIFEST in filenames:
            found.append(Path(dirpath))
    combos = []
    for root in sorted(found):
        try:
            manifest = read_manifest(root)
        except StaleBuildError as e:
            logger.warning("report: skipping %s: %s", root, e)
            continue
        c = Combination(root.relative_to(build_dir).as_posix(), root, manifest)
        c.verify = _read_json(root / "results" / "verify" / "report.json")
        c.profile = _read_json(root / "results" / "profile.json")
        try:
            c.stale = stale_reasons(root, manifest)
        except (OSError, KeyError, ValueError) as e:
            c.stale = [str(e)]
        engine = manifest["artifacts"].get("engine")
        if engine:
            c.sidecar = _read_json(root / (engine + ".json"))
        combos.append(c)
    return combos


# --- table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Combination], Any]
    best: Optional[str] = None  # "max" | "min" | None (not ranked)
    fmt: Callable[[Any], str] = str


def _pct(v: Any) -> str:
    return f"{v:.1%}"


def _g(v: Any) -> str:
    return f"{v:.4g}"


def _get(d: Optional[Mapping[str, Any]], *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def engine_status(c: Combination) -> str:
    engine = c.manifest["artifacts"].get("engine")
    if not engine:
        return "built by nvinfer on the device"
    env = (c.sidecar or {}).get("env", {})
    return f"built, TensorRT {env.get('trt_version', '?')} on {env.get('gpu_name') or '?'}"


def columns(combos: Sequence[Combination]) -> list[Column]:
    tasks: list[str] = []
    for c in combos:
        for t in c.manifest.get("label_tasks", []):
            if t not in tasks:
                tasks.append(t)
    cols = [
        Column("build folder", lambda c: c.name),
        Column("target", lambda c: c.manifest["target"]),
        Column("DeepStream", lambda c: _get(c.config, "target", "deepstream")),
        Column("TensorRT", lambda c: _get(c.config, "target", "tensorrt")),
        Column("precision", lambda c: c.manifest["precision"]),
        Column("threshold", lambda c: _get(c.config, "model", "classifier_threshold")),
        Column("batch", lambda c: _get(c.config, "model", "batch_size")),
        Column("builder", lambda c: _get(c.config, "engine", "builder")),
        Column("engine", engine_status),
        Column("state", lambda c: "stale" if c.stale else "fresh"),
    ]
    for t in tasks:
        cols.append(
            Column(f"accuracy {t}", lambda c, t=t: _get(c.verify, "onnx", "accuracy", t), "max", _pct)
        )
    for t in tasks:
        cols.append(
            Column(
                f"Q/DQ agreement {t}",
                lambda c, t=t: _get(c.verify, "qdq", "top1_agreement_with_fp32", t),
                "max",
                _pct,
            )
        )
    cols += [
        Column("images/s (trtexec)", lambda c: _get(c.profile, "trtexec", "images_per_s"), "max", _g),
        Column("latency median ms", lambda c: _get(c.profile, "trtexec", "latency_median_ms"), "min", _g),
        Column("latency p99 ms", lambda c: _get(c.profile, "trtexec", "latency_p99_ms"), "min", _g),
        Column(
            "GPU compute median ms", lambda c: _get(c.profile, "trtexec", "gpu_compute_median_ms"), "min", _g
        ),
        Column("deepstream-app FPS", lambda c: _get(c.profile, "deepstream_app", "fps_avg"), "max", _g),
    ]
    return cols


def best_rows(col: Column, combos: Sequence[Combination]) -> set[int]:
    """Indices of the rows holding the column's best value (ties all marked); none with < 2 values."""
    if col.best is None:
        return set()
    values = [(i, col.value(c)) for i, c in enumerate(combos)]
    numbers = [(i, float(v)) for i, v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) < 2:
        return set()
    target = max(v for _, v in numbers) if col.best == "max" else min(v for _, v in numbers)
    return {i for i, v in numbers if v == target}


def render_table(combos: Sequence[Combination]) -> str:
    cols = columns(combos)
    best = [best_rows(col, combos) for col in cols]
    head = "".join(f"<th scope='col'>{html.escape(col.title)}</th>" for col in cols)
    rows = []
    for i, c in enumerate(combos):
        cells = []
        for j, col in enumerate(cols):
            v = col.value(c)
            text = "–" if v is None else col.fmt(v)
            if j == 0:
                text_html = f"<a href='#{_anchor(c)}'>{html.escape(text)}</a>"
            else:
                text_html = html.escape(text)
            if i in best[j]:
                cells.append(f"<td class='best' title='best in this column'>{text_html} ★</td>")
            elif col.title == "state" and c.stale:
                cells.append(f"<td class='stale' title='{html.escape(c.stale[0])}'>{text_html}</td>")
            else:
                cells.append(f"<td>{text_html}</td>")
        rows.append(f"<tr class='combination' data-folder='{html.escape(c.name)}'>{''.join(cells)}</tr>")
    return (
        "<div class='scroll'><table id='combinations'><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
        + "<p class='note'>★ best value of the column (highest accuracy, agreement, throughput and FPS; "
        "lowest latency). Accuracy and agreement come from <code>doit verify</code>, device figures "
        "from <code>doit profile</code>; – means not measured.</p>"
    )


# --- plots ---------------------------------------------------------------------------------------


def _figure(w: float, h: float, layout: str | None = "constrained"):
    try:
        from matplotlib.figure import Figure  # deferred: only the report draws
    except ImportError:
        raise ConfigError(
            "doit report draws its plots with matplotlib, which is not installed",
            hint="pip install -e '.[report]' (scripts/setup.sh installs it)",
        ) from None
    return Figure(figsize=(w, h), dpi=100, layout=layout)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str, cls: str = "plot") -> str:
    return f"<img class='{cls}' src='{uri}' alt='{html.escape(alt)}'>"


def confusion_plot(task: str, classes: Sequence[str], matrix: Sequence[Sequence[int]]) -> str:
    n = len(classes)
    fig = _figure(max(3.0, 0.45 * n + 2.2), max(2.6, 0.4 * n + 1.6))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues", aspect="auto")
    cols = [*classes, "none"]
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("labelled")
    ax.set_title(task, fontsize=9)
    peak = max((max(r) for r in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(
                    j,
                    i,
                    str(v),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v > peak / 2 else "black",
                )
    return _png(fig)


def pick_layers(names: Sequence[str], k: int) -> list[str]:
    """The input, then tensors spread evenly over the graph (k in all)."""
    if k <= 0 or not names:
        return []
    if len(names) <= k:
        return list(names)
    step = (len(names) - 1) / (k - 1) if k > 1 else 0
    return list(dict.fromkeys(names[round(i * step)] for i in range(k)))


def calibration_plot(calibration: Mapping[str, Any], histograms: Optional[Mapping[str, Any]], k: int) -> str:
    amax = [(n, float(v)) for n, v in calibration["amax"]]
    hist = {t["name"]: t for t in (histograms or {}).get("tensors", [])}
    layers = pick_layers([n for n, _ in amax if n in hist], k)
    rows = 1 + (len(layers) + 1) // 2
    # fixed margins: constrained layout costs seconds on a figure this size
    height = 2.0 + 2.4 * rows
    fig = _figure(9, height, layout=None)
    grid = fig.add_gridspec(
        rows,
        2,
        height_ratios=[1.7] + [1] * (rows - 1),
        left=0.08,
        right=0.98,
        top=1 - 0.35 / height,
        bottom=0.35 / height,
        hspace=0.75,
        wspace=0.2,
    )
    ax = fig.add_subplot(grid[0, :])
    ax.bar(range(len(amax)), [v for _, v in amax], color="#4477aa")
    ax.set_yscale("log")
    ax.set_xticks(range(len(amax)), [_short(n) for n, _ in amax], rotation=70, ha="right", fontsize=6)
    ax.set_ylabel("amax (threshold)")
    ax.set_title(
        f"per-tensor amax, {calibration.get('method')} over {calibration.get('num_images')} images",
        fontsize=9,
    )
    chosen = dict(amax)
    for i, name in enumerate(layers):
        t = hist[name]
        counts = t["counts"]
        width = t["max"] / len(counts) if counts else 1.0
        a = fig.add_subplot(grid[1 + i // 2, i % 2])
        # one artist for the whole histogram (a bar per bin is slow to draw); empty bins sit below the axis
        a.stairs(
            counts, [j * width for j in range(len(counts) + 1)], fill=True, color="#999999", baseline=0.5
        )
        a.set_yscale("log")
        a.set_ylim(bottom=0.8)
        a.axvline(chosen[name], color="#cc3311", linewidth=1.5, label=f"threshold {chosen[name]:.4g}")
        a.set_xlabel("|x|", fontsize=7)
        a.set_title(_short(name), fontsize=8)
        a.tick_params(labelsize=6)
        a.legend(fontsize=6, loc="upper right")
    return _png(fig)


def _short(name: str, n: int = 28) -> str:
    return name if len(name) <= n else "…" + name[-(n - 1) :]


# --- per combination -----------------------------------------------------------------------------


def _anchor(c: Combination) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "-" for ch in c.name)


def _link(page_dir: Path, path: Path, text: str) -> str:
    href = Path(os.path.relpath(path, page_dir)).as_posix()
    return f"<a href='{html.escape(href)}'>{html.escape(text)}</a>"


def render_artifacts(c: Combination, page_dir: Path) -> str:
    items = []
    for kind, rel in sorted(c.manifest["artifacts"].items()):
        if rel:
            items.append(f"<li>{html.escape(kind)}: {_link(page_dir, c.root / rel, rel)}</li>")
    for extra in (
        "manifest.json",
        "config.yaml",
        "build.lock",
        "results/verify/report.json",
        "results/profile.json",
    ):
        if (c.root / extra).is_file():
            items.append(f"<li>{_link(page_dir, c.root / extra, extra)}</li>")
    return "<ul class='artifacts'>" + "".join(items) + "</ul>"


def nvinfer_values(c: Combination) -> list[tuple[str, str]]:
    from tao2ds.deepstream.keyfile import read_keyfile  # deferred: GLib

    rel = c.manifest["artifacts"].get("nvinfer_config")
    if not rel or not (c.root / rel).is_file():
        return []
    props = dict(read_keyfile(c.root / rel).get("property", []))
    return [(k, props[k]) for k in NVINFER_KEYS if k in props]


def render_nvinfer(c: Combination) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>"
        for k, v in nvinfer_values(c)
    )
    return f"<table class='kv'>{rows}</table>" if rows else "<p>no nvinfer config</p>"


def render_confusion(c: Combination) -> str:
    conf = _get(c.verify, "onnx", "confusion")
    if not conf:
        hint = (
            "run <code>doit verify</code> for this combination"
            if not c.verify
            else "verify predates confusion matrices; run it again"
        )
        return f"<p class='missing'>no confusion matrices: {hint}.</p>"
    acc = _get(c.verify, "onnx", "accuracy") or {}
    out = []
    for task, m in conf.items():
        alt = f"confusion matrix {task}, accuracy {acc.get(task, 0):.1%}"
        out.append(_img(confusion_plot(task, m["classes"], m["matrix"]), alt, "plot confusion"))
    return "<div class='plots'>" + "".join(out) + "</div>"


def render_contact_sheet(c: Combination) -> str:
    sheets = sorted((c.root / "results").glob("*/contact_sheet.png"))
    if not sheets:
        return "<p class='missing'>no contact sheet: run <code>doit launch run.backend=reference</code>.</p>"
    uri = "data:image/png;base64," + base64.b64encode(sheets[0].read_bytes()).decode("ascii")
    return _img(uri, f"contact sheet ({sheets[0].parent.name})", "sheet")


def find_common(c: Combination, build_dir: Path) -> Optional[Path]:
    """The nearest ``_common`` folder at or above the combination, up to build.dir."""
    d = c.root
    while True:
        if (d / COMMON / "calibration.json").is_file():
            return d / COMMON
        if d == build_dir or d.parent == d:
            return None
        d = d.parent


def render_calibration(c: Combination, build_dir: Path, k: int, cache: dict) -> str:
    if c.manifest["precision"] != "int8":
        return ""
    common = find_common(c, build_dir)
    if common is None:
        return "<p class='missing'>no calibration.json found for this INT8 build.</p>"
    if common not in cache:
        cal = fileio.read_json(common / "calibration.json")
        hist = _read_json(common / "calibration_histograms.json")
        cache[common] = _img(
            calibration_plot(cal, hist, k), "calibration: per-tensor amax and |x| histograms"
        )
        if hist is None:
            cache[common] += (
                "<p class='missing'>no |x| histograms recorded (calibrated by an older tao2ds): rebuild to see them.</p>"
            )
    return "<h4>Calibration</h4>" + cache[common]


PROFILE_ROWS = (
    ("latency_ms", "latency"),
    ("gpu_compute_time_ms", "GPU compute"),
    ("h2d_latency_ms", "H2D"),
    ("d2h_latency_ms", "D2H"),
    ("enqueue_time_ms", "enqueue"),
)


def render_profile(c: Combination) -> str:
    t = _get(c.profile, "trtexec")
    d = _get(c.profile, "deepstream_app")
    if not t and not d:
        return "<p class='missing'>not profiled: run <code>doit profile</code> for this combination.</p>"
    out = []
    if t:
        s = t.get("summary") or {}
        stats = sorted({k for key, _ in PROFILE_ROWS for k in (s.get(key) or {})}, key=_stat_order)
        head = "".join(f"<th scope='col'>{html.escape(k)}</th>" for k in stats)
        rows = "".join(
            f"<tr><th scope='row'>{label} (ms)</th>"
            + "".join(f"<td>{_fmt_opt(s[key].get(k))}</td>" for k in stats)
            + "</tr>"
            for key, label in PROFILE_ROWS
            if s.get(key)
        )
        out.append(
            f"<p>trtexec on {html.escape(str(t.get('where')))}, TensorRT {html.escape(str(s.get('trt_version')))}, "
            f"batch {s.get('batch')}: {_fmt_opt(t.get('throughput_qps'))} qps = "
            f"{_fmt_opt(t.get('images_per_s'))} images/s</p>"
            f"<table class='kv profile'><thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
    if d:
        streams = ", ".join(_fmt_opt(x.get("fps_avg")) for x in d.get("per_stream", []))
        out.append(
            f"<p>deepstream-app on {html.escape(str(d.get('where')))}: {_fmt_opt(d.get('fps_avg'))} FPS average "
            f"over {d.get('streams')} stream(s) ({streams}), {d.get('reports')} reports</p>"
        )
    return "".join(out)


def _stat_order(k: str) -> tuple[int, float]:
    fixed = {"min": 0, "median": 1, "mean": 2}
    if k in fixed:
        return fixed[k], 0.0
    if k.startswith("p"):
        return 3, float(k[1:].replace("_", "."))
    return 4, 0.0  # max last


def _fmt_opt(v: Any) -> str:
    return "–" if v is None else _g(v)


def render_combination(c: Combination, build_dir: Path, page_dir: Path, k: int, cache: dict) -> str:
    stale = ""
    if c.stale:
        stale = "<p class='stale'>stale: " + html.escape("; ".join(c.stale[:3])) + "</p>"
    return (
        f"<section class='combination' id='{_anchor(c)}'><h3>{html.escape(c.name)}</h3>{stale}"
        f"<div class='cols'><div><h4>Artifacts</h4>{render_artifacts(c, page_dir)}</div>"
        f"<div><h4>nvinfer</h4>{render_nvinfer(c)}</div></div>"
        f"<h4>Speed (profile)</h4>{render_profile(c)}"
        f"<h4>Confusion matrices (verify)</h4>{render_confusion(c)}"
        f"<h4>Contact sheet</h4>{render_contact_sheet(c)}"
        f"{render_calibration(c, build_dir, k, cache)}</section>"
    )


# --- config diff ---------------------------------------------------------------------------------


def _config_text(c: Combination, kind: str) -> list[str]:
    rel = c.manifest["artifacts"].get(kind)
    if not rel or not (c.root / rel).is_file():
        return []
    return (c.root / rel).read_text(encoding="utf-8").splitlines()


def config_diff(a: Combination, b: Combination, kind: str) -> list[str]:
    rel_a, rel_b = a.manifest["artifacts"].get(kind), b.manifest["artifacts"].get(kind)
    return list(
        difflib.unified_diff(
            _config_text(a, kind),
            _config_text(b, kind),
            f"{a.name}/{rel_a}",
            f"{b.name}/{rel_b}",
            lineterm="",
        )
    )


def baseline_of(combos: Sequence[Combination], baseline: Optional[str]) -> Combination:
    names = [c.name for c in combos]
    if baseline is not None and baseline not in names:
        raise ConfigError(
            f"report.baseline={baseline!r} is not a build folder under build.dir",
            key="report.baseline",
            value=baseline,
            hint="choose one of " + ", ".join(names),
        )
    return combos[names.index(baseline)] if baseline else combos[0]


def render_diffs(combos: Sequence[Combination], base: Combination) -> str:
    if len(combos) < 2:
        return "<p>only one combination: nothing to compare.</p>"
    out = [f"<p>Each combination against <b>{html.escape(base.name)}</b> (<code>report.baseline</code>).</p>"]
    for c in combos:
        if c is base:
            continue
        for kind in ("nvinfer_config", "app_config"):
            lines = config_diff(base, c, kind)
            body = "".join(_diff_line(line) for line in lines) or "<span>identical</span>\n"
            out.append(
                f"<details class='diff' open><summary>{html.escape(kind)}: {html.escape(base.name)} → "
                f"{html.escape(c.name)}</summary><pre>{body}</pre></details>"
            )
    return "".join(out)


def _diff_line(line: str) -> str:
    cls = "add" if line.startswith("+") and not line.startswith("+++") else ""
    cls = "del" if line.startswith("-") and not line.startswith("---") else cls
    cls = "hunk" if line.startswith("@@") else cls
    return f"<span class='{cls}'>{html.escape(line)}</span>\n"


# --- page ----------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
thead th{background:#f0f0f0;position:sticky;top:0}
td.best{background:#d9f2d9;font-weight:bold}
td.stale,p.stale{color:#a00}
.note,.missing{color:#666;font-size:12px}
.scroll{overflow-x:auto}
.cols{display:flex;gap:2em;flex-wrap:wrap}
.plots{display:flex;gap:1em;flex-wrap:wrap}
img.plot,img.sheet{max-width:100%;border:1px solid #ddd}
img.confusion{max-width:480px}
section.combination{border-top:2px solid #888;margin-top:2em}
pre{background:#f8f8f8;padding:.5em;overflow-x:auto;font-size:12px}
pre .add{color:#060}pre .del{color:#a00}pre .hunk{color:#55a}
"""


def render_page(
    build_dir: Path, combos: Sequence[Combination], page_dir: Path, cfg_report: Mapping[str, Any]
) -> str:
    k = int(cfg_report["histogram_layers"])
    base = baseline_of(combos, cfg_report.get("baseline"))
    cache: dict = {}
    sections = "".join(render_combination(c, build_dir, page_dir, k, cache) for c in combos)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        # no network, no scripts: data: images only
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">"
        f"<title>tao2ds report: {html.escape(str(build_dir))}</title><style>{STYLE}</style></head><body>"
        f"<h1>tao2ds build report</h1><p>{len(combos)} combination(s) under <code>{html.escape(str(build_dir))}</code>.</p>"
        f"<h2>Combinations</h2>{render_table(combos)}"
        f"<h2>Config differences</h2>{render_diffs(combos, base)}"
        f"<h2>Each combination</h2>{sections}</body></html>"
    )


def report(build_dir: Path, cfg: Mapping[str, Any]) -> Path:
    """Write ``<build_dir>/report.html``; return its path."""
    build_dir = Path(build_dir)
    combos = find_combinations(build_dir)
    if not combos:
        raise StaleBuildError(
            f"no build folder with a {MANIFEST} under {build_dir}: build something first (doit build)",
            file=build_dir,
        )
    out = build_dir / REPORT_NAME
    fileio.write_text(out, render_page(build_dir, combos, out.parent, cfg["report"]))
    print(f"report: {out} ({len(combos)} combination(s): {', '.join(c.name for c in combos)})")
    return out
