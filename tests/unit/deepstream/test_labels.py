from tao2ds.deepstream.labels import parse_labels, render_labels


def test_labels_round_trip_one_line_per_output():
    lines = [["Fall", "Spring", "Summer", "Winter"], ["Bags", "Shoes"], ["Navy Blue", "Red"]]
    text = render_labels(lines)
    assert text == "Fall;Spring;Summer;Winter\nBags;Shoes\nNavy Blue;Red\n"
    assert parse_labels(text) == lines


def test_parse_labels_as_nvinfer_does():
    # empty lines skipped; no trimming; a trailing ';' adds an empty label (deepstream.md §3.3)
    assert parse_labels("a;b\n\n c;d;\n") == [["a", "b"], [" c", "d", ""]]
