import pytest

from tao2ds.config.capabilities import check_capabilities
from tao2ds.config.compose import compose
from tao2ds.core.errors import CapabilityError


def check(*overrides):
    check_capabilities(compose(list(overrides)).cfg)


def test_int8_on_nano_names_gpu_and_supported_precisions():
    with pytest.raises(CapabilityError) as e:
        check("target=jetson_nano", "precision=int8")
    msg = str(e.value)
    assert "sm_53" in msg and "no INT8" in msg and "fp32, fp16" in msg


@pytest.mark.parametrize(
    "overrides,expect",
    [
        (["target=x86_dgpu", "engine.dla_core=0"], "has no DLA"),
        (["target=jetson_orin", "engine.dla_core=2"], "DLA cores 0..1"),
        (["target=jetson_orin", "engine.dla_core=0", "precision=fp32"], "FP16 and INT8 only"),
        (["target=jetson_nano", "model.batch_size=64"], "batch sizes 1..16"),
        (["target=x86_dgpu", "engine.scaling_compute_hw=2"], "only on Jetson"),
        (["target=jetson_orin", "pipeline.sinks.0.kind=overlay"], "up to DeepStream 6.0.1"),
        (["target=x86_dgpu", "pipeline.sinks.0.kind=drm"], "only on Jetson"),
        (["target=jetson_orin", "pipeline.memory=cuda_unified"], "dGPU only"),
        (["model.classifier_threshold=1.5"], "within 0..1"),
        (["model.calibration_cache=x.cache", "calibration.images=cal"], "so no image is read"),
    ],
)
def test_capability_problems(overrides, expect):
    with pytest.raises(CapabilityError, match=expect):
        check(*overrides)


def test_all_problems_reported_at_once():
    with pytest.raises(CapabilityError) as e:
        check("target=jetson_nano", "precision=int8", "model.batch_size=64")
    assert "no INT8" in str(e.value) and "batch sizes" in str(e.value)


@pytest.mark.parametrize(
    "overrides",
    [
        ["target=jetson_orin", "precision=int8", "engine.dla_core=1"],
        ["target=jetson_nano", "pipeline.sinks.0.kind=overlay"],
        ["target=jetson_xavier", "pipeline.sinks.0.kind=drm", "engine.scaling_compute_hw=2"],
    ],
)
def test_valid_combinations_pass(overrides):
    check(*overrides)


# --- variants DeepStream would reject (deepstream-parsers.md) -----------------------------------


def test_gpu_id_on_jetson_refused():
    for target in ("jetson_nano", "jetson_xavier", "jetson_orin"):
        with pytest.raises(CapabilityError) as e:
            check(f"target={target}", "engine.gpu_id=1")
        assert (
            e.value.key == "engine.gpu_id" and e.value.value == 1 and "single integrated GPU" in str(e.value)
        )
    check("target=x86_dgpu", "engine.gpu_id=1")


def test_explicit_rtsp_port_collision_refused():
    with pytest.raises(CapabilityError) as e:
        check("pipeline.sinks=[{kind:rtsp,rtsp_port:9000},{kind:rtsp,rtsp_port:9000}]")
    assert e.value.key == "pipeline.sinks[1].rtsp_port" and e.value.value == 9000
    check("pipeline.sinks=[{kind:rtsp},{kind:rtsp},{kind:rtsp,rtsp_port:8554}]")  # unset ones move aside


def test_tiler_explicitly_off_with_several_sources_refused():
    two = "pipeline.sources=[{uri:samples/multitask_sample/video/sample.mp4},{uri:'rtsp://cam/1'}]"
    check(two)  # tiler unset: turned on by the renderer
    with pytest.raises(CapabilityError) as e:
        check(two, "pipeline.tiled_display.enable=false")
    assert e.value.key == "pipeline.tiled_display.enable" and "source 0" in str(e.value)
    with pytest.raises(CapabilityError):
        check("pipeline.sources.0.num_sources=2", "pipeline.tiled_display.enable=false")
    check("pipeline.tiled_display.enable=false")  # one source: the user's choice stands


def test_image_sequence_refused_with_encode_command_unless_reference_runner():
    seq = "pipeline.sources.0.uri=frames/img_%04d.jpg"
    for target in ("jetson_nano", "x86_dgpu"):
        with pytest.raises(CapabilityError) as e:
            check(f"target={target}", seq)
        assert e.value.key == "pipeline.sources[0].uri"
        assert 'gst-launch-1.0 -e multifilesrc location="frames/img_%04d.jpg"' in e.value.hint
        assert "run.backend=reference" in e.value.hint
    with pytest.raises(CapabilityError):
        check(seq, "run.backend=pyds")
    check(seq, "run.backend=reference")


@pytest.mark.parametrize(
    "target,refused",
    [("jetson_nano", True), ("jetson_xavier", True), ("jetson_orin", False), ("x86_dgpu", False)],
)
def test_bundled_detector_only_on_its_release(target, refused):
    from tests.conftest import have_gi

    if not have_gi():
        pytest.skip("reading the detector config needs GLib")
    if refused:
        with pytest.raises(CapabilityError) as e:
            check(f"target={target}", "pipeline=detect_classify")
        msg = str(e.value)
        assert e.value.key == "pipeline.detector.config" and "DeepStream 7.1" in msg
        assert ("6.0.1" if target == "jetson_nano" else "6.3") in msg
    else:
        check(f"target={target}", "pipeline=detect_classify")


def test_newline_in_font_refused_at_check_time():
    from omegaconf import OmegaConf

    from tao2ds.config.compose import validate
    from tao2ds.core.errors import ConfigError

    d = compose([]).to_dict()
    d["pipeline"]["osd"]["font"] = "Serif\nBold"
    with pytest.raises(ConfigError) as e:
        check_capabilities(validate(OmegaConf.create(d)).cfg)
    assert e.value.key == "pipeline.osd.font" and "line break" in str(e.value)


@pytest.mark.parametrize(
    "overrides,expect",
    [
        (["engine.scaling_compute_hw=5"], "0 (default), 1 (gpu), 2 (vic)"),
        (["model.scaling_filter=7"], "0 (nearest), 1 (bilinear)"),
        (["model.preprocessing.model_color_format=3"], "0 (rgb), 1 (bgr), 2 (gray)"),
        (["target=x86_dgpu", "pipeline.memory=surface_array"], "only on Jetson"),
    ],
)
def test_codes_checked_with_the_enums(overrides, expect):
    with pytest.raises(CapabilityError, match=expect.replace("(", r"\(").replace(")", r"\)")):
        check(*overrides)
