"""TensorRT calibration cache text format (``TRT-<n>-EntropyCalibration2`` + ``name: hex`` lines).

Each value is the IEEE-754 bit pattern of the float32 *scale* (= amax / 127), printed as 8 big-endian
hex digits. trtexec, ORT's TensorRT EP and ModelOpt all read it that way (reference tensorrt.md §c).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field

INT8_MAX = 127
DEFAULT_ALGORITHM = "EntropyCalibration2"
_HEX_RE = re.compile(r"[0-9a-fA-F]{1,8}")
_FLOAT32_MAX = 3.4028234663852886e38


def trt_version_number(version: str) -> int:
    """Number TensorRT puts in the cache header for a version string such as "8.6.1" or "10.3.0.26".

    It is NV_TENSORRT_VERSION: MAJOR*1000 + MINOR*100 + PATCH below 10 (NVIDIA/TensorRT
    include/NvInferRuntimeCommon.h 8.2.1 L86-87), MAJOR*10000 + MINOR*100 + PATCH from 10
    (include/NvInferRuntimeBase.h v10.3.0 L89-93). Caches that TensorRT itself wrote (through
    ``write_calibration_cache``) in NVIDIA's TensorRT cookbook, NVIDIA/trt-samples-for-hackathon-cn,
    carry exactly these numbers: ``TRT-8204-EntropyCalibration2`` (8.2.4,
    cookbook/05-Plugin/useINT8/int8.cache @311650a2), ``TRT-100001-`` (10.0.1, @30f6e924),
    ``TRT-100600-`` (10.6.0, @918c3b0e) and ``TRT-101401-`` (10.14.1, @1c8b6b6c), the last three in
    cookbook/05-Plugin/UseINT8-PTQ-V2-deprecated/model.int8cache (reference tensorrt-tools.md
    finding 18). TAO Deploy's MAJOR*1000+... (10300 for 10.3) is therefore wrong for 10.x. Whether
    TensorRT compares the whole number or only part of it is closed source; we write the exact number.
    Only the first three components count (the 4th is a build number).
    """
    parts = version.strip().split(".")
    try:
        nums = [int(p) for p in parts[:3]]
    except ValueError:
        raise ValueError(f"not a TensorRT version (want e.g. '8.6.1'): {version!r}") from None
    if len(nums) < 2 or any(n < 0 for n in nums):
        raise ValueError(f"not a TensorRT version (want e.g. '8.6.1'): {version!r}")
    major, minor, patch = (nums + [0])[:3]
    if major >= 10:
        if minor >= 100 or patch >= 100:
            raise ValueError(f"TensorRT version {version!r} does not fit MAJOR*10000+MINOR*100+PATCH")
        return major * 10000 + minor * 100 + patch
    if minor >= 10 or patch >= 100:
        raise ValueError(f"TensorRT version {version!r} does not fit MAJOR*1000+MINOR*100+PATCH")
    return major * 1000 + minor * 100 + patch


def scale_from_amax(amax: float) -> float:
    """Scale stored in the cache for a symmetric int8 range [-amax, amax]."""
    return amax / INT8_MAX


def amax_from_scale(scale: float) -> float:
    """Dynamic range TensorRT derives from a cached scale (trtexec/ORT both use scale * 127)."""
    return scale * INT8_MAX


def _scale_hex(scale: float) -> str:
    if not (math.isfinite(scale) and 0.0 <= scale <= _FLOAT32_MAX):
        raise ValueError(f"scale must be finite, non-negative and fit float32, got {scale!r}")
    return struct.pack(">f", scale).hex()  # always 8 lowercase digits, leading zeros kept


def _scale_from_hex(digits: str) -> float:
    # Parsed as an integer like trtexec's stoi(..., 16), so unpadded digits (TAO writes hex() output,
    # which drops leading zeros) still decode to the right bit pattern.
    return struct.unpack(">f", int(digits, 16).to_bytes(4, "big"))[0]


@dataclass
class CalibrationCache:
    """A parsed/renderable cache; ``scales`` keeps insertion order so files diff cleanly."""

    version: int
    algorithm: str = DEFAULT_ALGORITHM
    scales: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_amax(
        cls, version: int, amax: dict[str, float], algorithm: str = DEFAULT_ALGORITHM
    ) -> CalibrationCache:
        """Build a cache from per-tensor amax (the calibration result)."""
        return cls(version, algorithm, {name: scale_from_amax(a) for name, a in amax.items()})

    @property
    def header(self) -> str:
        return f"TRT-{self.version}-{self.algorithm}"

    def amax(self) -> dict[str, float]:
        """Per-tensor dynamic range, as TensorRT would apply it."""
        return {name: amax_from_scale(s) for name, s in self.scales.items()}

    def render(self) -> str:
        """Cache text: header, one ``name: xxxxxxxx`` line per tensor, LF endings, trailing newline."""
        lines = [self.header]
        for name, scale in self.scales.items():
            if not name or "\n" in name or "\r" in name:
                raise ValueError(f"tensor name cannot be empty or contain a line break: {name!r}")
            lines.append(f"{name}: {_scale_hex(scale)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> CalibrationCache:
        """Parse cache text. Tolerant like trtexec: CRLF, blank lines, ':' inside names, unpadded hex."""
        lines = text.splitlines()
        if not lines or not lines[0].strip().startswith("TRT-"):
            raise ValueError("line 1: calibration cache header must start with 'TRT-'")
        header = lines[0].strip()
        version_text, sep, algorithm = header[len("TRT-") :].partition("-")
        if not sep or not version_text.isdigit() or not algorithm:
            raise ValueError(f"line 1: expected 'TRT-<number>-<algorithm>', got {header!r}")
        scales: dict[str, float] = {}
        for lineno, raw in enumerate(lines[1:], start=2):
            line = raw.strip()
            if not line:
                continue
            # The LAST ': ' separates the value: ONNX tensor names may contain ':' (e.g. 'conv:0').
            name, sep, digits = line.rpartition(": ")
            if not sep or not name:
                raise ValueError(f"line {lineno}: expected '<tensor name>: <8 hex digits>', got {line!r}")
            if not _HEX_RE.fullmatch(digits):
                raise ValueError(f"line {lineno}: {digits!r} is not 1-8 hex digits (float32 bit pattern)")
            if name in scales:
                raise ValueError(f"line {lineno}: tensor {name!r} appears twice")
            scales[name] = _scale_from_hex(digits)
        return cls(int(version_text), algorithm, scales)
