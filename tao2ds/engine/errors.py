"""Engine-layer failures; all are Tao2dsError so the CLI prints the message, not a traceback."""
from __future__ import annotations

from tao2ds.errors import Tao2dsError


class EngineBuildError(Tao2dsError):
    """TensorRT/trtexec refused to build; the message carries the relevant log lines."""


class ProbeError(Tao2dsError):
    """The builder machine lacks what a build needs (trtexec, TensorRT)."""


class CalibrationCacheRejected(EngineBuildError):
    """TensorRT asked for calibration batches, i.e. it did not accept the INT8 cache."""


class SshError(Tao2dsError):
    """ssh/scp to the device failed."""


class HostKeyChanged(SshError):
    """The device's SSH host key differs from the pinned one."""
