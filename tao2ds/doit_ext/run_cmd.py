"""`doit run` (doit's default command, so also `doit build`) with tao2ds's exit codes.

doit ends a run in which a task failed with 1, whatever the reason. A tao2ds action prints its
error once and fails its task with a ``StepFailed`` carrying that error's exit code
(``doit_ext.report``); this command returns the first such code instead of doit's 1, so a bad
input file found by a step exits 3 as it does when found before any task runs (README "Failure
behaviour"). Registered in pyproject.toml ``[tool.doit.plugins.command]``, like ``explain``.
"""

from __future__ import annotations

import inspect
from typing import Any

from doit.cmd_run import Run as DoitRun
from doit.runner import FAILURE


def _recording(reporter_cls: type, codes: list[int]) -> type:
    """``reporter_cls`` that also notes the exit code of each failure that has one."""

    class Recording(reporter_cls):  # type: ignore[misc, valid-type]
        def add_failure(self, task, fail) -> None:
            code = getattr(fail, "exit_code", None)
            if isinstance(code, int):
                codes.append(code)
            super().add_failure(task, fail)

    Recording.__name__ = reporter_cls.__name__
    return Recording


class Run(DoitRun):
    def _execute(self, outfile, reporter: Any = "console", **options: Any) -> int:
        codes: list[int] = []
        cls = self.reporters[reporter] if isinstance(reporter, str) else reporter
        if isinstance(cls, type):  # an instance (doit's own unit tests) is used as it is
            reporter = _recording(cls, codes)
        result = super()._execute(outfile, reporter=reporter, **options)
        return codes[0] if result == FAILURE and codes else result

    # doit passes options by the parameter names of _execute (inspect.signature): keep doit's own
    _execute.__signature__ = inspect.signature(DoitRun._execute)  # type: ignore[attr-defined]
