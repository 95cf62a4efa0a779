"""Host, user, port, key and remote directory are checked when a device is described, before any process."""

from pathlib import Path

import pytest

from tao2ds.core.errors import ConfigError
from tao2ds.engine.builders.ssh import SshBuilder
from tao2ds.remote.device import Device
from tao2ds.remote.ssh import SshTarget
from tao2ds.remote.validate import check_host, check_port, check_remote_dir, check_ssh_key, check_user

GOOD = {"host": "jetson.local", "user": "nvidia", "port": 22, "ssh_key": None, "remote_dir": "tao2ds"}


@pytest.mark.parametrize(
    "host",
    [
        "jetson",
        "jetson-nano.local",
        "my_board.lan",
        "xavier01",
        "192.168.55.1",
        "10.0.0.255",
        "::1",
        "fe80::1",
        "2001:db8::42",
        "a" * 63 + ".b",
    ],
)
def test_good_hosts(host):
    assert check_host(host) == host


@pytest.mark.parametrize(
    "host",
    [
        "-oProxyCommand=touch /tmp/x",
        "-p2222",
        "-",
        "nvidia@jetson",
        "jet son",
        "jetson;id",
        "jetson|id",
        "jetson&",
        "$(id)",
        "`id`",
        "jet'son",
        'jet"son',
        "jetson:22",
        "[::1]",
        "fe80::1%eth0",
        "%h",
        "jetson/x",
        "jet*",
        "jet?",
        "host\n",
        "host\0",
        "-jetson.local",
        "jetson-.local",
        "jetson..local",
        ".jetson",
        "127.1",
        "10.0.0.256",
        "a" * 64 + ".b",
        "",
        None,
        42,
    ],
)
def test_bad_hosts(host):
    with pytest.raises(ConfigError) as e:
        check_host(host)
    assert e.value.key == "target.host" and e.value.value == host
    assert "target.host" in str(e.value) and repr(host) in str(e.value)
    assert e.value.exit_code == 2


@pytest.mark.parametrize("user", ["nvidia", "ubuntu", "_svc", "first.last", "user-1", "u" * 32, None, ""])
def test_good_users(user):
    assert check_user(user) == user


@pytest.mark.parametrize(
    "user",
    [
        "-oProxyCommand=x",
        "-l",
        "root@jetson",
        "a b",
        "x;y",
        "$USER",
        "a:b",
        "us/er",
        "u" * 33,
        "müller",
        "a\n",
        7,
    ],
)
def test_bad_users(user):
    with pytest.raises(ConfigError, match="is not a plain user name") as e:
        check_user(user)
    assert e.value.key == "target.user" and e.value.value == user


@pytest.mark.parametrize("port", [1, 22, 2222, 65535, None])
def test_good_ports(port):
    assert check_port(port) == port


@pytest.mark.parametrize("port", [0, -1, 65536, "22", True, 22.0])
def test_bad_ports(port):
    with pytest.raises(ConfigError, match="1 to 65535") as e:
        check_port(port)
    assert e.value.key == "target.port" and e.value.value == port


@pytest.mark.parametrize("key", ["~/.ssh/id_ed25519", "/keys/jetson", "./-key", Path("/k/id"), None])
def test_good_ssh_keys(key):
    assert check_ssh_key(key) == (Path(key) if key is not None else None)


@pytest.mark.parametrize("key", ["-oProxyCommand=touch /tmp/x", Path("-i"), "", "key\nfile", 3])
def test_bad_ssh_keys(key):
    with pytest.raises(ConfigError, match="not start with '-'") as e:
        check_ssh_key(key)
    assert e.value.key == "target.ssh_key" and e.value.value == key


@pytest.mark.parametrize(
    "path",
    [
        "tao2ds",
        "~",
        "~/tao2ds",
        "~/.cache/tao2ds/build",
        "/opt/tao2ds",
        "a/b.c/d+e",
        "./x",
        "x/-y",
        "v1.2..3",
    ],
)
def test_good_remote_dirs(path):
    assert check_remote_dir(path) == path


@pytest.mark.parametrize(
    "path,problem",
    [
        ("..", "'..' component"),
        ("../x", "'..' component"),
        ("~/../etc", "'..' component"),
        ("a/../../b", "'..' component"),
        ("/opt/..", "'..' component"),
        ("x y", "contains ' '"),
        ("x;rm -rf ~", "contains"),
        ("$(id)", "contains '\\$'"),
        ("x*", "contains '\\*'"),
        ("host:x", "contains ':'"),
        ("a\nb", "contains"),
        ("-rf", "starts with '-'"),
        ("~root/x", "'~' other than"),
        ("a/~/b", "'~' other than"),
        ("~~", "'~' other than"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_bad_remote_dirs(path, problem):
    with pytest.raises(ConfigError, match=problem) as e:
        check_remote_dir(path)
    assert e.value.key == "target.remote_dir" and e.value.value == path


BAD_FIELDS = [
    ("host", "-oProxyCommand=touch /tmp/x"),
    ("user", "a@b"),
    ("port", 0),
    ("ssh_key", "-oX=y"),
    ("remote_dir", "~/../x"),
]


def _device(tmp_path, **kw):
    f = {**GOOD, **kw}
    key = f["ssh_key"]
    return Device(
        f["host"], f["user"], f["port"], Path(key) if key else None, tmp_path / "kh", f["remote_dir"]
    )


def _target(tmp_path, **kw):
    f = {**GOOD, **kw}
    return SshTarget(f["host"], f["user"], f["port"], f["ssh_key"], tmp_path / "kh")


def _builder(tmp_path, **kw):
    return SshBuilder(**{**GOOD, **kw}, known_hosts=tmp_path / "kh")


@pytest.mark.parametrize(
    "make,field,value",
    [
        pytest.param(make, field, value, id=f"{name}-{field}")
        for name, make in [("Device", _device), ("SshBuilder", _builder), ("SshTarget", _target)]
        for field, value in BAD_FIELDS
        if not (make is _target and field == "remote_dir")  # an SshTarget has no remote directory
    ],
)
def test_every_entry_point_checks_every_field(tmp_path, make, field, value):
    with pytest.raises(ConfigError) as e:
        make(tmp_path, **{field: value})
    assert e.value.key == f"target.{field}"


@pytest.mark.parametrize("make", [_device, _builder, _target], ids=["Device", "SshBuilder", "SshTarget"])
def test_good_values_pass(tmp_path, make):
    make(tmp_path)


def test_build_folder_name_on_the_device_is_one_plain_component(tmp_path):
    dev = _device(tmp_path, remote_dir="~/tao2ds")
    assert dev.remote_path("jetson_orin-nx") == "~/tao2ds/jetson_orin-nx"
    assert _device(tmp_path).remote_path("x86_dgpu") == "~/tao2ds/x86_dgpu"
    for bad in ("..", ".", "a/b", "a b", "-x", ""):
        with pytest.raises(ConfigError, match="cannot be used as a directory on the device"):
            dev.remote_path(bad)
