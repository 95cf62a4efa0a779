"""Stand-in for DeepStream's ``pyservicemaker`` Python package (no DeepStream here).

Follows the documented API (NVIDIA/DeepStream v9.1.0 skills/deepstream-dev/references/
service_maker_api.md L82-160, L575-760; DS 9.2 API reference metadatadoc.h L189-201 for
``get_label_info`` / LabelInfo). Objects use ``__slots__`` so an attribute the real API lacks
raises AttributeError; ``*_items`` are one-shot iterators as in the real bindings.

``Pipeline.wait()`` feeds the attached probes ``Pipeline.batches`` (set by in-process tests) or,
when the environment names a JSON file in ``FAKE_PSM_BATCHES``, the batches described there
(``[[{"frame", "pad", "pts", "objects": [{"class_id", "uid", "labels": [[label, class_id, prob,
label_id, num_classes], ...]}]}], ...]``), so ``pipelines/servicemaker_app.py`` can run as a
subprocess against it. Every call is recorded on the pipeline (``elements``, ``links``, ``probes``).
"""

from __future__ import annotations

import json
import os


class Rect:
    __slots__ = ("left", "top", "width", "height")

    def __init__(self, left, top, width, height):
        self.left, self.top, self.width, self.height = left, top, width, height


class LabelInfo:  # DS 9.2: label, class_id, prob, label_id, num_classes
    __slots__ = ("label", "class_id", "prob", "label_id", "num_classes")

    def __init__(self, label, class_id, prob, label_id, num_classes):
        self.label, self.class_id, self.prob, self.label_id, self.num_classes = (
            label,
            class_id,
            prob,
            label_id,
            num_classes,
        )


class ClassifierMetadata91:
    """9.0/9.1: n_labels, unique_component_id, get_n_label(n) -> str."""

    __slots__ = ("n_labels", "unique_component_id", "_infos")

    def __init__(self, uid, infos):
        self.unique_component_id, self._infos, self.n_labels = uid, infos, len(infos)

    def get_n_label(self, n):
        return self._infos[n].label


class ClassifierMetadata92(ClassifierMetadata91):
    __slots__ = ()

    def get_label_info(self, n):
        return self._infos[n]


class ObjectMetadata:
    __slots__ = ("class_id", "object_id", "rect_params", "_cls")

    def __init__(self, class_id, object_id, rect, classifiers):
        self.class_id, self.object_id, self.rect_params, self._cls = class_id, object_id, rect, classifiers

    @property
    def classifier_items(self):
        return iter(self._cls)


class FrameMetadata:
    __slots__ = ("frame_number", "pad_index", "buffer_pts", "_objs")

    def __init__(self, frame_number, pad_index, pts, objects):
        self.frame_number, self.pad_index, self.buffer_pts, self._objs = frame_number, pad_index, pts, objects

    @property
    def object_items(self):
        return iter(self._objs)


class BatchMetadata:
    __slots__ = ("_frames",)

    def __init__(self, frames):
        self._frames = frames

    @property
    def frame_items(self):
        return iter(self._frames)


class BatchMetadataOperator:
    def handle_metadata(self, batch_meta):  # pragma: no cover - overridden
        raise NotImplementedError


class Probe:
    def __init__(self, name, operator):
        assert isinstance(operator, BatchMetadataOperator)
        self.name, self.operator = name, operator


class Pipeline:
    """Records the Pipeline API calls; ``wait()`` feeds the attached probe ``batches``."""

    batches: list = []
    last = None

    def __init__(self, name):
        self.name, self.elements, self.links, self.probes = name, {}, [], []
        Pipeline.last = self

    def add(self, factory, name, props=None):
        assert name not in self.elements, f"element {name} added twice"
        self.elements[name] = (factory, dict(props or {}))
        return self

    def link(self, *args):
        if len(args) == 2 and all(isinstance(a, tuple) for a in args):
            (src, dst), (src_pad, dst_pad) = args
            assert src in self.elements and dst in self.elements and dst_pad == "sink_%u"
        else:
            assert all(a in self.elements for a in args), args
        self.links.append(args)
        return self

    def attach(self, element, probe, *rest):
        assert element in self.elements and isinstance(probe, Probe)
        self.probes.append((element, probe))
        return self

    def start(self):
        return self

    def wait(self):
        for batch in Pipeline.batches or _batches_from_env():
            for _, probe in self.probes:
                probe.operator.handle_metadata(batch)


def _batches_from_env() -> list:
    path = os.environ.get("FAKE_PSM_BATCHES")
    if not path:
        return []
    out = []
    for frames in json.load(open(path, encoding="utf-8")):
        metas = []
        for f in frames:
            objs = [
                ObjectMetadata(
                    o["class_id"],
                    0xFFFFFFFFFFFFFFFF,
                    Rect(0, 0, 1, 1),
                    [ClassifierMetadata92(o["uid"], [LabelInfo(*li) for li in o["labels"]])],
                )
                for o in f["objects"]
            ]
            metas.append(FrameMetadata(f["frame"], f["pad"], f["pts"], objs))
        out.append(BatchMetadata(metas))
    return out
