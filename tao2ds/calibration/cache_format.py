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

    UNCERTAIN for TensorRT >= 10. Headers seen for 7.x/8.x (7000, 7103, 7202, 8203, 8510, 8600) fit
    MAJOR*1000 + MINOR*100 + PATCH, which is also TAO Deploy's formula. For 10.x the only observation is a
    second-hand report that NVIDIA's NGC cache for TRT 10.3 starts ``TRT-100300-``, i.e.
    MAJOR*10000 + MINOR*100 + PATCH (TAO's formula would give 10300). We follow that report for >= 10;
    verify on a real TRT 10 box. Only the first three components count (the 4th is a build number).
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
