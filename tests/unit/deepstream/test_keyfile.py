import random

import pytest

from tao2ds.core.errors import ConfigError
from tao2ds.deepstream.keyfile import format_value, load_keyfile, render_keyfile, string_problem
from tests.unit.deepstream.conftest import needs_gi


@pytest.mark.parametrize(
    "value,text",
    [
        (1e-05, "0.00001"),
        (2.5e-07, "0.00000025"),
        (0.5, "0.5"),
        (1e16, "10000000000000000.0"),
        (-3e-6, "-0.000003"),
        (1.0, "1.0"),
    ],
)
def test_floats_are_positional(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_non_finite_float_is_config_error(value):
    with pytest.raises(ConfigError):
        format_value(value)


@needs_gi
def test_floats_read_back_exactly_by_glib():
    rng = random.Random(7)
    values = [1e-05, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, 123456789.123456789]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30) for _ in range(300)]
    text = render_keyfile([("g", [(f"k{n}", v) for n, v in enumerate(values)])])
    assert "e" not in text.replace("[g]", "")
    kf = load_keyfile(text)
    assert [kf.get_double("g", f"k{n}") for n in range(len(values))] == values
    assert kf.get_double_list  # lists of doubles too:
    kf2 = load_keyfile(render_keyfile([("g", [("l", [1e-05, 0.3, 2e-9])])]))
    assert kf2.get_double_list("g", "l") == [1e-05, 0.3, 2e-9]


@needs_gi
def test_write_then_glib_parse_gives_same_values():
    text = render_keyfile(
        [
            ("a", [("i", 3), ("b", True), ("s", "Serif"), ("il", [1, 2, 3]), ("skip", None)]),
            ("b", [("f", 0.6), ("sl", ["x/Softmax", "y/Softmax"])]),
        ],
        header=["generated", ""],
    )
    assert text.startswith("# generated\n#\n\n[a]\n")
    kf = load_keyfile(text)
    assert (
        kf.get_integer("a", "i") == 3 and kf.get_boolean("a", "b") is True and kf.get_integer("a", "b") == 1
    )
    assert kf.get_string("a", "s") == "Serif" and kf.get_integer_list("a", "il") == [1, 2, 3]
    assert "skip" not in kf.get_keys("a")[0]
    assert kf.get_double("b", "f") == 0.6 and kf.get_string_list("b", "sl") == ["x/Softmax", "y/Softmax"]


@pytest.mark.parametrize("bad", ["Serif\nBold", "a\rb", "back\\slash", " lead", "trail ", "nul\0"])
def test_unwritable_strings_are_config_errors_naming_the_key(bad):
    assert string_problem(bad)
    with pytest.raises(ConfigError) as e:
        render_keyfile([("osd", [("font", bad)])])
    assert e.value.key == "[osd] font" and "[osd] font" in str(e.value)


def test_duplicate_key_is_config_error():
    with pytest.raises(ConfigError, match="duplicate key 'x'"):
        render_keyfile([("g", [("x", 1), ("x", 2)])])
