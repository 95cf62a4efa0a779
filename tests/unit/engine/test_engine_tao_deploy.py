"""engine.builder=tao_deploy: TAO Deploy's gen_trt_engine locally, in a container (fake docker) and on the
device over the real loopback sshd, against a strict stand-in (tests/fakes/multitask_classification)."""

from __future__ import annotations

import json
import shutil

import pytest

from tao2ds.core.errors import EngineBuildError, ProbeError, UnsupportedBuild
from tao2ds.engine.builders.tao_deploy import TaoDeployBuilder, TaoDeploySshBuilder, gen_trt_engine_argv
from tests.etlt_factory import KEY, make_header_only_etlt
from tests.fakes.device import FAKES, make_device

IMAGE = "nvcr.io/nvidia/tao/tao-toolkit:5.5.0-deploy"


def install(dev, version="5.5.0"):
    shutil.copy2(FAKES / "multitask_classification", dev.bin / "multitask_classification")
    dev.set("fake_tao_deploy_version", version)
    dev.set("fake_tao_key", KEY)
    return dev


def calls(dev) -> list[list[str]]:
    log = dev.bin / "fake_tao_deploy_calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def classmap(tmp_path):
    from tests.model_factory import make_classmap

    return make_classmap(
        tmp_path / "m" / "classmap.json", {"base_color": "abc", "category": "abcd", "season": "abcd"}
    )


@pytest.fixture
def local(tmp_path, monkeypatch):
    def make(version="5.5.0", trt="8.6.1"):
        dev = install(make_device(tmp_path / "dev", trt=trt), version)
        monkeypatch.setenv("PATH", dev.path_env)
        monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
        return dev

    return make


@pytest.fixture
def onnx_etlt(tmp_path, multitask_onnx):
    return make_header_only_etlt(tmp_path / "m" / "model.etlt", None, multitask_onnx.read_bytes())


TAIL = ["--gpu_index", "0", "-r", "results"]


def test_local_fp16_onnx(local, make_request, classmap):
    dev = local()
    req = make_request(classmap=classmap, batch_size=4, workspace_mib=1500)
    result = TaoDeployBuilder().build(req)
    assert calls(dev) == [
        [
            "gen_trt_engine", "-m", "model.onnx", "-cm", "classmap.json", "--data_type", "fp16",
            "--engine_file", "model.engine", "--min_batch_size", "1", "--opt_batch_size", "4",
            "--max_batch_size", "4", "--max_workspace_size", "2", *TAIL,
        ]
    ]  # fmt: skip
    engine = json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])
    assert engine["tool"] == "tao-deploy" and engine["precision"] == "fp16"
    assert result.env.trt_version == "8.6.1" and result.output_order == []
    assert sorted(p.name for p in req.engine_out.parent.iterdir()) == [req.engine_out.name]  # job folder gone


def test_local_int8_etlt_passes_tao2ds_cache(local, make_request, classmap, onnx_etlt, calib_cache_for):
    dev = local("5.5.0")
    req = make_request(
        onnx=onnx_etlt, model_format="etlt-onnx", key=KEY, classmap=classmap, precision="int8",
        calib_cache=calib_cache_for("8.6.1"),
    )  # fmt: skip
    result = TaoDeployBuilder().build(req)
    assert calls(dev)[-1] == [
        "gen_trt_engine", "-m", "model.etlt", "-k", "<key>", "-cm", "classmap.json", "--data_type", "int8",
        "--engine_file", "model.engine", "--min_batch_size", "1", "--opt_batch_size", "1", "--max_batch_size", "1",
        "--max_workspace_size", "1", *TAIL, "--cal_cache_file", "calib.cache", "--cal_data_file",
        "results/cal.tensorfile", "--batch_size", "1", "--batches", "1",
    ]  # fmt: skip
    assert "Reading this cache" in result.log and KEY not in result.log
    assert json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])["calib"] == "calib.cache"


def test_int8_on_tao_deploy_6_reports_its_bug(local, make_request, classmap, calib_cache_for):
    local("7.3.0")
    req = make_request(classmap=classmap, precision="int8", calib_cache=calib_cache_for("8.6.1"))
    with pytest.raises(EngineBuildError, match="TAO Deploy >= 6 cannot calibrate multitask models from ONNX"):
        TaoDeployBuilder().build(req)
    assert not req.engine_out.exists()


def test_wrong_key(local, make_request, classmap, onnx_etlt):
    local()
    req = make_request(onnx=onnx_etlt, model_format="etlt-onnx", key="wrong-key-99", classmap=classmap)
    with pytest.raises(EngineBuildError) as e:
        TaoDeployBuilder().build(req)
    assert "Failed to load ONNX file" in str(e.value) and "wrong-key-99" not in str(e.value)


def test_refusals(make_request, classmap, onnx_etlt):
    with pytest.raises(UnsupportedBuild, match="cannot build a UFF .etlt"):
        gen_trt_engine_argv(make_request(model_format="etlt-uff", classmap=classmap))
    with pytest.raises(UnsupportedBuild, match="no DLA option"):
        gen_trt_engine_argv(make_request(classmap=classmap, dla_core=0))
    with pytest.raises(UnsupportedBuild, match="needs tao2ds's calibration cache"):
        gen_trt_engine_argv(make_request(classmap=classmap, precision="int8"))
    with pytest.raises(UnsupportedBuild, match="needs a container image"):
        TaoDeployBuilder("docker", image="--privileged")


def test_not_installed(tmp_path, monkeypatch, make_request, classmap):
    dev = make_device(tmp_path / "dev", trt="8.6.1")
    monkeypatch.setenv("PATH", dev.path_env)
    monkeypatch.setenv("TAO2DS_PROBE_ROOT", str(dev.sysroot))
    with pytest.raises(ProbeError, match="multitask_classification .TAO Deploy. not found on this machine"):
        TaoDeployBuilder().build(make_request(classmap=classmap))


@pytest.fixture
def docker(tmp_path):
    client = tmp_path / "client" / "docker"
    client.parent.mkdir()
    shutil.copy2(FAKES / "docker", client)
    container = install(make_device(tmp_path / "container", trt="8.6.1"))
    (client.parent / "fake_container_dir").write_text(str(container.dir))
    (client.parent / "fake_docker_images").write_text(IMAGE + "\n")
    return client, container


def test_docker_runs_in_the_container_with_the_job_mounted(docker, make_request, classmap, onnx_etlt):
    client, container = docker
    req = make_request(onnx=onnx_etlt, model_format="etlt-onnx", key=KEY, classmap=classmap, precision="fp16")
    result = TaoDeployBuilder("docker", image=IMAGE, docker=str(client)).build(req)
    assert result.env.trt_version == "8.6.1" and result.env.gpu_name == "Tesla T4"
    assert calls(container)[-1][:5] == ["gen_trt_engine", "-m", "model.etlt", "-k", "<key>"]
    docker_calls = [json.loads(x) for x in (client.parent / "fake_docker_calls.log").read_text().splitlines()]
    probe, run = docker_calls
    assert probe[:5] == ["run", "--rm", "--gpus", "device=0", IMAGE] and probe[5:7] == ["sh", "-c"]
    job = run[8]
    assert run[:7] == ["run", "--rm", "-i", "--gpus", "device=0", "-v", f"{job}:{job}"]
    assert run[7:11] == ["-w", job, IMAGE, "sh"] and run[11] == "-c" and len(run) == 13
    assert run[12].startswith(
        'IFS= read -r TAO2DS_KEY && exec multitask_classification gen_trt_engine -m model.etlt -k "$TAO2DS_KEY" '
    )
    assert KEY not in (client.parent / "fake_docker_calls.log").read_text()
    assert req.engine_out.is_file() and not any(
        p.name.startswith(".") for p in req.engine_out.parent.iterdir()
    )


def test_docker_image_missing(docker, make_request, classmap):
    client, _ = docker
    with pytest.raises(ProbeError, match="docker could not run nvcr.io/nvidia/tao/other:1"):
        TaoDeployBuilder("docker", image="nvcr.io/nvidia/tao/other:1", docker=str(client)).build(
            make_request(classmap=classmap)
        )


def test_ssh_on_the_device(sshd, make_request, classmap, onnx_etlt):
    dev = install(make_device(sshd.device.dir, trt="8.5.2", jetson="xavier"))
    args = sshd.builder_kwargs()
    args.pop("trtexec")
    req = make_request(onnx=onnx_etlt, model_format="etlt-onnx", key=KEY, classmap=classmap)
    result = TaoDeploySshBuilder(**args).build(req)
    assert result.env.gpu_name == "Xavier" and result.env.trt_version == "8.5.2"
    assert calls(dev)[-1][:5] == ["gen_trt_engine", "-m", "model.etlt", "-k", "<key>"]
    assert json.loads(req.engine_out.read_bytes().split(b"\n", 1)[1])["tool"] == "tao-deploy"
    assert KEY not in sshd.log and KEY not in result.log


def test_choosing_the_tao_builders(tmp_path):
    from types import SimpleNamespace

    from tao2ds.core.errors import Tao2dsError
    from tao2ds.engine.builders.choose import choose_builder
    from tao2ds.engine.builders.tao_converter import TaoConverterBuilder

    kh = tmp_path / "known_hosts"

    def target(**kw):
        base = dict(
            host=None, user="nvidia", port=22, ssh_key=None, tensorrt="8.5.2", compute_capability="7.2"
        )
        return SimpleNamespace(**{**base, "platform": "jetson", "remote_dir": "tao2ds", **kw})

    conv, why = choose_builder(
        "tao_converter", target(host="xavier", tao_converter_path="/opt/tc"), known_hosts=kh
    )
    assert isinstance(conv, TaoConverterBuilder) and conv.converter == "/opt/tc" and "tao-converter" in why
    with pytest.raises(Tao2dsError, match="needs target.host"):
        choose_builder("tao_converter", target(), known_hosts=kh)
    local, why = choose_builder("tao_deploy", target(tao_deploy={"where": "local"}), known_hosts=kh)
    assert isinstance(local, TaoDeployBuilder) and local.where == "local" and "on this machine" in why
    dock, why = choose_builder(
        "tao_deploy", target(gpu_id=1, tao_deploy={"where": "docker", "image": IMAGE}), known_hosts=kh
    )
    assert (
        dock.wrap("true", None, False)[:5] == ["docker", "run", "--rm", "--gpus", "device=1"] and IMAGE in why
    )
    remote, _ = choose_builder(
        "tao_deploy", target(host="xavier", tao_deploy={"where": "ssh"}), known_hosts=kh
    )
    assert isinstance(remote, TaoDeploySshBuilder) and remote.host == "xavier"
