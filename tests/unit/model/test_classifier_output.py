import numpy as np

from tao2ds.model.classifier_output import parse_outputs

LABELS = [["Fall", "Spring", "Summer", "Winter"], ["a", "b", "c"]]


def test_argmax_above_threshold_per_output():
    attrs = parse_outputs([np.array([0.1, 0.7, 0.1, 0.1]), np.array([0.2, 0.2, 0.6])], 0.5, LABELS)
    assert [(a.label_id, a.class_id, a.label) for a in attrs] == [(0, 1, "Spring"), (1, 2, "c")]


def test_threshold_is_strict_and_missing_tasks_yield_nothing():
    attrs = parse_outputs([np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.1, 0.8, 0.1])], 0.5, LABELS)
    assert [(a.label_id, a.label) for a in attrs] == [(1, "b")]  # label_id stays the output index


def test_first_maximum_wins_and_zero_threshold():
    attrs = parse_outputs([np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.0, 0.0, 0.0])], 0.0, LABELS)
    assert [(a.label_id, a.class_id) for a in attrs] == [(0, 0)]


def test_missing_label_line_gives_no_text():
    attrs = parse_outputs([np.array([0.9, 0.1])], 0.5, [])
    assert attrs[0].label is None
