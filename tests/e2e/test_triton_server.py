"""A real Triton Inference Server on 127.0.0.1 (the tritonserver binary of the nvidia-pytriton
wheel, in .venv-triton) serving the build's model repository, with the model run by a
Python-backend ONNX Runtime STAND-IN (that binary has no TensorRT / ONNX Runtime backend); the
reference runner talks to it over gRPC as nvinferserver's gRPC mode does (run.backend=triton)."""

import dataclasses
import json
import time

import pytest

from tests.conftest import DoitRun

try:
    from pipelines.triton_server import TritonServer, find_dist, free_port, standin_repo
    from tao2ds.core.errors import RunError

    find_dist()
    MISSING = None
except Exception as e:  # noqa: BLE001
    MISSING = str(e)

pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"no Triton server: {MISSING}")
BUILD = ["pipeline.infer_plugin=nvinferserver", "model.batch_size=4"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("triton-served")
    run = DoitRun(tmp)
    run("build", *BUILD)
    build_dir = run.build / "x86_dgpu"
    repo, name = standin_repo(build_dir, tmp / "standin")
    with TritonServer(repo, models=(name,)) as server:
        yield run, build_dir, server, name


def test_standin_repository_keeps_the_build_model_config(served):
    _, build_dir, server, name = served
    from tests.triton_schemas import parse_model_config

    built = parse_model_config((build_dir / "triton" / name / "config.pbtxt").read_text())
    standin = parse_model_config((server.repo / name / "config.pbtxt").read_text())
    assert standin.backend == "python" and standin.platform == ""
    assert (standin.max_batch_size, list(standin.input), list(standin.output)) == (
        built.max_batch_size,
        list(built.input),
        list(built.output),
    )


def test_doit_verify_through_triton(served):
    run, build_dir, server, _ = served
    proc = run("verify", *BUILD, "run.backend=triton", f"run.triton_url={server.url}")
    report = json.loads((build_dir / "results" / "verify" / "report.json").read_text())
    assert report["backend"] == "triton" and report["onnx"]["images"] == 300
    assert f"at {server.url}" in report["onnx"]["model"]
    assert all(a >= 0.95 for a in report["onnx"]["accuracy"].values()), report
    assert "via Triton" in proc.stdout


def test_doit_verify_without_a_url_serves_the_build_locally(served):
    """The issue's command as it stands: no run.triton_url, the in-process build's repository is
    served by a local tritonserver (stand-in model) for the run, then stopped."""
    run, build_dir, _, _ = served
    proc = run("verify", *BUILD, "run.backend=triton")
    assert "no run.triton_url, so a local Triton server" in proc.stdout
    report = json.loads((build_dir / "results" / "verify" / "report.json").read_text())
    assert report["backend"] == "triton" and all(a >= 0.95 for a in report["onnx"]["accuracy"].values())


def test_launch_through_triton_matches_the_reference_runner(served):
    run, build_dir, server, _ = served
    run("launch", *BUILD, "run.backend=triton", f"run.triton_url={server.url}", "run.annotate=false")
    run("launch", *BUILD, "run.backend=reference", "run.annotate=false")

    def labels(backend):
        lines = (build_dir / "results" / backend / "results.jsonl").read_text().splitlines()
        return [json.loads(x)["tasks"] for x in lines]

    triton, reference = labels("triton"), labels("reference")
    assert len(triton) == 120 and len(reference) == 120
    for t, r in zip(triton, reference):  # same tensors in, same model: same labels and probabilities
        assert {k: v["label"] for k, v in t.items()} == {k: v["label"] for k, v in r.items()}
        assert all(abs(t[k]["prob"] - r[k]["prob"]) < 1e-4 for k in t)
    summary = json.loads((build_dir / "results" / "triton" / "summary.json").read_text())
    assert summary["frames"] == 120 and summary["backend"] == "triton"


def test_server_down_is_one_clear_error(served):
    run, _, _, _ = served
    start = time.monotonic()
    proc = run("verify", *BUILD, "run.backend=triton", f"run.triton_url=127.0.0.1:{free_port()}", check=False)
    assert time.monotonic() - start < 60
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.count("tao2ds: error:") == 1 and "server not reachable" in proc.stderr


def _classifier(build_dir, url, **replace):
    from pipelines.reference import make_classifier
    from pipelines.triton_client import TritonClassifier
    from tao2ds.artifacts.manifest import read_manifest
    from tao2ds.deepstream.nvinferserver import read_nvinferserver

    manifest = read_manifest(build_dir)
    if not replace:
        return make_classifier(build_dir, manifest, "triton", url, 5.0)
    art = manifest["artifacts"]
    s = read_nvinferserver(
        build_dir / art["nvinferserver_config"],
        build_dir / art["onnx"],
        manifest["preprocessing"]["infer_dims"],
    )
    return TritonClassifier(dataclasses.replace(s, **replace), url, manifest["output_order"], 5.0)


def test_wrong_model_name_is_one_clear_error(served):
    _, build_dir, server, name = served
    with pytest.raises(RunError) as e:
        _classifier(build_dir, server.url, model_name="no_such_model")
    assert "no model named 'no_such_model'" in str(e.value) and f"it has: {name}" in str(e.value)


def test_model_not_ready_is_one_clear_error(served):
    import tritonclient.grpc as grpcclient

    _, build_dir, server, name = served
    client = grpcclient.InferenceServerClient(server.url)
    client.unload_model(name)
    try:
        deadline = time.monotonic() + 30

        def state():
            index = client.get_model_repository_index(as_json=True).get("models", [])
            return next(m.get("state") for m in index if m["name"] == name)

        while state() != "UNAVAILABLE" and time.monotonic() < deadline:
            time.sleep(0.1)
        start = time.monotonic()
        with pytest.raises(RunError) as e:
            _classifier(build_dir, server.url)
        assert time.monotonic() - start < 10
        assert f"model '{name}' is not ready" in str(e.value) and "UNAVAILABLE" in str(e.value)
    finally:
        client.load_model(name)
        client.close()
    assert _classifier(build_dir, server.url).model == name  # and back
