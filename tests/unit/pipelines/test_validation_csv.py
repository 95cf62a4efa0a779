"""The validation CSV: not UTF-8, a class the model lacks, a missing file: InputErrors (exit 3)."""

import pytest

from pipelines.verify import read_validation_csv
from tao2ds.core.errors import InputError

TASKS = ["season", "base_color"]
CLASSES = [["Fall", "Spring"], ["Black", "Blue"]]


def write(tmp_path, text: bytes):
    f = tmp_path / "labels.csv"
    f.write_bytes(text)
    return f


def test_a_class_the_model_lacks_names_line_task_and_classes(tmp_path):
    f = write(tmp_path, b"fname,base_color,season\na.jpg,Blue,Fall\nb.jpg,Blue,Autumn\n")
    with pytest.raises(InputError) as e:
        read_validation_csv(f, TASKS, CLASSES)
    assert e.value.message == (
        f"{f}:3: season='Autumn' is not a class of the model's task season (classes: Fall, Spring)"
    )
    assert e.value.exit_code == 3


def test_good_csv_with_bom_reads(tmp_path):
    f = write(tmp_path, b"\xef\xbb\xbffname,base_color,season\r\na.jpg,Blue,Fall\r\n")
    assert read_validation_csv(f, TASKS, CLASSES) == [
        {"fname": "a.jpg", "base_color": "Blue", "season": "Fall"}
    ]


@pytest.mark.parametrize(
    "text,expect",
    [
        (
            b"fname,base_color,season\nc\xe9.jpg,Blue,Fall\n",
            "not UTF-8 text (byte 0xe9 at offset 25, line 2)",
        ),
        (b"fname,season\na.jpg,Fall\n", "missing column(s) base_color"),
        (b"fname,base_color,season\n", "no rows"),
    ],
)
def test_unreadable_csv(tmp_path, text, expect):
    with pytest.raises(InputError, match=expect.replace("(", r"\(").replace(")", r"\)")):
        read_validation_csv(write(tmp_path, text), TASKS, CLASSES)
    with pytest.raises(InputError, match="validation CSV not found"):
        read_validation_csv(tmp_path / "none.csv", TASKS, CLASSES)


def test_verify_without_a_validation_set_names_the_key(tmp_path):
    from pipelines.verify import verify
    from tao2ds.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^model.validation.csv is not set: doit verify needs a labelled"):
        verify(tmp_path, None, tmp_path, 0.9)
    with pytest.raises(InputError, match=rf"^model.validation.images={tmp_path / 'no'}: not a directory"):
        verify(tmp_path, tmp_path / "x.csv", tmp_path / "no", 0.9)


@pytest.mark.parametrize(
    "text,expect",
    [
        (b"", "JSONDecodeError: Expecting value"),
        (b"[1, 2]", "TypeError: list indices must be integers or slices, not str"),
        (b'{"frames": [{"objects": []}]}', "KeyError: 'frame'"),
        (b'{"frames": "x"}', "AttributeError: 'str' object has no attribute 'get'"),
    ],
)
def test_bad_detections_file_names_the_key(tmp_path, text, expect):
    from pipelines.reference import load_detections

    f = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        load_detections(f)
    assert e.value.message.startswith(f"detections file {f} (pipeline.detector.detections): {expect}")


def test_detections_not_utf8(tmp_path):
    from pipelines.reference import load_detections

    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 0xff at offset 0, line 1\)"):
        load_detections(write(tmp_path, b"\xff{}"))


def test_known_classes_come_from_the_classmap_not_the_label_lines(seed_model):
    from pipelines.verify import _known_classes

    _, classmap = seed_model
    swapped = [["Black", "Blue"], ["Fall", "Spring"]]  # label lines in the wrong order
    assert _known_classes(["season"], swapped, {"model": {"classmap": str(classmap)}}) == [
        ["Fall", "Spring", "Summer", "Winter"]
    ]
    assert (
        _known_classes(["season", "base_color"], swapped, None) == [["Black", "Blue", "Fall", "Spring"]] * 2
    )
