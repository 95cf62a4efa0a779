"""A real OpenSSH server on 127.0.0.1 for tests: the "device" is a directory on this machine.

The server has its own host key, accepts one generated user key (as the current user,
root here: PermitRootLogin prohibit-password), and gives sessions
``PATH=<device>/bin:...`` and ``TAO2DS_PROBE_ROOT=<device>/root`` via sshd_config
``SetEnv``, so the device's fake trtexec/nvidia-smi and fake Jetson files are what
a remote probe sees. scp works through ``Subsystem sftp internal-sftp``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fakes.device import FakeDevice, make_device

SSHD = Path("/usr/sbin/sshd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".pub")):
        p.unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tao2ds-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _wait_banner(port: int, proc: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-2.0-OpenSSH"):
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"sshd did not answer on port {port} within {timeout} s")


@dataclass
class Sshd:
    dir: Path
    host: str
    port: int
    user: str
    user_key: Path
    known_hosts: Path
    device: FakeDevice
    host_key: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log(self) -> str:
        path = self.dir / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def config_text(self) -> str:
        return "\n".join(
            [
                f"Port {self.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {self.host_key}",
                f"PidFile {self.dir / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.dir / 'authorized_keys'}",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "StrictModes no",
                "UsePAM no",
                "UseDNS no",
                "PrintMotd no",
                "MaxStartups 64",
                "MaxSessions 64",
                "Subsystem sftp internal-sftp",
                # HOME: the device's own home, so the login shell reads <device>/home/.bashrc (none), not the
                # host user's (which may be slow or change PATH); remote "~/" paths land in the device too.
                f"SetEnv PATH={self.device.path_env} TAO2DS_PROBE_ROOT={self.device.sysroot} HOME={self.device.home}",
                "LogLevel INFO",
                "",
            ]
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # privilege separation directory
        cfg = self.dir / "sshd_config"
        cfg.write_text(self.config_text())
        check = subprocess.run([str(SSHD), "-t", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"sshd -t rejected the config: {check.stderr}")
        log = open(self.dir / "sshd.log", "ab")
        self.proc = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        _wait_banner(self.port, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rotate_host_key(self) -> None:
        """Give the server a new host key (as a reinstalled device would have) and restart it."""
        self.stop()
        _keygen(self.host_key)
        self.start()

    def target_overrides(self) -> list[str]:
        """The doit overrides that point a target at this server (the emulated device)."""
        return [
            f"target.host={self.host}",
            f"target.port={self.port}",
            f"target.user={self.user}",
            f"target.ssh_key={self.user_key}",
            f"engine.known_hosts={self.known_hosts}",
            f"target.remote_dir={self.dir / 'remote'}",
        ]

    def builder_kwargs(self) -> dict:
        return dict(
            host=self.host,
            user=self.user,
            port=self.port,
            ssh_key=self.user_key,
            known_hosts=self.known_hosts,
            remote_dir=str(self.dir / "remote"),
            trtexec=None,
        )


def start_sshd(base: Path) -> Sshd:
    if not SSHD.exists():
        pytest.skip(f"{SSHD} not found: install openssh-server to run the ssh builder tests")
    for tool in ("ssh", "scp", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found: install openssh-client to run the ssh builder tests")
    base.mkdir(parents=True, exist_ok=True)
    host_key, user_key = base / "ssh_host_ed25519_key", base / "id_ed25519"
    _keygen(host_key)
    _keygen(user_key)
    (base / "authorized_keys").write_text(user_key.with_name("id_ed25519.pub").read_text())
    os.chmod(user_key, 0o600)
    device = make_device(base / "device")
    last_error = None
    for _ in range(3):  # the free port can be taken between choosing and binding it
        server = Sshd(
            dir=base,
            host="127.0.0.1",
            port=_free_port(),
            user=getpass.getuser(),
            user_key=user_key,
            known_hosts=base / "project" / "known_hosts",
            device=device,
            host_key=host_key,
        )
        try:
            server.start()
            return server
        except RuntimeError as e:
            server.stop()
            last_error = e
    raise RuntimeError(
        f"could not start sshd: {last_error}\n{(base / 'sshd.log').read_text(errors='replace')}"
    )


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A running sshd for this test module; yields an :class:`Sshd` (host, port, user, user_key,
    known_hosts, device). The device starts as a TensorRT 10.3 / Tesla T4 dGPU."""
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()
