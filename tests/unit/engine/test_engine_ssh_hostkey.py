"""Host keys are pinned on first use in the project known_hosts; a changed key is a clear failure.

Own module, so its own sshd: rotating the host key must not disturb the other ssh tests.
"""

from __future__ import annotations

import pytest

from tao2ds.core.errors import HostKeyChanged
from tao2ds.engine.builders.ssh import SshBuilder


def test_first_use_pins_then_a_changed_key_fails(sshd):
    assert not sshd.known_hosts.exists()
    env = SshBuilder(**sshd.builder_kwargs()).probe()
    assert env.trt_version == "10.3.0"
    pinned = sshd.known_hosts.read_text()
    host_pub = sshd.host_key.with_name(sshd.host_key.name + ".pub").read_text().split()[1]
    assert pinned.startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 {host_pub}")  # readable, not hashed

    SshBuilder(**sshd.builder_kwargs()).probe()  # same key: fine, nothing re-added
    assert sshd.known_hosts.read_text() == pinned

    sshd.rotate_host_key()
    with pytest.raises(HostKeyChanged) as e:
        SshBuilder(**sshd.builder_kwargs()).probe()
    msg = str(e.value)
    assert f"pinned at line 1 of {sshd.known_hosts}" in msg
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}' -f {sshd.known_hosts}" in msg
    assert sshd.known_hosts.read_text() == pinned  # never silently re-pinned
