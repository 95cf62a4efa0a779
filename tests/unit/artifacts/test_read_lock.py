"""lock=<file> that is missing or not a lock: an InputError (exit 3), not a traceback."""

import pytest

from tao2ds.artifacts.lock import read_lock
from tao2ds.core.errors import InputError


@pytest.mark.parametrize(
    "content,expect",
    [
        (None, "lock file not found: {f}"),
        (b"", "{f}: not a lock file (Expecting value: line 1 column 1 (char 0))"),
        (b"[1, 2]", "{f}: not a lock file (it needs lock_version, inputs, outputs, tools and config)"),
        (
            b'{"lock_version": 1}',
            "{f}: not a lock file (it needs lock_version, inputs, outputs, tools and config)",
        ),
    ],
)
def test_bad_lock_files(tmp_path, content, expect):
    f = tmp_path / "build.lock"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(InputError) as e:
        read_lock(f)
    assert e.value.message == expect.format(f=f) and e.value.exit_code == 3
