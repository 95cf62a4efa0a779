"""The release table (tao2ds/deepstream/releases.py) is internally consistent, every target's
release runs its hardware, and the README's target table is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tao2ds.calibration.cache_format import trt_version_number
from tao2ds.config.compose import CONF_DIR, compose, group_options
from tao2ds.config.readme_tables import README_BEGIN, README_END, target_table
from tao2ds.core.errors import CapabilityError, ConfigError
from tao2ds.deepstream import releases
from tao2ds.deepstream.codes import SinkType, SourceType
from tao2ds.engine.versions import parse_version

ROOT = Path(__file__).resolve().parents[3]


def test_releases_are_ordered_unique_and_parse():
    keys = [r.key for r in releases.RELEASES]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert releases.RELEASES[0].version == "6.0.1" and releases.newest().version == "9.2"
    for r in releases.RELEASES:
        assert r.sources, f"{r.version} cites no source"
        for platform in releases.PLATFORMS:
            s = r.stack(platform)
            if s is None:
                continue
            parse_version(s.tensorrt)
            releases.version_key(s.cuda)
            releases.version_key(s.python)
            assert (s.jetpack is not None) == (platform == "jetson")
            assert (s.l4t is not None) == (platform == "jetson")
            # the calibration-cache header number derives from every TensorRT in the table
            major, minor, patch = parse_version(s.tensorrt)
            n = trt_version_number(s.tensorrt)
            assert n == (major * 10000 if major >= 10 else major * 1000) + minor * 100 + patch


def test_hardware_names_are_known():
    modules = {m.name for m in releases.JETSON_MODULES.values()}
    archs = set(releases.DGPU_ARCHITECTURES.values())
    for r in releases.RELEASES:
        assert set(r.jetson_modules) <= modules, r.version
        assert set(r.dgpu_architectures) <= archs, r.version
        assert bool(r.jetson_modules) == (r.jetson is not None)


def test_sink_and_source_codes_agree_with_the_enums():
    for r in releases.RELEASES:
        for kind, code in r.source_types.items():
            assert int(SourceType[kind.upper()]) == code, (r.version, kind)
        assert ("ipc" in r.source_types) == (r.key >= (7, 0, 0))
        for platform, kinds in r.sinks.items():
            for kind, code in kinds.items():
                assert int(SinkType[kind.upper()]) == code, (r.version, platform, kind)


def test_release_facts_that_decisions_rest_on():
    get = releases.get
    assert get("6.0.1").jetson.tensorrt == "8.2.1" and get("6.0.1").pyds_available
    assert get("7.1").jetson.tensorrt == "10.3.0" and "uff" not in get("7.1").parsers
    assert "uff" in get("7.0").parsers
    assert get("8.0").jetson.tensorrt.startswith("10.13.") and get("8.0").dgpu.tensorrt.startswith("10.9.")
    assert get("8.0").jetson_modules == ("thor",) and get("9.0").jetson_modules == ("thor",)
    assert "orin" in get("9.1").jetson_modules and get("9.1").jetson.jetpack == "7.2"
    assert get("9.2").dgpu.tensorrt == "10.16.0.72" and get("9.2").jetson.tensorrt == "10.16.1.7"
    assert not get("9.0").pyds_available and get("9.0").pyservicemaker
    assert "strongly-typed" in get("9.0").nvinfer_keys and "strongly-typed" not in get("8.0").nvinfer_keys
    assert "blackwell" in get("8.0").dgpu_architectures and "blackwell" not in get("7.1").dgpu_architectures


@pytest.mark.parametrize("target", group_options("target"))
def test_every_target_defaults_to_a_release_that_runs_its_hardware(target):
    raw = yaml.safe_load((CONF_DIR / "target" / f"{target}.yaml").read_text())
    t = compose([f"target={target}"]).cfg.target
    release = releases.get(t.deepstream)
    assert release.runs_on(str(t.platform), t.gpu.compute_capability)
    stack = release.stack(str(t.platform))
    assert releases.same_minor(t.tensorrt, stack.tensorrt) and releases.same_minor(t.cuda, stack.cuda)
    assert t.python == stack.python
    if str(t.platform) == "jetson":
        module = releases.JETSON_MODULES[t.gpu.compute_capability]
        assert t.gpu.dla_cores <= module.dla_cores
    if "deepstream" not in raw:  # unset: the newest release for the hardware
        assert release == releases.releases_for(str(t.platform), t.gpu.compute_capability)[-1]


def test_x86_dgpu_defaults_to_the_newest_release():
    assert compose(["target=x86_dgpu"]).cfg.target.deepstream == releases.newest().version


def test_orin_on_91_derives_its_stack():
    t = compose(["target=jetson_orin", "target.deepstream=9.1"]).cfg.target
    assert (t.deepstream, t.tensorrt, t.cuda, t.jetpack, t.l4t, t.python) == (
        "9.1",
        "10.16.1.11",
        "13.2",
        "7.2",
        "R39.2",
        "3.12",
    )


def test_thor_is_blackwell_without_dla():
    t = compose(["target=jetson_thor"]).cfg.target
    assert t.gpu.compute_capability == "11.0" and t.gpu.dla_cores == 0
    assert releases.hardware_name("jetson", "11.0") == "thor"
    assert t.jetpack.startswith("7.")


@pytest.mark.parametrize(
    "overrides,key,names",
    [
        (["target=jetson_nano", "target.deepstream=9.1"], "target.deepstream", "it runs DeepStream 6.0.1"),
        (["target=jetson_orin", "target.deepstream=8.0"], "target.deepstream", "7.1, 9.1, 9.2"),
        (["target=jetson_orin", "target.deepstream=9.0"], "target.deepstream", "7.1, 9.1, 9.2"),
        (["target=jetson_thor", "target.deepstream=7.1"], "target.deepstream", "8.0, 9.0, 9.1, 9.2"),
        (["target=x86_blackwell", "target.deepstream=7.1"], "target.deepstream", "8.0, 9.0, 9.1, 9.2"),
        (["target=x86_dgpu", "target.deepstream=5.1"], "target.deepstream", "6.0.1, 6.1"),
        (["target=x86_dgpu", "target.jetpack=6.1"], "target.jetpack", "drop target.jetpack"),
    ],
)
def test_impossible_combinations_are_refused_naming_the_possible(overrides, key, names):
    with pytest.raises(ConfigError) as e:
        compose(overrides)
    assert e.value.key == key
    assert names in str(e.value)


def test_patch_level_overrides_are_kept_silently(caplog):
    with caplog.at_level("WARNING"):
        t = compose(["target=jetson_orin", "target.tensorrt=10.3.0.30"]).cfg.target
    assert t.tensorrt == "10.3.0.30" and not caplog.records


def test_other_versions_are_kept_with_a_warning_naming_the_releases(caplog):
    with caplog.at_level("WARNING"):
        t = compose(["target=jetson_orin", "target.tensorrt=10.16.1"]).cfg.target
    assert t.tensorrt == "10.16.1" and t.deepstream == "7.1"
    (message,) = [r.getMessage() for r in caplog.records]
    assert "ships TensorRT 10.3.0" in message and "comes with DeepStream 9.1, 9.2" in message


def test_int8_routes_follow_the_release():
    r71, r91 = releases.get("7.1"), releases.get("9.1")
    assert releases.int8_route(r71, r71.jetson.tensorrt) == "cache"
    assert releases.int8_route(r91, r91.jetson.tensorrt, "qdq") == "qdq"
    with pytest.raises(CapabilityError, match="7.1"):
        releases.int8_route(r71, r71.jetson.tensorrt, "qdq")
    assert releases.int8_route(None, "11.1.0") == "qdq"
    assert releases.strongly_typed(r91, "qdq") and not releases.strongly_typed(r71, "qdq")
    assert not releases.strongly_typed(r91, "cache")


def test_readme_target_table_is_generated_from_the_release_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(re.escape(README_BEGIN) + r"\n(.*?)\n" + re.escape(README_END), text, re.S)
    assert m, "README.md lacks the generated target table markers"
    assert m.group(1).strip() == target_table().strip(), (
        "README target table is stale: python -m tao2ds.deepstream.readme_table --write"
    )
    for r in releases.RELEASES:
        assert f"| {r.version} |" in m.group(1)
    for m_ in releases.JETSON_MODULES.values():
        assert m_.name in m.group(1)


def test_dla_on_thor_is_refused_even_when_the_target_claims_cores():
    from tao2ds.config.capabilities import check_capabilities

    with pytest.raises(CapabilityError, match="Thor .* has no DLA"):
        check_capabilities(compose(["target=jetson_thor", "target.gpu.dla_cores=2"]).cfg)
    with pytest.raises(CapabilityError, match="jetson_thor has no DLA"):
        check_capabilities(compose(["target=jetson_thor", "engine.dla_core=0"]).cfg)


def test_python_apps_parse_for_every_release_python_that_runs_them():
    """pyds_app.py on the Python of every release with pyds wheels, servicemaker_app.py on the
    Python of every release with PyServiceMaker (both platforms)."""
    import ast

    for app, has in (("pyds_app.py", "pyds_available"), ("servicemaker_app.py", "pyservicemaker")):
        text = (ROOT / "pipelines" / app).read_text(encoding="utf-8")
        pythons = {
            s.python
            for r in releases.RELEASES
            if getattr(r, has)
            for s in (r.jetson, r.dgpu)
            if s is not None
        }
        assert pythons
        for py in pythons:
            ast.parse(text, feature_version=tuple(int(x) for x in py.split(".")))
