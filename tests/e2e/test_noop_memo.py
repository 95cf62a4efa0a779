"""A no-op run trusts the hash memo only for files whose identity is unchanged: an output edited by
hand after the memo learnt it (same size, mtime put back) is still rebuilt. Real doit runs."""

import json
import os
import time

from tao2ds.core import hashmemo
from tests.conftest import ROOT, DoitRun


def test_an_output_edited_after_the_memo_learnt_it_is_rebuilt(tmp_path):
    run = DoitRun(tmp_path)
    args = ["build", "target=x86_dgpu"]
    run(*args)
    time.sleep(hashmemo.SETTLED_NS / 1e9 + 0.2)  # the outputs are settled: the next run remembers them
    assert run.executed(run(*args)) == set()
    labels = run.build / "x86_dgpu" / "labels.txt"
    memo = json.loads((ROOT / hashmemo.MEMO_FILE).read_text())["files"]
    assert str(labels) in memo  # the no-op run learnt it

    st = os.stat(labels)
    text = labels.read_text()
    labels.write_text(text[::-1])  # same size, other bytes
    os.utime(labels, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime
    assert "labels:x86_dgpu" in run.executed(run(*args))
    assert labels.read_text() == text
