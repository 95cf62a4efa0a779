"""run.backend=triton: the reference runner's inference through a Triton server over gRPC.

It sends what nvinferserver's gRPC mode sends (``TritonGrpcParams``, DeepStream's
``nvdsinferserver`` gRPC backend): one request per batch with the *preprocessed* tensor — frames
scaled to the model's dims, channels reordered, ``scale_factor·(x − channel_offsets)``, NCHW — under
the config's input tensor name, asking for the named output layers in labels-file order; and it
parses the answer like nvinfer's classifier. Preprocessing, threshold, labels and model name are
read back from the generated nvinferserver config, so what is measured is what was built.

Every call is bounded by ``run.triton_timeout_s``; a server that is down, a model that is not
loaded and a wrong model name each end in one RunError that says which.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from pipelines.reference import ReferenceClassifier
from tao2ds.core.errors import RunError
from tao2ds.deepstream.nvinferserver import NvinferserverSettings

_NUMPY = {"FP32": "float32", "FP16": "float16", "FP64": "float64", "INT8": "int8", "UINT8": "uint8"}


class TritonClassifier(ReferenceClassifier):
    """``ReferenceClassifier``'s interface (``infer``, ``classify``), answered by a Triton server."""

    def __init__(
        self, server: NvinferserverSettings, url: str, output_order: Sequence[str], timeout_s: float
    ):
        try:
            import tritonclient.grpc as grpcclient  # deferred: only for run.backend=triton
            from tritonclient.utils import InferenceServerException
        except ImportError:
            raise RunError(
                "run.backend=triton needs tritonclient[grpc]: pip install -e '.[triton]' (scripts/setup.sh does)"
            ) from None
        self._grpc, self._error = grpcclient, InferenceServerException
        self.settings = server.classifier
        self.server = server
        self.url = url
        self.timeout_s = float(timeout_s)
        self.outputs = list(output_order)
        self.model = server.model_name
        self.version = "" if server.model_version == -1 else str(server.model_version)
        self.client = grpcclient.InferenceServerClient(url)
        self.datatype = self._check()

    def _fail(self, what: str, e: Optional[Exception] = None, hint: str = "") -> RunError:
        detail = f" ({_message(e)})" if e is not None else ""
        return RunError(
            f"Triton at {self.url}: {what}{detail}" + (f"; {hint}" if hint else ""), value=self.url
        )

    def _check(self) -> str:
        """Server live, model ready, tensors as the config says; returns the input's wire datatype."""
        t = self.timeout_s
        try:
            live = self.client.is_server_live(client_timeout=t)
        except self._error as e:
            raise self._fail(
                "server not reachable",
                e,
                "start it (python -m pipelines.triton_server <build dir> serves a build's repository) "
                "or fix run.triton_url",
            ) from None
        if not live:
            raise self._fail("server is not live")
        try:
            ready = self.client.is_model_ready(self.model, self.version, client_timeout=t)
            if not ready:
                index = self.client.get_model_repository_index(as_json=True, client_timeout=t).get(
                    "models", []
                )
        except self._error as e:
            raise self._fail(f"cannot ask for model '{self.model}'", e) from None
        if not ready:
            known = {m.get("name"): m for m in index}
            if self.model not in known:
                names = ", ".join(sorted(n for n in known if n)) or "none"
                raise self._fail(
                    f"no model named '{self.model}' in the server's repository (it has: {names})",
                    hint="the nvinferserver config's model_name is model.name; serve the build's triton/ "
                    "repository there, or set model.name to the served model",
                )
            m = known[self.model]
            state = m.get("state") or "not loaded"
            reason = f": {m['reason']}" if m.get("reason") else ""
            raise self._fail(
                f"model '{self.model}' is not ready (state {state}{reason})",
                hint="load it on the server (tritonserver --load-model, or the repository API) and retry",
            )
        try:
            meta = self.client.get_model_metadata(self.model, self.version, as_json=True, client_timeout=t)
        except self._error as e:
            raise self._fail(f"cannot read model '{self.model}''s metadata", e) from None
        inputs = {i["name"]: i for i in meta.get("inputs", [])}
        outputs = {o["name"] for o in meta.get("outputs", [])}
        name = self.server.input_name
        if name not in inputs:
            raise self._fail(f"model '{self.model}' has no input '{name}' (it has {sorted(inputs)})")
        missing = [o for o in self.outputs if o not in outputs]
        if missing:
            raise self._fail(f"model '{self.model}' has no output(s) {missing} (it has {sorted(outputs)})")
        return str(inputs[name]["datatype"])

    def infer(self, tensors) -> list[list]:
        import numpy as np  # deferred: not needed to plan a build

        batch = np.ascontiguousarray(np.stack(tensors).astype(_NUMPY.get(self.datatype, "float32")))
        inp = self._grpc.InferInput(self.server.input_name, list(batch.shape), self.datatype)
        inp.set_data_from_numpy(batch)
        wanted = [self._grpc.InferRequestedOutput(n) for n in self.outputs]
        try:
            result = self.client.infer(
                self.model, [inp], model_version=self.version, outputs=wanted, client_timeout=self.timeout_s
            )
        except self._error as e:
            raise self._fail(f"inference on '{self.model}' failed", e) from None
        probs = [result.as_numpy(n) for n in self.outputs]
        return [[p[i] for p in probs] for i in range(len(tensors))]

    owned: Any = None  # a local server started for this run (pipelines.triton_server.LocalStandin)

    def close(self) -> None:
        self.client.close()
        if self.owned is not None:
            self.owned.close()
            self.owned = None


def _message(e: Any) -> str:
    text = e.message() if hasattr(e, "message") and callable(e.message) else str(e)
    return " ".join(str(text).split())[:300]
