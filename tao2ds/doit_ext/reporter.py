"""doit's reporter, extended with the run's lifecycle: all-or-nothing runs over the build directory.

doit offers one hook around a whole run: the reporter (``initialize`` before the first task,
``complete_run`` in the runner's ``finally``, so also after Ctrl-C). tao2ds uses it to
- take the build directory's lock (a second run waits: two builds never interleave their writes),
- play back the journal of a run that was killed (``core.journal``),
- open this run's journal (steps add each folder before they first write into it, ``doit_ext.step``),
- at the end, keep the run's changes if every task that started also succeeded, else undo them.

SIGTERM is turned into KeyboardInterrupt for the run, so ``kill`` rolls back like Ctrl-C does.
Selected with ``DOIT_CONFIG["reporter"]`` in ``dodo.py``; another ``--reporter`` runs without the journal.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, Optional

from doit.reporter import ConsoleReporter

from tao2ds.core import hashmemo, log
from tao2ds.core.journal import RUN_ENV, BuildDirLock, Journal
from tao2ds.core.report import EXIT_INTERRUPTED
from tao2ds.doit_ext.report import StepFailed, collector_on

logger = log.get(__name__)


def _interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt(signum)


class JournaledReporter(ConsoleReporter):
    desc = "console output; a failed or interrupted run leaves the build directory as it was"

    def __init__(self, outstream, options):
        super().__init__(outstream, options)
        self.started: set[str] = set()
        self.succeeded: set[str] = set()
        self.failed = False
        self.journal: Optional[Journal] = None
        self.lock: Optional[BuildDirLock] = None
        self._old_term: Any = None

    def initialize(self, tasks, selected_tasks):
        super().initialize(tasks, selected_tasks)
        from tao2ds.doit_ext.context import current  # deferred: the context is composed on first use

        build_dir = os.path.abspath(str(current().cfg.build.dir))
        self.lock = BuildDirLock(build_dir)
        self.lock.acquire()
        self.journal = Journal(build_dir)
        if self.journal.entries():
            folders = self.journal.rollback()
            logger.warning(
                "an earlier run in %s was killed before it finished; restored %s to their state before it",
                build_dir,
                ", ".join(folders) or "nothing (it had not written yet)",
            )
        os.environ[RUN_ENV] = build_dir
        self._old_term = signal.signal(signal.SIGTERM, _interrupt)

    def execute_task(self, task):
        collector_on()  # paused while the tasks load and are checked (dodo.py); on for any task's work
        self.started.add(task.name)
        super().execute_task(task)

    def add_success(self, task):
        self.succeeded.add(task.name)
        super().add_success(task)

    def add_failure(self, task, fail):
        self.failed = True
        if isinstance(fail, StepFailed):
            # a tao2ds action fails only after the one reporter printed the error: doit's failure
            # paragraph would only repeat it without the reason
            out = "".join(a.out for a in task.actions if getattr(a, "out", None))
            if out.strip():
                self.write(out)
            return
        super().add_failure(task, fail)

    def runtime_error(self, msg):
        self.failed = True
        super().runtime_error(msg)

    def complete_run(self):
        try:
            if self.journal is not None:
                unfinished = self.started - self.succeeded
                if self.failed or unfinished:
                    folders = self.journal.rollback()
                    if folders:
                        logger.warning(
                            "the run did not finish; %s left as before the run (nothing it wrote was kept)",
                            ", ".join(f"{self.journal.build_dir}/{f}" for f in folders),
                        )
                else:
                    self.journal.commit()
        finally:
            os.environ.pop(RUN_ENV, None)
            if self._old_term is not None:
                signal.signal(signal.SIGTERM, self._old_term)
            if self.lock is not None:
                self.lock.release()
            hashmemo.default().save()  # what this run's up-to-date checks hashed, for the next run
            super().complete_run()
        interrupt = sys.exc_info()[1]  # complete_run runs in the runner's ``finally``
        if isinstance(interrupt, KeyboardInterrupt):
            # doit would end with a KeyboardInterrupt traceback; the run is already undone
            signum = interrupt.args[0] if interrupt.args else signal.SIGINT
            sys.stderr.write(
                f"tao2ds: interrupted ({signal.Signals(signum).name}); the build directory is as before\n"
            )
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + signum)
