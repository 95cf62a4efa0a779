"""Checks for everything from the config that ends up on an ssh/scp command line.

They run when a Device, SshTarget or SshBuilder is made, so a bad value is refused before any process
starts. ssh and scp get their arguments as an argv (never through a local shell) with ``--`` before
the destination; these checks are the second line: a host that starts with ``-`` or holds ssh or shell
metacharacters, a user name with ``@`` or spaces, or a remote path that scp would glob or a remote
shell would split, never reaches OpenSSH at all.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from tao2ds.core.errors import ConfigError

_DNS_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")  # POSIX portable user name, at most 32 like useradd
_REMOTE_PATH_CHARS = re.compile(r"[A-Za-z0-9._/~+-]+")

HOST_HINT = (
    "use a plain DNS name (letters, digits, '-', '_', '.'; no label starts or ends with '-'), "
    "an IPv4 address or an IPv6 address without brackets; to go through a jump host or proxy, "
    "define a Host alias in ~/.ssh/config and use the alias"
)


def check_host(host: Any, key: str = "target.host") -> str:
    """A DNS name, an IPv4 address or an IPv6 address; anything else is a ConfigError."""
    if not isinstance(host, str) or not host:
        raise ConfigError(
            f"{key} is not set or not a string (got {host!r})", key=key, value=host, hint=HOST_HINT
        )
    if len(host) <= 253:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None:
            if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
                raise ConfigError(
                    f"{key} = {host!r}: an IPv6 scope (%{ip.scope_id}) is not supported",
                    key=key,
                    value=host,
                    hint="define a Host alias for the device in ~/.ssh/config and use it",
                )
            return host
        if re.fullmatch(r"[0-9.]+", host):  # all digits and dots but not an IPv4 address: 127.1, 10.0.0.256
            raise ConfigError(
                f"{key} = {host!r} is not a valid IPv4 address",
                key=key,
                value=host,
                hint="write all four parts, each 0..255 (e.g. 192.168.55.1)",
            )
        if all(_DNS_LABEL.fullmatch(label) for label in host.split(".")):
            return host
    raise ConfigError(
        f"{key} = {host!r} is not a host name or IP address", key=key, value=host, hint=HOST_HINT
    )


def check_user(user: Any, key: str = "target.user") -> str | None:
    """None or "" (ssh's default user), or a plain POSIX user name."""
    if user is None or user == "":
        return user
    if isinstance(user, str) and _USER.fullmatch(user):
        return user
    raise ConfigError(
        f"{key} = {user!r} is not a plain user name",
        key=key,
        value=user,
        hint="use letters, digits, '_', '.', '-' (not first), at most 32 characters; "
        "leave it unset for ssh's default user",
    )


def check_port(port: Any, key: str = "target.port") -> int | None:
    """None (ssh's default, 22) or a whole number 1..65535."""
    if port is None:
        return None
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        return port
    raise ConfigError(
        f"{key} = {port!r} is not a TCP port",
        key=key,
        value=port,
        hint="use a whole number from 1 to 65535 (ssh listens on 22 by default)",
    )


def check_ssh_key(ssh_key: Any, key: str = "target.ssh_key") -> Path | None:
    """None, or a key file path that cannot be read as an option."""
    if ssh_key is None:
        return None
    text = str(ssh_key) if isinstance(ssh_key, (str, Path)) else None
    if text and not text.startswith("-") and not any(c in text for c in "\0\n\r"):
        return Path(text)
    raise ConfigError(
        f"{key} = {ssh_key!r} is not a usable key file path",
        key=key,
        value=ssh_key,
        hint="give the private key's path (e.g. ~/.ssh/id_ed25519); it must not start with '-' "
        "(write ./-key for a file named like that)",
    )


def check_remote_dir(path: Any, key: str = "target.remote_dir") -> str:
    """A remote directory: relative (to the device user's home), absolute, ``~`` or ``~/...``.

    scp treats remote paths as patterns and the remote commands go through the device's shell, so
    only plain characters are allowed; ``..`` components and a leading ``-`` are refused too.
    """
    hint = (
        "use letters, digits and . _ / ~ + - only, e.g. tao2ds, ~/tao2ds or /opt/tao2ds; "
        "'~' only as the first component, no '..' components, not starting with '-'"
    )
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{key} is empty or not a string (got {path!r})", key=key, value=path, hint=hint)
    problem = None
    if not _REMOTE_PATH_CHARS.fullmatch(path):
        bad = sorted({c for c in path if not _REMOTE_PATH_CHARS.fullmatch(c)})
        problem = "contains " + ", ".join(repr(c) for c in bad)
    elif path.startswith("-"):
        problem = "starts with '-'"
    elif ".." in path.split("/"):
        problem = "has a '..' component"
    elif "~" in path[1:] or (path.startswith("~") and path != "~" and not path.startswith("~/")):
        problem = "uses '~' other than as the first component ('~' or '~/...')"
    if problem:
        raise ConfigError(f"{key} = {path!r} {problem}", key=key, value=path, hint=hint)
    return path


def check_device(
    *, host: Any, user: Any = None, port: Any = None, ssh_key: Any = None, remote_dir: Any = None
) -> None:
    """Everything about a device that goes on an ssh/scp command line (remote_dir only when given)."""
    check_host(host)
    check_user(user)
    check_port(port)
    check_ssh_key(ssh_key)
    if remote_dir is not None:
        check_remote_dir(remote_dir)
