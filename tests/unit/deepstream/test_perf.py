"""deepstream-app's **PERF lines (deepstream.perf), as deepstream_app_main.c perf_cb prints them."""

from tao2ds.deepstream.perf import parse_perf_log

# header every 20 reports, then "%.2f (%.2f)\t" per stream; other log lines in between
LOG = (
    "Running...\n"
    "\n**PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t\n"
    "**PERF:  29.87 (29.87)\t30.02 (30.02)\t\n"
    "WARNING from sink_sub_bin_sink1: A lot of buffers are being dropped.\n"
    "**PERF:  31.10 (30.48)\t29.50 (29.76)\t\n"
    "** INFO: <bus_callback:314>: Received EOS. Exiting ...\n"
)


def test_last_report_per_stream_and_totals():
    p = parse_perf_log(LOG)
    assert p["reports"] == 2 and p["streams"] == 2
    assert p["per_stream"] == [{"fps": 31.10, "fps_avg": 30.48}, {"fps": 29.50, "fps_avg": 29.76}]
    assert p["fps"] == 60.6 and p["fps_avg"] == 60.24


def test_no_perf_lines():
    p = parse_perf_log("**PERF:  FPS 0 (Avg)\t\nApp run failed\n")
    assert p == {"reports": 0, "streams": 0, "fps": None, "fps_avg": None, "per_stream": []}
