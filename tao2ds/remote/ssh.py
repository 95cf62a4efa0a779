"""ssh/scp command lines for talking to a device with the system OpenSSH client.

Host keys are pinned in a project known_hosts file (first use records the key;
a changed key then fails). One ControlMaster connection carries every call of
a build, so authentication happens once.

Command lines are argv lists (no local shell) with ``--`` before the positional arguments, and an
SshTarget checks its host, user, port and key when it is made (``tao2ds.remote.validate``), so
nothing from the config can be read by ssh or scp as an option.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tao2ds.core.errors import HostKeyChanged, SshError
from tao2ds.remote.validate import check_host, check_port, check_remote_dir, check_ssh_key, check_user

__all__ = [
    "SshTarget",
    "check_remote_dir",
    "common_options",
    "control_exit_argv",
    "scp_argv",
    "scp_remote",
    "sh_command",
    "sh_path",
    "ssh_argv",
    "ssh_failure",
]

SCP_FLAGS = ("-r", "-p")  # what scp_argv accepts at the head of ``sources`` as options


@dataclass(frozen=True)
class SshTarget:
    host: str
    user: str | None
    port: int | None
    ssh_key: Path | None
    known_hosts: Path
    control_path: str | None = None  # ControlMaster socket; None = no connection sharing

    def __post_init__(self) -> None:
        check_host(self.host)
        check_user(self.user)
        check_port(self.port)
        check_ssh_key(self.ssh_key)

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    @property
    def known_hosts_name(self) -> str:
        """How known_hosts names this host: ``[host]:port`` off port 22."""
        return self.host if self.port in (None, 22) else f"[{self.host}]:{self.port}"


def common_options(t: SshTarget) -> list[str]:
    opts = [
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-o",
        f"UserKnownHostsFile={t.known_hosts}",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "HashKnownHosts=no",  # a project file: readable host names
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=15",
    ]
    if t.control_path:
        opts += ["-o", "ControlMaster=auto", "-o", f"ControlPath={t.control_path}", "-o", "ControlPersist=60"]
    if t.ssh_key:
        opts += ["-i", str(t.ssh_key), "-o", "IdentitiesOnly=yes"]
    return opts


def ssh_argv(t: SshTarget, remote_command: str) -> list[str]:
    """Run ``remote_command`` (one shell string, already quoted) on the device."""
    port = ["-p", str(t.port)] if t.port else []
    return ["ssh", *common_options(t), *port, "--", t.destination, remote_command]


def scp_remote(t: SshTarget, path: str) -> str:
    host = f"[{t.host}]" if ":" in t.host else t.host
    return f"{t.user}@{host}:{path}" if t.user else f"{host}:{path}"


def scp_argv(t: SshTarget, sources: list[str], dest: str) -> list[str]:
    """Copy ``sources`` to ``dest``. Leading ``-r``/``-p`` entries of ``sources`` are scp options;
    everything after them is a path and goes after ``--``."""
    flags = []
    paths = list(sources)
    while paths and paths[0] in SCP_FLAGS:
        flags.append(paths.pop(0))
    port = ["-P", str(t.port)] if t.port else []
    return ["scp", "-q", "-B", *common_options(t), *port, *flags, "--", *paths, dest]


def control_exit_argv(t: SshTarget) -> list[str]:
    port = ["-p", str(t.port)] if t.port else []
    return [
        "ssh",
        "-o",
        f"ControlPath={t.control_path}",
        "-o",
        "LogLevel=QUIET",
        *port,
        "-O",
        "exit",
        "--",
        t.destination,
    ]


def sh_command(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


def sh_path(path: str) -> str:
    """A remote path as one shell word; a leading ``~/`` becomes ``"$HOME"/``."""
    if path == "~":
        return '"$HOME"'
    if path.startswith("~/"):
        return '"$HOME"/' + shlex.quote(path[2:])
    return shlex.quote(path)


def ssh_failure(t: SshTarget, what: str, returncode: int, stderr: str) -> SshError:
    """Turn an ssh/scp failure into a clear error; a changed host key says which file to edit."""
    if "REMOTE HOST IDENTIFICATION HAS CHANGED" in stderr or "Host key verification failed" in stderr:
        m = re.search(r"Offending \S+ key in (\S+):(\d+)", stderr)
        where = f"line {m.group(2)} of {m.group(1)}" if m else str(t.known_hosts)
        return HostKeyChanged(
            f"The SSH host key of {t.known_hosts_name} is not the one pinned at {where}.\n"
            "If the device was reinstalled or its SSH keys were regenerated on purpose, remove the old entry:\n"
            f"    ssh-keygen -R '{t.known_hosts_name}' -f {t.known_hosts}\n"
            "and build again (the new key is pinned on first use). Otherwise, do not connect: the host may not be "
            "the device you think."
        )
    detail = stderr.strip() or "(no message)"
    return SshError(f"{what} on {t.destination} failed (exit {returncode}): {detail}")
