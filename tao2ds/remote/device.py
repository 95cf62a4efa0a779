"""A device reached over ssh, and copying a build folder to it.

Shared by the ssh engine builder and the remote launchers, so both name, pin and reach the device
the same way: the project's known_hosts file (``engine.known_hosts``) pins host keys on first use.
Host, user, port, key and remote directory are checked when a Device is made, before any process runs.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tao2ds.core.errors import ConfigError
from tao2ds.remote.ssh import SshTarget, scp_argv, scp_remote, sh_path, ssh_argv, ssh_failure
from tao2ds.remote.validate import check_device

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+-]*")


@dataclass(frozen=True)
class Device:
    host: str
    user: Optional[str]
    port: Optional[int]
    ssh_key: Optional[Path]
    known_hosts: Path
    remote_dir: str  # relative to the device user's home unless absolute or ~-prefixed

    def __post_init__(self) -> None:
        check_device(
            host=self.host, user=self.user, port=self.port, ssh_key=self.ssh_key, remote_dir=self.remote_dir
        )

    def target(self, control_path: Optional[str] = None) -> SshTarget:
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
        key = self.ssh_key.expanduser() if self.ssh_key else None
        return SshTarget(self.host, self.user, self.port, key, self.known_hosts.resolve(), control_path)

    def remote_path(self, name: str) -> str:
        """``<remote_dir>/<name>``; ``name`` (a build folder, named after its target) is one plain component."""
        if not _PLAIN_NAME.fullmatch(name) or name in (".", ".."):
            raise ConfigError(
                f"the build folder name {name!r} cannot be used as a directory on the device",
                key="target.name",
                value=name,
                hint="name the target with letters, digits and . _ + - only (not starting with '.' or '-')",
            )
        base = self.remote_dir
        return f"{base if base.startswith(('/', '~')) else '~/' + base}/{name}"

    def sync(self, build_dir: Path) -> str:
        """Copy the build folder (without its results) to ``<remote_dir>/<folder name>``; return that path."""
        t = self.target()
        remote = self.remote_path(build_dir.name)
        for argv in (
            ssh_argv(t, f"mkdir -p {sh_path(remote)} && rm -rf {sh_path(remote)}/results"),
            scp_argv(
                t,
                ["-r", *(str(p) for p in sorted(build_dir.iterdir()) if p.name != "results")],
                scp_remote(t, remote + "/"),
            ),
        ):
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if proc.returncode:
                raise ssh_failure(t, "copying the build to the device", proc.returncode, proc.stderr)
        return remote
