"""The one error reporter: every entry point (task loading, step actions, the explain command,
the pipelines' command lines) prints errors through here, in one shape, with one exit code table
(``tao2ds.core.errors``).

    tao2ds: error: <what was wrong, where, how to fix it>

``TAO2DS_DEBUG=1`` adds the traceback. An exception that is not a ``Tao2dsError`` is a bug in
tao2ds: it is reported as such, with the traceback only under ``TAO2DS_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO, TypeVar

from tao2ds.core.errors import Tao2dsError

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # EX_SOFTWARE
T = TypeVar("T")


def debug() -> bool:
    return os.environ.get("TAO2DS_DEBUG", "") not in ("", "0")


def format_error(e: BaseException) -> str:
    if isinstance(e, Tao2dsError):
        return f"tao2ds: error: {e}"
    if isinstance(e, KeyboardInterrupt):
        return "tao2ds: interrupted; outputs of the interrupted step were not written"
    return (
        f"tao2ds: internal error (a bug in tao2ds, not in your input): {type(e).__name__}: {e}\n"
        "  rerun with TAO2DS_DEBUG=1 to see the traceback, and report it"
    )


def exit_code(e: BaseException) -> int:
    if isinstance(e, Tao2dsError):
        return e.exit_code
    if isinstance(e, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_INTERNAL


def report(e: BaseException, stream: TextIO | None = None) -> int:
    """Print ``e`` once, the tao2ds way; return its exit code."""
    out = stream or sys.stderr
    if debug():
        traceback.print_exception(type(e), e, e.__traceback__, file=out)
    print(format_error(e), file=out)
    out.flush()
    return exit_code(e)


@contextmanager
def reported() -> Iterator[None]:
    """For command-line entry points: report and exit instead of a traceback."""
    try:
        yield
    except (Tao2dsError, KeyboardInterrupt) as e:
        raise SystemExit(report(e)) from None
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001 - the one place that turns bugs into one clean paragraph
        raise SystemExit(report(e)) from None


def run_and_report(fn: Callable[..., T], *args, **kwargs) -> T:
    with reported():
        return fn(*args, **kwargs)
