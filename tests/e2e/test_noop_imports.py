"""A no-op build imports only what it needs: no Hydra, OmegaConf, YAML, the schema's dataclasses,
ONNX, ONNX Runtime, OpenCV or the pipelines (issue 14, item 5). Checked on a real no-op run."""

import re

from tests.conftest import DoitRun

NOT_ON_A_NOOP = (
    "hydra",
    "omegaconf",
    "yaml",
    "tao2ds.config.schema",
    "onnx",
    "onnxruntime",
    "cv2",
    "numpy",
    "gi",
    "pipelines.launch",
    "pipelines.verify",
    "tarfile",
    "email.parser",
)


def test_noop_build_imports_only_what_it_needs(tmp_path, monkeypatch):
    run = DoitRun(tmp_path)
    args = ["build", "targets=jetson_orin,x86_dgpu"]
    run(*args)
    assert run.executed(run(*args)) == set()  # composed configs now come from the compose cache
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    proc = run(*args)
    assert run.executed(proc) == set()
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", proc.stderr, re.M))
    assert "tao2ds.steps.context" in imported  # the trace is real
    assert not {m for m in imported if m.split(".")[0] in NOT_ON_A_NOOP or m in NOT_ON_A_NOOP}
