import shutil
import subprocess

import pytest

from tao2ds.deepstream.sources import encode_sequence_command, is_sequence, staged_uri
from tests.conftest import ROOT


def test_staged_uris():
    assert staged_uri("samples/x/video.mp4") == "file://media/video.mp4"
    assert staged_uri("rtsp://cam/1") == "rtsp://cam/1"
    assert is_sequence("frames/img_%04d.jpg") and is_sequence("file://frames/img_%d.png")
    assert not is_sequence("frames/video.mp4") and not is_sequence("rtsp://cam/%04d")


def test_encode_command_names_start_index_and_output(tmp_path):
    for i in (3, 4, 5):
        shutil.copy(
            ROOT
            / "samples/multitask_sample/validation/images"
            / sorted((ROOT / "samples/multitask_sample/validation/images").iterdir())[i].name,
            tmp_path / f"img_{i:04d}.jpg",
        )
    cmd = encode_sequence_command(f"{tmp_path}/img_%04d.jpg")
    assert (
        cmd.startswith("gst-launch-1.0 -e multifilesrc ")
        and "start-index=3" in cmd
        and 'caps="image/jpeg,framerate=25/1"' in cmd
    )
    assert f'filesink location="{tmp_path}/img.mp4"' in cmd


@pytest.mark.skipif(not shutil.which("gst-launch-1.0"), reason="GStreamer tools not installed")
def test_encode_command_produces_a_video(tmp_path):
    images = sorted((ROOT / "samples/multitask_sample/validation/images").iterdir())[:5]
    for i, p in enumerate(images, start=1):
        shutil.copy(p, tmp_path / f"img_{i:04d}.jpg")
    cmd = encode_sequence_command(f"{tmp_path}/img_%04d.jpg")
    probe = subprocess.run(["gst-inspect-1.0", "x264enc"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("x264enc not installed")
    subprocess.run(cmd, shell=True, check=True, capture_output=True, timeout=120)
    assert (tmp_path / "img.mp4").stat().st_size > 1000
