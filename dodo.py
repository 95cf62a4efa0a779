"""tao2ds: `doit build target=jetson_nano precision=fp16 model.classifier_threshold=0.6`

Command-line `key=value` pairs are Hydra overrides (see conf/); `targets=a,b` or `targets=all`
builds several targets in one run. `doit list` shows the tasks; `doit info <task>` why one runs.
"""

# ruff: noqa: E402 - the collector is paused before the imports below
import gc

# No cyclic garbage collection while doit loads and checks the tasks: start-up allocates much and
# frees little, and the collector's passes were ~9 ms of a 0.18 s no-op run. It is back on before
# any task runs (doit_ext.report.collector_on).
gc.disable()

from tao2ds.doit_ext.report import reporting
from tao2ds.doit_ext.reporter import JournaledReporter
from tasks.calibration import task_calibcache, task_calibrate  # noqa: F401
from tasks.engine import task_engine  # noqa: F401
from tasks.model import task_analyze, task_decrypt, task_preprocess  # noqa: F401
from tasks.release import task_bundle, task_lock  # noqa: F401
from tasks.report import task_profile, task_report  # noqa: F401
from tasks.run import task_launch, task_verify  # noqa: F401
from tasks.target import task_appconfig, task_build, task_labels, task_manifest, task_nvinfer, task_stage  # noqa: F401
from tasks.triton import task_triton  # noqa: F401

for _name, _creator in list(globals().items()):
    if _name.startswith("task_"):
        globals()[_name] = reporting(_creator)

DOIT_CONFIG = {
    "default_tasks": ["build"],
    "backend": "sqlite3-tao2ds",  # sqlite3 (dbm falls back to dbm.dumb, which corrupts under -n) that survives a corrupt file (tao2ds.doit_ext.db)
    "dep_file": ".doit.db",
    "verbosity": 1,
    "reporter": JournaledReporter,  # all-or-nothing runs: a failed run leaves the build as it was
}
