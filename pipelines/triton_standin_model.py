"""Triton Python-backend model that serves an ONNX graph with ONNX Runtime.

A STAND-IN: the tritonserver binary in the nvidia-pytriton wheel has only the Python backend, not
the TensorRT or ONNX Runtime backends a real deployment's ``tensorrt_plan`` / ``onnxruntime_onnx``
repository uses. ``pipelines.triton_server`` copies this file as ``<model>/1/model.py`` beside the
model's ``model.onnx``; the server, the gRPC protocol, the model config (names, data types, dims,
max_batch_size) and the client are real. Runs inside Triton's Python backend stub (``.venv-triton``).
"""

import json
import os

import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.inputs = [i["name"] for i in config["input"]]
        self.outputs = [o["name"] for o in config["output"]]
        path = os.path.join(args["model_repository"], args["model_version"], "model.onnx")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        threads = int(os.environ.get("TAO2DS_STANDIN_THREADS", "0"))
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])

    def execute(self, requests):
        responses = []
        for request in requests:
            feeds = {n: pb_utils.get_input_tensor_by_name(request, n).as_numpy() for n in self.inputs}
            values = self.session.run(self.outputs, feeds)  # Triton returns only the requested ones
            responses.append(
                pb_utils.InferenceResponse([pb_utils.Tensor(n, v) for n, v in zip(self.outputs, values)])
            )
        return responses
