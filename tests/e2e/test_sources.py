"""The reference runner's sources: an image sequence and a live RTSP stream on 127.0.0.1."""

import csv
import json
import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, DoitRun, have_gi

pytestmark = pytest.mark.skipif(not have_gi(), reason="GStreamer/PyGObject not installed (scripts/setup.sh)")
SAMPLE = ROOT / "samples" / "multitask_sample"

RTSP_SERVER = r"""
import sys
import gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
server = GstRtspServer.RTSPServer.new()
server.set_address("127.0.0.1"); server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory.new()
factory.set_launch(f'( filesrc location={sys.argv[2]} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 )')
factory.set_shared(True)
server.get_mount_points().add_factory("/sample", factory)
server.attach(None)
print("ready", flush=True)
GLib.timeout_add_seconds(60, lambda: sys.exit(0))
GLib.MainLoop().run()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_image_sequence_source(tmp_path):
    """deepstream-app cannot read an image sequence, so a sequence builds only for the CPU
    reference runner (run.backend=reference); any other backend is refused with the command
    that encodes the sequence to a video."""
    frames = tmp_path / "frames"
    frames.mkdir()
    rows = list(csv.DictReader(open(SAMPLE / "validation" / "labels.csv")))[:12]
    for i, row in enumerate(rows, start=1):
        shutil.copy(SAMPLE / "validation" / "images" / row["fname"], frames / f"img_{i:04d}.jpg")
    run = DoitRun(tmp_path)
    refused = run("launch", f"pipeline.sources.0.uri={frames}/img_%04d.jpg", check=False)
    assert refused.returncode != 0 and "image sequence" in refused.stderr
    assert f'gst-launch-1.0 -e multifilesrc location="{frames}/img_%04d.jpg" start-index=1' in refused.stderr
    run("launch", f"pipeline.sources.0.uri={frames}/img_%04d.jpg", "run.backend=reference")
    out = run.build / "x86_dgpu"
    assert sorted(p.name for p in (out / "media").iterdir()) == [f"img_{i:04d}.jpg" for i in range(1, 13)]
    records = [
        json.loads(x) for x in (out / "results" / "reference" / "results.jsonl").read_text().splitlines()
    ]
    assert len(records) == 12
    for rec, row in zip(records, rows):
        assert all(rec["tasks"][t]["label"] == row[t] for t in ("season", "category", "base_color"))


def test_rtsp_source(tmp_path):
    import gi

    try:
        gi.require_version("GstRtspServer", "1.0")
    except ValueError:
        pytest.skip(
            "GstRtspServer typelib missing (gir1.2-gst-rtsp-server-1.0; scripts/setup.sh installs it)"
        )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", RTSP_SERVER, str(port), str(SAMPLE / "video" / "sample.mp4")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        run = DoitRun(tmp_path)
        uri = f"rtsp://127.0.0.1:{port}/sample"
        run("launch", f"pipeline.sources.0.uri={uri}", "run.max_frames=40")
        out = run.build / "x86_dgpu"
        app = (out / "deepstream_app.txt").read_text()
        assert f"uri={uri}" in app and "type=4" in app and "latency=100" in app
        summary = json.loads((out / "results" / "reference" / "summary.json").read_text())
        assert summary["frames"] == 40
        assert sum(summary["label_counts"]["season"].values()) == 40
    finally:
        server.terminate()
        server.wait(timeout=10)
