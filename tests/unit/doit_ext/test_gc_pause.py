"""dodo.py pauses the cyclic garbage collector while doit loads and checks the tasks; every task's
work runs with it back on."""

import gc
import io
import subprocess
import sys

import pytest
from doit.task import Task

from tao2ds.doit_ext.report import action_result
from tao2ds.doit_ext.reporter import JournaledReporter
from tests.conftest import ROOT


@pytest.fixture
def paused():
    was = gc.isenabled()
    gc.disable()
    yield
    gc.unfreeze()
    if was:
        gc.enable()


def test_a_tao2ds_action_runs_with_the_collector_on(paused):
    assert action_result(gc.isenabled) is True
    assert gc.get_freeze_count() > 0  # start-up's objects are not scanned by its first collection


def test_the_reporter_turns_it_on_before_a_task_runs(paused):
    reporter = JournaledReporter(
        io.StringIO(), {"show_out": False, "show_err": False, "failure_verbosity": 0}
    )
    reporter.execute_task(Task("t", actions=[]))
    assert gc.isenabled()


def test_loading_dodo_pauses_it():
    probe = "import gc, runpy; runpy.run_path('dodo.py'); print(gc.isenabled())"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
