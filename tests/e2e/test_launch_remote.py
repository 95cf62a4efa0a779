"""`doit launch` with run.backend=deepstream-app on target.host: the build directory is copied to
the device over real OpenSSH and deepstream-app (a stand-in there) runs from it."""

import json
import stat

from pipelines import launch
from tests.conftest import DoitRun
from tests.fakes.sshd import sshd  # noqa: F401  (fixture)

FAKE_DEEPSTREAM_APP = """#!/bin/sh
# stand-in: insists on being started in a build directory with everything nvinfer would open
[ "$1" = -c ] && [ -f "$2" ] || { echo "usage: deepstream-app -c <config>" >&2; exit 2; }
for f in config_infer_multitask.txt labels.txt model.onnx media/sample.mp4; do
  [ -f "$f" ] || { echo "missing $f in $(pwd)" >&2; exit 3; }
done
echo "**PERF:  31.00 (30.50)"
"""


def test_deepstream_app_on_the_device_over_ssh(sshd, tmp_path):  # noqa: F811
    fake = sshd.device.bin / "deepstream-app"
    fake.write_text(FAKE_DEEPSTREAM_APP)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    run = DoitRun(tmp_path)
    run("build")
    build = run.build / "x86_dgpu"
    target = json.loads((build / "manifest.json").read_text())["config"]["target"]
    target.update(
        host=sshd.host,
        port=sshd.port,
        user=sshd.user,
        ssh_key=str(sshd.user_key),
        remote_dir=str(sshd.dir / "remote-run"),
    )
    summary = launch.run_deepstream_app(build, target, sshd.known_hosts)
    assert summary["where"] == sshd.host and summary["exit_code"] == 0 and summary["fps"] == 30.5
    assert (sshd.dir / "remote-run" / "x86_dgpu" / "labels.txt").read_text() == (
        build / "labels.txt"
    ).read_text()
    assert "**PERF" in (build / "results" / "deepstream-app" / "deepstream-app.log").read_text()
