"""ssh/scp argv: '--' ends the options in every command line, and it works with the real OpenSSH."""

import subprocess
from pathlib import Path

from tao2ds.remote.ssh import SshTarget, control_exit_argv, scp_argv, scp_remote, ssh_argv
from tests.fakes.sshd import sshd  # noqa: F401  (module-scoped real OpenSSH server)

T = SshTarget("jetson.local", "nvidia", 2222, Path("/keys/id"), Path("/p/known_hosts"), "/tmp/cp/%C")


def test_ssh_argv_ends_options_before_the_destination():
    argv = ssh_argv(T, "-x echo hi")
    assert argv[-3:] == ["--", "nvidia@jetson.local", "-x echo hi"]
    assert argv.count("--") == 1 and argv[argv.index("-p") + 1] == "2222"


def test_scp_argv_keeps_its_flags_before_dashdash_and_every_path_after():
    argv = scp_argv(T, ["-r", "/local/build", "-odd-name"], scp_remote(T, "~/tao2ds/"))
    dd = argv.index("--")
    assert "-r" in argv[:dd] and argv[dd + 1 :] == [
        "/local/build",
        "-odd-name",
        "nvidia@jetson.local:~/tao2ds/",
    ]
    assert scp_argv(T, [scp_remote(T, "a")], "/tmp/out/")[-3:] == ["--", "nvidia@jetson.local:a", "/tmp/out/"]


def test_control_exit_argv_ends_options():
    assert control_exit_argv(T)[-4:] == ["-O", "exit", "--", "nvidia@jetson.local"]


def test_ipv6_destination_for_scp_is_bracketed():
    t = SshTarget("fe80::1", None, None, None, Path("/kh"))
    assert scp_argv(t, ["/f"], scp_remote(t, "x"))[-3:] == ["--", "/f", "[fe80::1]:x"]


def _target(server) -> SshTarget:
    server.known_hosts.parent.mkdir(parents=True, exist_ok=True)
    return SshTarget(server.host, server.user, server.port, server.user_key, server.known_hosts)


def test_real_openssh_accepts_dashdash(sshd, tmp_path):  # noqa: F811
    """OpenSSH parses options with getopt, so '--' ends them: a command line and a local file named like an
    option both arrive as positional arguments."""
    t = _target(sshd)
    run = subprocess.run(
        ssh_argv(t, "echo remote-ok"), stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0 and run.stdout == "remote-ok\n", run.stderr

    src = tmp_path / "-oLogLevel=DEBUG3"  # scp would read this as an option without '--'
    src.write_text("payload")
    dest_dir = sshd.dir / "dashdash"
    dest_dir.mkdir(exist_ok=True)
    up = subprocess.run(
        scp_argv(t, [str(src.name)], scp_remote(t, f"{dest_dir}/")),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up.returncode == 0 and "debug" not in up.stderr, up.stderr
    assert (dest_dir / src.name).read_text() == "payload"

    back = tmp_path / "back"
    down = subprocess.run(
        scp_argv(t, [scp_remote(t, f"{dest_dir}/{src.name}")], str(back)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert down.returncode == 0 and back.read_text() == "payload", down.stderr
