"""Frames/s through a Triton server over gRPC on loopback vs bare ONNX Runtime on the same frames.

    .venv/bin/python benchmarks/bench_triton.py

The sample is built for x86_dgpu with pipeline.infer_plugin=nvinferserver and model.batch_size=8
(so the repository's max_batch_size takes batches of 1 and 8). Its repository is served by the real
tritonserver of the nvidia-pytriton wheel (.venv-triton) on 127.0.0.1, the model run by the
Python-backend ONNX Runtime stand-in (pipelines/triton_server.py). The 300 validation images,
scaled to streammux size and preprocessed as the nvinferserver config says, are repeated to 960
frames. Measured at batch 1 and 8, best of 5 alternating runs each:
  bare    an ONNX Runtime session in this process, session.run per batch;
  triton  TritonClassifier.infer per batch: one gRPC request with the preprocessed tensor and the
          three named outputs, as nvinferserver's gRPC mode sends it; answers parsed to arrays
          (sync: one request at a time, as the reference runner does; 2 in flight: async_infer,
          as nvinferserver's gRPC backend does).
Added latency per request = (triton time - bare time) / requests. ONNX Runtime gets one intra-op
thread on both sides (the stand-in through TAO2DS_STANDIN_THREADS), so the comparison is the same
model work plus what Triton adds, and a busy machine does not favour either side.

Goal (issue 13): triton >= 70% of bare throughput at batch 8.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, doit

sys.path.insert(0, str(ROOT))

FRAMES = 960
RUNS = 5
GOAL = 0.70
THREADS = 1  # ONNX Runtime threads on both sides: one core each for the model, the other for gRPC
BUILD = ["pipeline.infer_plugin=nvinferserver", "model.batch_size=8", "cache.dir=null"]


def main() -> None:
    import cv2
    import numpy as np
    import onnxruntime as ort

    from pipelines.reference import make_classifier
    from pipelines.triton_server import TritonServer, standin_repo
    from pipelines.verify import read_validation_csv
    from tao2ds.artifacts.manifest import read_manifest
    from tao2ds.deepstream.app import read_app_config
    from tao2ds.model.imageset import load_rgb
    from tao2ds.model.preprocess import preprocess_frame

    with tempfile.TemporaryDirectory(prefix="bench-triton-") as tmp:
        tmp = Path(tmp)
        doit(tmp, "build", *BUILD)
        build_dir = tmp / "build" / "x86_dgpu"
        manifest = read_manifest(build_dir)
        app = read_app_config(build_dir / manifest["artifacts"]["app_config"])
        sample = ROOT / "samples" / "multitask_sample" / "validation"
        rows = read_validation_csv(sample / "labels.csv", manifest["label_tasks"])
        repo, name = standin_repo(build_dir, tmp / "standin")
        with TritonServer(repo, models=(name,), threads=THREADS) as server:
            triton = make_classifier(build_dir, manifest, "triton", server.url, 30.0)
            pp = triton.settings.preprocessing
            images = [
                cv2.resize(load_rgb(sample / "images" / r["fname"]), (app["width"], app["height"]))
                for r in rows
            ]
            tensors = [preprocess_frame(images[i % len(images)], pp) for i in range(FRAMES)]
            opts = ort.SessionOptions()
            opts.log_severity_level = 3
            opts.intra_op_num_threads = THREADS
            session = ort.InferenceSession(
                str(build_dir / manifest["artifacts"]["onnx"]), opts, providers=["CPUExecutionProvider"]
            )
            inp = session.get_inputs()[0].name
            outputs = manifest["output_order"]

            def bare(b: int) -> float:
                t0 = time.perf_counter()
                for s in range(0, FRAMES, b):
                    session.run(outputs, {inp: np.stack(tensors[s : s + b])})
                return time.perf_counter() - t0

            def served(b: int) -> float:
                t0 = time.perf_counter()
                for s in range(0, FRAMES, b):
                    triton.infer(tensors[s : s + b])
                return time.perf_counter() - t0

            import threading

            import tritonclient.grpc as grpcclient

            def pipelined(b: int, depth: int = 2) -> float:
                """``depth`` requests in flight (async_infer), as nvinferserver's gRPC backend sends them
                (InferGrpcClient::inferAsync → AsyncInfer, DS 6.3 sources/libs/nvdsinferserver/infer_grpc_client.cpp)."""
                slots, errors = threading.Semaphore(depth), []
                done = threading.Semaphore(0)
                wanted = [grpcclient.InferRequestedOutput(n) for n in outputs]

                def finished(result, error):
                    if error is not None:
                        errors.append(error)
                    slots.release()
                    done.release()

                n = 0
                t0 = time.perf_counter()
                for s in range(0, FRAMES, b):
                    batch = np.stack(tensors[s : s + b])
                    i = grpcclient.InferInput(triton.server.input_name, list(batch.shape), triton.datatype)
                    i.set_data_from_numpy(batch)
                    slots.acquire()
                    triton.client.async_infer(name, [i], finished, outputs=wanted)
                    n += 1
                for _ in range(n):
                    done.acquire()
                if errors:
                    raise SystemExit(f"async inference failed: {errors[0]}")
                return time.perf_counter() - t0

            # the two agree before they are timed
            a = session.run(outputs, {inp: np.stack(tensors[:8])})
            b = triton.infer(tensors[:8])
            assert all(
                np.allclose(a[k][i], b[i][k], atol=1e-4) for i in range(8) for k in range(len(outputs))
            )
            rows_out = []
            for batch in (1, 8):
                bare(batch), served(batch)  # warm up
                pipelined(batch)
                # alternating: the same machine load on each
                times = [(bare(batch), served(batch), pipelined(batch)) for _ in range(RUNS)]
                tb, tt, tp = (min(t[k] for t in times) for k in range(3))
                requests = FRAMES // batch
                rows_out.append((batch, FRAMES / tb, FRAMES / tt, FRAMES / tp, (tt - tb) / requests * 1000))
            triton.close()
    print(
        f"{FRAMES} frames, best of {RUNS}; Triton = real tritonserver, Python-backend ONNX Runtime stand-in"
    )
    print(
        f"{'batch':>5} {'bare ORT f/s':>13} {'Triton sync f/s':>16} {'ratio':>6} "
        f"{'Triton 2 in flight f/s':>23} {'ratio':>6} {'added ms/request (sync)':>24}"
    )
    for batch, fb, ft, fp, added in rows_out:
        print(
            f"{batch:>5} {fb:>13.0f} {ft:>16.0f} {ft / fb:>6.0%} {fp:>23.0f} {fp / fb:>6.0%} {added:>24.2f}"
        )
    ratio = max(rows_out[1][2], rows_out[1][3]) / rows_out[1][1]
    print(
        f"goal: Triton >= {GOAL:.0%} of bare ORT at batch 8: {'met' if ratio >= GOAL else 'MISSED'} ({ratio:.0%})"
    )


if __name__ == "__main__":
    main()
