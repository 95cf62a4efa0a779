"""The one exception tree. Everything a user can cause ends up as a ``Tao2dsError``.

Each error carries what it concerns (the config key, the file, the offending value) and a hint
that says how to fix it, so the one reporter (``tao2ds.core.report``) can print a single clean
paragraph. Code below the reporter raises; it never prints errors or exits itself.

Exit codes (README "Failure behaviour"):

    1  a build step, run or check failed (``BuildError`` and the rest)
    2  the configuration is wrong or impossible for the target (``ConfigError``)
    3  an input file is missing, unreadable or does not fit the model (``InputError``)
    4  the build directory is stale or was changed by hand (``StaleBuildError``)
    130 interrupted (Ctrl-C / SIGTERM)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional


class Tao2dsError(Exception):
    """A problem with the user's input or environment, with a message that says how to fix it."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        key: Optional[str] = None,
        file: Optional[str | Path] = None,
        value: Any = None,
        hint: Optional[str] = None,
    ):
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = str(file) if file is not None else None
        self.value = value
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


# --- configuration ------------------------------------------------------------------------------


class ConfigError(Tao2dsError):
    """The composed configuration is invalid: unknown key or choice, value out of range."""

    exit_code = 2


class VersionError(ConfigError, ValueError):
    """A version string that cannot be read (also a ValueError, for parsers' callers)."""


class CapabilityError(ConfigError):
    """The configuration is valid but the target cannot run it (INT8 on a Nano, DLA on x86...)."""


# --- inputs ---------------------------------------------------------------------------------------


class InputError(Tao2dsError):
    """An input file is missing, unreadable, or does not fit the rest (model, classmap, images)."""

    exit_code = 3


class ModelError(InputError):
    """The model, classmap or training spec is unusable or they do not belong together."""


class ImageSetError(InputError):
    """A calibration or validation image set has a problem; the message names the file."""


class SourceError(InputError):
    """A pipeline source cannot be found or decoded."""


# --- the build directory ----------------------------------------------------------------------


class StaleBuildError(Tao2dsError):
    """The build directory does not match its inputs, its config or its manifest."""

    exit_code = 4


class LockMismatch(Tao2dsError):
    """A locked rebuild cannot reproduce the lock's state, or did not."""


# --- build steps ----------------------------------------------------------------------------------


class BuildError(Tao2dsError):
    """A build step failed for a reason outside the config (a tool failed, a check did not pass)."""


class WriteError(BuildError):
    """An output could not be written (disk full, file too large, read-only); nothing partial is left."""


class EngineBuildError(BuildError):
    """TensorRT/trtexec refused to build; the message carries the relevant log lines."""


class UnsupportedBuild(EngineBuildError, ValueError):
    """The requested engine cannot be built with that TensorRT (e.g. --fp16 on TensorRT 11)."""


class CalibrationCacheRejected(EngineBuildError):
    """TensorRT asked for calibration batches, i.e. it did not accept the INT8 cache."""


class ProbeError(BuildError):
    """The builder machine lacks what a build needs (trtexec, TensorRT)."""


class BuilderMismatch(BuildError):
    """The builder's TensorRT / GPU / platform differ from the target's."""


class SshError(BuildError):
    """ssh/scp to the device failed."""


class HostKeyChanged(SshError):
    """The device's SSH host key differs from the pinned one."""


class RunError(BuildError):
    """Running a built pipeline failed (deepstream-app exited non-zero, no results...)."""


class VerifyFailed(BuildError):
    """Accuracy on the validation set is below the floor."""
