"""doit command plugins (registered in pyproject.toml [tool.doit.plugins.command]).

doit imports plugins before it loads dodo.py (which puts the project's ``tasks`` package on the
path), so the command lives here and reaches into ``tasks`` only when it runs.
"""
from __future__ import annotations

from doit.cmd_base import DoitCmdBase


class Explain(DoitCmdBase):
    name = "explain"
    doc_purpose = "say, for each task of the selected target(s), up to date / cached / why it will run"
    doc_usage = "[target=T | targets=a,b] [key=value ...]"
    doc_description = None
    cmd_options = ()

    def _execute(self, pos_args=None):
        from tao2ds.doit_ext.explain import explain_lines

        self.outstream.write("\n".join(explain_lines(self.task_list, self.dep_manager)) + "\n")
        return 0
