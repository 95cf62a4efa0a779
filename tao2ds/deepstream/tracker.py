"""A minimal NvMultiObjectTracker config (``[tracker] ll-config-file``) per DeepStream release.

Without ``ll-config-file`` nvtracker runs the library's built-in defaults, whose algorithm the
sources do not document (deepstream-parsers.md F8); every NVIDIA sample passes a YAML file. We
write the IOU tracker's, the lightest: no visual features, no ReID model, CPU only.

Format per release (the ``%YAML:1.0`` files NVIDIA ships as
``samples/configs/deepstream-app/config_tracker_IOU.yml``; copies of the SDK trees in
hiennguyen9874/deepstream-sources, branches 6.0.1 and 6.1/6.2/6.3, see deepstream-parsers.md §1):

- DS 6.0.1: BaseConfig, TargetManagement (no ``preserveStreamUpdateOrder``), TrajectoryManagement,
  DataAssociator.
- DS 6.1 .. 6.3: the same plus ``TargetManagement.preserveStreamUpdateOrder``.
- DS 7.x: takes the same YAML schema (its TAO and test5 sample configs pass NvDCF/IOU YAML files,
  deepstream-parsers.md F8 / SMP71); the 6.1+ form is written (inference: the 7.1 IOU sample
  itself is not in the stored sources).

DS 5.x's txt format (``[IOU_CONFIG]`` for libnvds_mot_iou.so) predates every supported target.
"""

from __future__ import annotations

from tao2ds.deepstream import releases

TRACKER_CONFIG_FILE = "tracker_config.yml"  # written beside the app config; ll-config-file is relative to it

_HEAD = """%YAML:1.0
# NvMultiObjectTracker IOU tracker, written by tao2ds for DeepStream {ds}.

BaseConfig:
  minDetectorConfidence: 0

TargetManagement:
{preserve}  maxTargetsPerStream: 150
  minIouDiff4NewTarget: 0.5
  probationAge: 4
  maxShadowTrackingAge: 38
  earlyTerminationAge: 1

TrajectoryManagement:
  useUniqueID: 0

DataAssociator:
  dataAssociatorType: 0
  associationMatcherType: 0
  checkClassMatch: 1
  minMatchingScore4Overall: 0.0
  minMatchingScore4SizeSimilarity: 0.0
  minMatchingScore4Iou: 0.0
  matchingScoreWeight4SizeSimilarity: 0.4
  matchingScoreWeight4Iou: 0.6
"""


def tracker_config_text(deepstream: str) -> str:
    """The text of ``tracker_config.yml`` for this DeepStream release (pure)."""
    # preserveStreamUpdateOrder: first in the 6.1 sample (absent from 6.0.1's): the release table says
    preserve = (
        "  preserveStreamUpdateOrder: 0\n" if releases.get(deepstream).tracker_preserve_stream_order else ""
    )
    return _HEAD.format(ds=deepstream, preserve=preserve)
