"""`doit report` over real builds (two targets and a nested, sweep-like folder), opened in a real
headless browser: Debian's chromium + chromedriver through selenium (scripts/setup.sh installs them).

The page must load with no console errors, have one table row per build folder with a manifest,
render every image at a non-zero size, and a screenshot is taken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines import report
from tests.conftest import DoitRun

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """build/{x86_dgpu,jetson_orin} (int8, one _common) verified and launched, and
    build/threshold-0.7/x86_dgpu (fp16, threshold 0.7) as a sweep would lay it out; then the report."""
    tmp = tmp_path_factory.mktemp("report")
    run = DoitRun(tmp)
    run("build", "targets=x86_dgpu,jetson_orin", "precision=int8")
    run("verify", "target=x86_dgpu", "precision=int8")
    run("launch", "target=x86_dgpu", "precision=int8", "run.backend=reference", "run.max_frames=12")
    nested = DoitRun(tmp / "nested")
    nested.build = run.build / "threshold-0.7"
    nested("build", "target=x86_dgpu", "precision=fp16", "model.classifier_threshold=0.7")
    proc = run("report", "report.histogram_layers=3")
    return run, proc


def test_report_lists_every_build_folder_and_its_results(built):
    run, proc = built
    page_path = run.build / "report.html"
    page = page_path.read_text()
    assert "3 combination(s)" in proc.stdout
    for folder in ("jetson_orin", "x86_dgpu", "threshold-0.7/x86_dgpu"):
        assert f"data-folder='{folder}'" in page
    verify = json.loads((run.build / "x86_dgpu" / "results" / "verify" / "report.json").read_text())
    # the confusion matrices add up to the validation set, diagonal = accuracy
    for task, m in verify["onnx"]["confusion"].items():
        total = sum(map(sum, m["matrix"]))
        diagonal = sum(m["matrix"][i][i] for i in range(len(m["classes"])))
        assert total == verify["onnx"]["images"] and diagonal / total == verify["onnx"]["accuracy"][task]
    assert "confusion matrix base_color" in page and "contact sheet (reference)" in page
    # artifacts are linked relative to the page, and exist
    assert "href='x86_dgpu/config_infer_multitask.txt'" in page
    assert "href='threshold-0.7/x86_dgpu/labels.txt'" in page
    # key nvinfer values, and the threshold differs in the config diff against the baseline
    assert "<th scope='row'>classifier-threshold</th><td><code>0.7</code>" in page
    assert "+classifier-threshold=0.7" in page and "-classifier-threshold=0.5" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page  # self-contained


def test_calibration_histograms_recorded_without_changing_the_cache(built):
    run, _ = built
    common = run.build / "_common"
    cal = json.loads((common / "calibration.json").read_text())
    hist = json.loads((common / "calibration_histograms.json").read_text())
    assert hist["method"] == "entropy" and hist["bins"] == 128
    names = [n for n, _ in cal["amax"]]
    recorded = {t["name"]: t for t in hist["tensors"]}
    assert list(recorded) == names  # every tensor, graph order
    # the input's histogram spans [0, max|x|] and holds every value of every image: N×3×80×60
    assert sum(recorded["input_1"]["counts"]) == cal["num_images"] * 3 * 80 * 60
    for name, amax in cal["amax"]:  # a threshold lies inside its histogram's range (bin centre: + half a bin)
        assert 0 < amax <= recorded[name]["max"] * (1 + 0.5 / 2048) + 1e-9
    # the cache is what the amax alone gives (the histograms are a side output)
    from tao2ds.calibration.cache_format import CalibrationCache, trt_version_number

    trt = json.loads((run.build / "x86_dgpu" / "manifest.json").read_text())["config"]["target"]["tensorrt"]
    expected = CalibrationCache.from_amax(trt_version_number(trt), dict(cal["amax"])).render()
    assert (run.build / "x86_dgpu" / "calibration.cache").read_text() == expected


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromium-driver (Debian) are needed: scripts/setup.sh",
)
def test_report_in_a_headless_browser(built, tmp_path):
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is needed: pip install -e '.[test]'"
    )
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    run, _ = built
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get((run.build / "report.html").resolve().as_uri())
        assert driver.title.startswith("tao2ds report")
        rows = driver.find_elements(By.CSS_SELECTOR, "#combinations tbody tr")
        manifests = [p for p in run.build.rglob("manifest.json") if "_common" not in p.parts]
        assert len(rows) == len(manifests) == 3
        images = driver.find_elements(By.TAG_NAME, "img")
        # 3 confusion matrices + contact sheet (x86_dgpu) + a calibration plot for each int8 folder
        assert len(images) == 3 + 1 + 2
        for img in images:
            assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0
            assert img.size["width"] > 0 and img.size["height"] > 0, img.get_attribute("alt")
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    finally:
        driver.quit()


def test_report_with_nothing_built(tmp_path):
    run = DoitRun(tmp_path)
    run.build.mkdir(parents=True)
    proc = run("report", check=False)
    assert proc.returncode != 0 and "no build folder with a manifest.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_report_baseline_must_be_a_build_folder(built):
    run, _ = built
    before = (run.build / "report.html").read_bytes()
    proc = run("report", "report.baseline=nope", check=False)
    assert (
        proc.returncode != 0
        and "report.baseline='nope'" in proc.stderr
        and "threshold-0.7/x86_dgpu" in proc.stderr
    )
    assert (run.build / "report.html").read_bytes() == before  # refused before anything was written


def test_folders_are_found_at_any_depth_broken_ones_skipped_and_edits_shown_as_stale(built, tmp_path):
    run, _ = built
    root = tmp_path / "build"
    shutil.copytree(run.build / "x86_dgpu", root / "a" / "b" / "x86_dgpu")
    (root / "bad").mkdir(parents=True)
    (root / "bad" / "manifest.json").write_text("{")  # not a manifest: skipped with a warning
    (root / "_common").mkdir()
    (root / "_common" / "manifest.json").write_text("{}")  # shared work, never a combination
    combos = report.find_combinations(root)
    assert [c.name for c in combos] == ["a/b/x86_dgpu"] and combos[0].stale == []
    assert combos[0].verify["onnx"]["images"] == 300
    labels = root / "a" / "b" / "x86_dgpu" / "labels.txt"
    labels.write_text(labels.read_text() + "extra\n")
    (stale,) = report.find_combinations(root)
    assert any("labels.txt" in r for r in stale.stale)
    assert "<td class='stale'" in report.render_table([stale])


# --- the table's rules, on hand-made combinations ----------------------------------------------


def _combo(name, accuracy=None, latency=None, stale=()):
    manifest = {"target": name, "precision": "fp16", "label_tasks": ["season"], "artifacts": {}, "config": {}}
    verify = {"onnx": {"accuracy": {"season": accuracy}}} if accuracy is not None else None
    profile = {"trtexec": {"latency_median_ms": latency}} if latency is not None else None
    return report.Combination(name, Path(name), manifest, verify=verify, profile=profile, stale=list(stale))


def _column(title, combos):
    return next(c for c in report.columns(combos) if c.title == title)


def test_best_per_column_max_min_ties_and_gaps():
    combos = [_combo("a", 0.9, 2.0), _combo("b", 0.95, 1.5), _combo("c", 0.95), _combo("d")]
    assert report.best_rows(_column("accuracy season", combos), combos) == {1, 2}  # ties both marked
    assert report.best_rows(_column("latency median ms", combos), combos) == {1}  # lower is better
    assert report.best_rows(_column("target", combos), combos) == set()  # not ranked
    one = [_combo("a", 0.9), _combo("b")]
    assert report.best_rows(_column("accuracy season", one), one) == set()  # nothing to compare
    html = report.render_table(combos)
    assert html.count("<td class='best'") == 3 and html.count("<tr class='combination'") == 4


def test_pick_layers_input_then_evenly_spaced():
    names = [f"t{i}" for i in range(10)]
    assert report.pick_layers(names, 4) == ["t0", "t3", "t6", "t9"]
    assert report.pick_layers(names[:2], 4) == ["t0", "t1"]
    assert report.pick_layers(names, 0) == [] and report.pick_layers(names, 1) == ["t0"]
