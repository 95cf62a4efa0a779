"""cache.remote is checked before any step: an unknown fsspec protocol or a missing filesystem
package is a ConfigError that names the key and what to install."""

import importlib.util

import pytest

from tao2ds.core.cache import check_remote
from tao2ds.core.errors import ConfigError


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed here")
def test_s3_without_s3fs_names_the_extra():
    with pytest.raises(ConfigError) as e:
        check_remote("s3://bucket/prefix")
    assert str(e.value) == (
        "cache.remote=s3://bucket/prefix: the 's3' protocol needs a package that is not installed "
        "(Install s3fs to access S3)\n  hint: .venv/bin/pip install -e '.[s3]' (the 's3' extra of tao2ds)"
    )
    assert e.value.exit_code == 2


def test_unknown_protocol():
    with pytest.raises(
        ConfigError, match=r"cache.remote=fiel:///x: unknown protocol 'fiel' \(did you mean 'file'\?\)"
    ):
        check_remote("fiel:///x")


@pytest.mark.parametrize("url", ["file:///tmp/x", "/tmp/x", "memory://x"])
def test_known_protocols_pass(url):
    check_remote(url)
