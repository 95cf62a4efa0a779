"""A no-op build imports only what it needs: no Hydra, OmegaConf, YAML, the schema's dataclasses,
ONNX, ONNX Runtime, OpenCV or the pipelines, nor tao2ds's own modules that only a running step
uses: engine builders, the model readers, calibration, Triton's config (issue 14, item 5; each
module is tens of dataclass methods compiled at import). Checked on a real no-op run."""

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
    # tao2ds modules a step's run needs, not its declaration (a name covers its submodules)
    "tao2ds.calibration",
    "tao2ds.model",
    "tao2ds.remote",
    "tao2ds.engine.types",
    "tao2ds.engine.compat",
    "tao2ds.engine.probe",
    "tao2ds.engine.trtexec_cmd",
    "tao2ds.engine.builders.ssh",
    "tao2ds.engine.builders.tensorrt",
    "tao2ds.engine.builders.tao_converter",
    "tao2ds.engine.builders.tao_deploy",
    "tao2ds.deepstream.triton_repo",
    "tao2ds.deepstream.detector",
    "tao2ds.deepstream.labels",
    "tao2ds.deepstream.nvinfer",  # the layout names engines with deepstream.engine_file
    "tao2ds.deepstream.nvinferserver",
    "tao2ds.steps.triton",  # only for pipeline.infer_plugin=nvinferserver
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
    assert not {m for m in imported if any(m == n or m.startswith(n + ".") for n in NOT_ON_A_NOOP)}
