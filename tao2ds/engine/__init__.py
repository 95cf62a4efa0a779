"""TensorRT engine building: probe a builder, check it matches the target, build, key the result.

Typical use::

    builder, reason = choose_builder(cfg.engine.builder, target)
    result = builder.build(EngineRequest(...))      # None from DeepStreamBuilder
    write_sidecar(result.engine, key_fields(...), result.env, result.output_order)
"""
from tao2ds.engine.builders import (Builder, DeepStreamBuilder, SshBuilder, TensorRTBuilder, TrtexecBuilder,
                                    choose_builder)
from tao2ds.engine.compat import BuilderMismatch, check_builder_matches_target
from tao2ds.engine.errors import (CalibrationCacheRejected, EngineBuildError, HostKeyChanged, ProbeError,
                                  SshError)
from tao2ds.engine.key import (describe_key_change, engine_key, key_fields, read_sidecar, stale_reasons,
                               write_sidecar)
from tao2ds.engine.trtexec_cmd import parse_trtexec_output_order, trtexec_argv
from tao2ds.engine.types import BuilderEnv, EngineRequest, EngineResult

__all__ = [
    "Builder", "BuilderEnv", "BuilderMismatch", "CalibrationCacheRejected", "DeepStreamBuilder", "EngineBuildError",
    "EngineRequest", "EngineResult", "HostKeyChanged", "ProbeError", "SshBuilder", "SshError", "TensorRTBuilder",
    "TrtexecBuilder", "check_builder_matches_target", "choose_builder", "describe_key_change", "engine_key",
    "key_fields", "parse_trtexec_output_order", "read_sidecar", "stale_reasons", "trtexec_argv", "write_sidecar",
]
