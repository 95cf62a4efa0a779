"""The run context of this doit invocation: doit's ``key=value`` variables are Hydra overrides."""

from __future__ import annotations

from functools import lru_cache

from tao2ds.core import log
from tao2ds.core.report import reported
from tao2ds.steps.context import RunContext, build_context


def cli_overrides() -> list[str]:
    """doit's command-line variables, in order, as Hydra override strings.

    doit exposes only ``get_var``; the dict it fills is private, so it is read in this one place.
    """
    from doit import doit_cmd  # deferred: only under doit

    return [f"{k}={v}" for k, v in (doit_cmd._CMDLINE_VARS or {}).items()]


@lru_cache(maxsize=1)
def current() -> RunContext:
    """Composed once per doit run; a config error ends the run with one clean message."""
    with reported():
        ctx = build_context(cli_overrides())
    log.setup(str(ctx.cfg.log.level))
    return ctx
