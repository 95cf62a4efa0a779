"""`doit info <task>` that answers an unknown task name with doit's own "invalid parameter"
message instead of a KeyError traceback (doit 0.37 ``cmd_info.Info._execute`` indexes its task
dict unchecked). Registered in pyproject.toml ``[tool.doit.plugins.command]``."""

from __future__ import annotations

from doit.cmd_info import Info as DoitInfo
from doit.exceptions import InvalidCommand


class Info(DoitInfo):
    def _execute(self, pos_args, hide_status=False):
        names = {t.name for t in self.task_list}
        if len(pos_args) == 1 and pos_args[0] not in names:
            err = InvalidCommand(not_found=pos_args[0])
            err.cmd_used, err.bin_name = "info", self.bin_name
            raise err
        return super()._execute(pos_args, hide_status=hide_status)
