#!/usr/bin/env python3
"""Generate the procedural image set of the bundled multitask sample.

Every scene is a background whose colour and texture give the *season*, one object whose
*shape* gives the *category* and whose *colour* gives the *base_color*.  The class names are
exactly those of NVIDIA's TAO multitask classification sample (fashion-product data set), so
the sample's classmap.json has the same layout as a real TAO export.

Writes (relative to samples/multitask_sample/):
  calibration/cal_0000.jpg ... cal_0199.jpg   200 unlabelled images (INT8 calibration)
  validation/images/val_0000.jpg ... 0299      300 labelled images
  validation/labels.csv                        TAO multitask CSV (fname,base_color,category,season)
  video/sample.mp4                             H.264/MP4, 240x320, 10 fps, 120 frames, a new scene
                                               every 10 frames (encoded through GStreamer)
  video/truth.csv                              frame,base_color,category,season (class names)
and, not shipped, a training set in a temporary directory (default
$TMPDIR/tao2ds_multitask_sample_train): images/ (train_*.jpg plus copies of val_*.jpg, so that one
image_directory_path serves both CSVs as in a TAO spec), train.csv and val.csv.

Only numpy, OpenCV, Pillow and (for the video) PyGObject/GStreamer are used.  Everything is
deterministic: each image draws from its own numpy Generator seeded with (split seed, index).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SAMPLE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_TRAIN_DIR = Path(tempfile.gettempdir()) / "tao2ds_multitask_sample_train"

# --------------------------------------------------------------------------------------------
# Classes (exactly the TAO sample's classmap; index = class id)
# --------------------------------------------------------------------------------------------
BASE_COLORS = ["Black", "Blue", "Brown", "Green", "Grey", "Navy Blue", "Pink", "Purple", "Red",
               "Silver", "White"]
CATEGORIES = ["Bags", "Bottomwear", "Eyewear", "Fragrance", "Innerwear", "Jewellery", "Sandal",
              "Shoes", "Topwear", "Watches"]
SEASONS = ["Fall", "Spring", "Summer", "Winter"]
TASKS = {"base_color": BASE_COLORS, "category": CATEGORIES, "season": SEASONS}

# Object colours (RGB).  Pairs that could be confused are kept far apart:
# Blue/Navy Blue differ by ~90 in G and ~135 in B, Grey/Silver by ~80 in every channel,
# Black/Navy Blue by ~95 in B.
COLOR_RGB = {
    "Black": (18, 18, 18),
    "Blue": (40, 110, 250),
    "Brown": (125, 70, 28),
    "Green": (30, 165, 45),
    "Grey": (108, 108, 108),
    "Navy Blue": (22, 30, 118),
    "Pink": (255, 125, 185),
    "Purple": (135, 40, 175),
    "Red": (215, 22, 28),
    "Silver": (188, 190, 202),
    "White": (250, 250, 250),
}
OUTLINE_RGB = (35, 35, 35)  # thin dark outline: keeps every object colour visible on every season

# Season backgrounds (RGB): base colour + a texture of its own.
SEASON_BG = {
    "Fall": ((205, 118, 45), (176, 92, 34)),       # orange, darker diagonal stripes
    "Spring": ((160, 214, 122), (242, 236, 140)),  # light green, pale yellow blossom dots
    "Summer": ((246, 212, 96), (228, 182, 70)),    # sand yellow, horizontal waves
    "Winter": ((192, 212, 234), (255, 255, 255)),  # icy blue-grey, white snow dots
}

SRC_W, SRC_H = 90, 120          # source images (portrait; the model input is 60x80)
VIDEO_W, VIDEO_H = 240, 320
VIDEO_FPS, VIDEO_FRAMES, VIDEO_SCENE_LEN = 10, 120, 10

SEED = 42
SPLIT_SEEDS = {"train": 1001, "val": 2002, "cal": 3003, "video": 4004}
N_TRAIN, N_VAL, N_CAL = 6000, 300, 200
JPEG_QUALITY = 92


# --------------------------------------------------------------------------------------------
# Shapes, in object units (R = object radius), x to the right, y down.
#   ("poly", pts, mode)            filled polygon
#   ("ellipse", cx, cy, rx, ry, mode)
#   ("line", pts, width, mode)     thick open polyline
# mode "fill" adds to the object mask, "cut" removes from it, "detail" draws in outline colour.
# --------------------------------------------------------------------------------------------
def _arc(cx, cy, rx, ry, a0, a1, n=24):
    a = np.linspace(math.radians(a0), math.radians(a1), n)
    return [(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in a]


SHAPES = {
    "Bags": [  # trapezoid body with a handle
        ("poly", [(-0.95, 1.0), (0.95, 1.0), (0.75, -0.2), (-0.75, -0.2)], "fill"),
        ("line", _arc(0.0, -0.2, 0.45, 0.6, 180, 360), 0.17, "fill"),
        ("line", [(-0.75, 0.15), (0.75, 0.15)], 0.06, "detail"),
    ],
    "Bottomwear": [  # trousers
        ("poly", [(-0.7, -1.2), (0.7, -1.2), (0.82, 1.2), (0.22, 1.2), (0.0, -0.3),
                  (-0.22, 1.2), (-0.82, 1.2)], "fill"),
        ("line", [(-0.7, -0.92), (0.7, -0.92)], 0.06, "detail"),
    ],
    "Eyewear": [  # two lenses, a bridge and temples
        ("ellipse", -0.52, 0.05, 0.42, 0.38, "fill"),
        ("ellipse", 0.52, 0.05, 0.42, 0.38, "fill"),
        ("line", [(-0.2, -0.12), (0.0, -0.2), (0.2, -0.12)], 0.13, "fill"),
        ("line", [(-0.9, -0.08), (-1.05, -0.5)], 0.11, "fill"),
        ("line", [(0.9, -0.08), (1.05, -0.5)], 0.11, "fill"),
    ],
    "Fragrance": [  # bottle with neck and cap
        ("poly", [(-0.62, -0.2), (0.62, -0.2), (0.62, 1.2), (-0.62, 1.2)], "fill"),
        ("poly", [(-0.2, -0.62), (0.2, -0.62), (0.2, -0.2), (-0.2, -0.2)], "fill"),
        ("poly", [(-0.38, -1.05), (0.38, -1.05), (0.38, -0.62), (-0.38, -0.62)], "fill"),
        ("line", [(-0.2, -0.62), (0.2, -0.62)], 0.06, "detail"),
    ],
    "Innerwear": [  # briefs: wide band narrowing to a crotch
        ("poly", [(-1.02, -0.6), (1.02, -0.6), (0.96, -0.25), (0.28, 0.62), (-0.28, 0.62),
                  (-0.96, -0.25)], "fill"),
        ("line", [(-0.98, -0.4), (0.98, -0.4)], 0.06, "detail"),
    ],
    "Jewellery": [  # ring with a stone
        ("ellipse", 0.0, 0.22, 0.78, 0.78, "fill"),
        ("ellipse", 0.0, 0.22, 0.44, 0.44, "cut"),
        ("poly", [(0.0, -1.05), (0.36, -0.66), (0.0, -0.36), (-0.36, -0.66)], "fill"),
    ],
    "Sandal": [  # flip-flop seen from above: long sole with a dark V strap
        ("ellipse", 0.0, 0.08, 0.5, 1.18, "fill"),
        ("line", [(-0.45, 0.12), (0.0, -0.62), (0.45, 0.12)], 0.13, "detail"),
    ],
    "Shoes": [  # side profile of a shoe
        ("poly", [(-1.0, 0.62), (-1.0, -0.4), (-0.45, -0.4), (-0.3, -0.08), (0.45, 0.1),
                  (0.92, 0.3), (1.02, 0.62)], "fill"),
        ("poly", [(-1.02, 0.6), (1.04, 0.6), (1.04, 0.8), (-1.02, 0.8)], "fill"),
        ("line", [(-1.0, 0.6), (1.02, 0.6)], 0.06, "detail"),
    ],
    "Topwear": [  # T-shirt
        ("poly", [(-0.35, -1.0), (-1.0, -0.62), (-0.76, -0.1), (-0.5, -0.3), (-0.5, 1.1),
                  (0.5, 1.1), (0.5, -0.3), (0.76, -0.1), (1.0, -0.62), (0.35, -1.0),
                  (0.0, -0.78)], "fill"),
    ],
    "Watches": [  # strap and a round face with hands
        ("poly", [(-0.3, -1.25), (0.3, -1.25), (0.3, 1.25), (-0.3, 1.25)], "fill"),
        ("ellipse", 0.0, 0.0, 0.58, 0.58, "fill"),
        ("line", _arc(0.0, 0.0, 0.46, 0.46, 0, 360, 40), 0.05, "detail"),
        ("line", [(0.0, -0.33), (0.0, 0.0), (0.24, 0.12)], 0.07, "detail"),
    ],
}
assert list(SHAPES) == CATEGORIES


# --------------------------------------------------------------------------------------------
# Scene parameters and rendering
# --------------------------------------------------------------------------------------------
def sample_scene(rng: np.random.Generator, color: int, category: int, season: int) -> dict:
    """All random choices of one scene, in size-independent units."""
    n_dots = 60
    return {
        "color": color, "category": category, "season": season,
        "cx": 0.5 + rng.uniform(-0.07, 0.07), "cy": 0.5 + rng.uniform(-0.06, 0.06),
        "radius": 0.32 * rng.uniform(0.88, 1.08),          # in image widths
        "angle": rng.uniform(-12.0, 12.0),                   # degrees
        "color_jitter": rng.uniform(-8, 8, size=3),
        "shade": (rng.uniform(-0.07, 0.07), rng.uniform(-0.07, 0.07)),  # object gradient
        "bg_jitter": rng.uniform(-10, 10, size=3),
        "bg_grad": (rng.uniform(-0.06, 0.06), rng.uniform(-0.06, 0.06)),
        "tex_phase": rng.uniform(0, 1),
        "tex_dots": rng.uniform(0, 1, size=(n_dots, 2)) * (1.0, SRC_H / SRC_W),
        "tex_dot_r": rng.uniform(0.012, 0.022, size=n_dots),
        "brightness": rng.uniform(0.93, 1.07),
        "noise_seed": int(rng.integers(0, 2**31 - 1)),
    }


def _background(p: dict, wc: int, hc: int) -> np.ndarray:
    """Season background at canvas size, float32 RGB.  Coordinates are in image widths."""
    season = SEASONS[p["season"]]
    base, tex = (np.array(c, np.float32) for c in SEASON_BG[season])
    base = base + p["bg_jitter"].astype(np.float32)
    tex = tex + p["bg_jitter"].astype(np.float32) * 0.5
    ys, xs = np.mgrid[0:hc, 0:wc].astype(np.float32)
    xn, yn = (xs + 0.5) / wc, (ys + 0.5) / wc
    img = np.empty((hc, wc, 3), np.float32)
    img[:] = base
    if season == "Fall":
        stripes = ((xn + yn) / 0.16 + p["tex_phase"]) % 1.0 < 0.42
        img[stripes] = tex
    elif season == "Summer":
        wave = np.sin(2 * np.pi * (yn / 0.13 + 0.25 * np.sin(2 * np.pi * xn / 0.5) + p["tex_phase"]))
        img[wave > 0.45] = tex
    else:  # Spring (blossoms) and Winter (snow): dots
        canvas = img
        for (dx, dy), r in zip(p["tex_dots"], p["tex_dot_r"]):
            cv2.circle(canvas, (int(dx * wc), int(dy * wc)), max(1, int(r * wc)),
                       tuple(float(v) for v in tex), -1, lineType=cv2.LINE_8)
    gx, gy = p["bg_grad"]
    img *= (1.0 + gx * (xn - 0.5) * 2 + gy * (yn - 0.67) * 1.5)[..., None]
    return img


def _to_px(pts, p, wc, hc, dx=0.0, dy=0.0):
    r = p["radius"] * wc
    a = math.radians(p["angle"])
    ca, sa = math.cos(a), math.sin(a)
    pts = np.asarray(pts, np.float64)
    x = pts[:, 0] * ca - pts[:, 1] * sa
    y = pts[:, 0] * sa + pts[:, 1] * ca
    cx, cy = (p["cx"] + dx) * wc, (p["cy"] + dy) * hc
    return np.stack([cx + x * r, cy + y * r], axis=1)


def _prim_points(prim):
    if prim[0] == "ellipse":
        _, ex, ey, rx, ry, _m = prim
        return _arc(ex, ey, rx, ry, 0, 360, 72)
    return prim[1]


def render_scene(p: dict, width: int, height: int, dx: float = 0.0, dy: float = 0.0,
                 noise_seed: int | None = None) -> np.ndarray:
    """Render scene ``p`` at ``width`` x ``height`` (RGB uint8).

    The scene is drawn on a supersampled canvas (>= 360 px wide) at the requested size and
    reduced with INTER_AREA, so a 240x320 video frame is drawn, not upscaled.  ``dx``/``dy``
    shift the object (image fractions) for the video's slow drift.
    """
    ss = max(1, math.ceil(360 / width))
    wc, hc = width * ss, height * ss
    img = _background(p, wc, hc)
    r_px = p["radius"] * wc

    mask = np.zeros((hc, wc), np.uint8)
    details = []
    for prim in SHAPES[CATEGORIES[p["category"]]]:
        mode = prim[-1]
        pts = np.round(_to_px(_prim_points(prim), p, wc, hc, dx, dy)).astype(np.int32)
        if mode == "detail":
            details.append((pts, prim[2]))
            continue
        val = 255 if mode == "fill" else 0
        if prim[0] == "line":
            cv2.polylines(mask, [pts], False, val, max(1, int(round(prim[2] * r_px))), cv2.LINE_8)
        else:
            cv2.fillPoly(mask, [pts], val, cv2.LINE_8)

    outline_px = max(1, int(round(0.022 * wc)))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * outline_px + 1, 2 * outline_px + 1))
    dil = cv2.dilate(mask, k) > 0
    obj = mask > 0
    img[dil] = OUTLINE_RGB

    color = np.array(COLOR_RGB[BASE_COLORS[p["color"]]], np.float32) + p["color_jitter"]
    ys, xs = np.nonzero(obj)
    sx, sy = p["shade"]
    shade = 1.0 + sx * (xs / wc - p["cx"]) * 4 + sy * (ys / hc - p["cy"]) * 4
    img[ys, xs] = np.clip(color[None, :] * shade[:, None], 0, 255)

    for pts, w in details:
        cv2.polylines(img, [pts], False, OUTLINE_RGB, max(1, int(round(w * r_px))), cv2.LINE_8)

    small = cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA)
    nrng = np.random.default_rng(p["noise_seed"] if noise_seed is None else noise_seed)
    small = small * p["brightness"] + nrng.normal(0.0, 2.5, size=small.shape)
    return np.clip(np.round(small), 0, 255).astype(np.uint8)


def balanced_labels(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    """Labels for n images: each task cycles through its classes, shuffled independently."""
    cols = []
    for classes in TASKS.values():
        lab = np.resize(np.arange(len(classes)), n)
        rng.shuffle(lab)
        cols.append(lab)
    return list(zip(*(c.tolist() for c in cols)))


def make_split(split: str, n: int) -> list[tuple[dict, tuple[int, int, int]]]:
    labels = balanced_labels(np.random.default_rng([SEED, SPLIT_SEEDS[split], 0]), n)
    out = []
    for i, (c, k, s) in enumerate(labels):
        rng = np.random.default_rng([SEED, SPLIT_SEEDS[split], 1, i])
        out.append((sample_scene(rng, c, k, s), (c, k, s)))
    return out


def save_jpeg(rgb: np.ndarray, path: Path) -> None:
    Image.fromarray(rgb).save(path, format="JPEG", quality=JPEG_QUALITY)


def label_names(lab) -> list[str]:
    c, k, s = lab
    return [BASE_COLORS[c], CATEGORIES[k], SEASONS[s]]


def write_image_split(split, n, img_dir: Path, prefix: str, csv_path: Path | None):
    img_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (p, lab) in enumerate(make_split(split, n)):
        name = f"{prefix}_{i:04d}.jpg"
        save_jpeg(render_scene(p, SRC_W, SRC_H), img_dir / name)
        rows.append([name] + label_names(lab))
    if csv_path is not None:
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["fname", "base_color", "category", "season"])
            w.writerows(rows)
    return rows


# --------------------------------------------------------------------------------------------
# Video through GStreamer
# --------------------------------------------------------------------------------------------
def video_frames():
    """(frame RGB 240x320, labels) for the 120 frames: 12 scenes of 10 frames each."""
    rng = np.random.default_rng([SEED, SPLIT_SEEDS["video"], 0])
    n_scenes = VIDEO_FRAMES // VIDEO_SCENE_LEN
    # cover every class: a permutation of each task's classes, topped up at random
    def cover(n_cls):
        lab = rng.permutation(n_cls).tolist()
        while len(lab) < n_scenes:
            lab += rng.permutation(n_cls).tolist()
        return lab[:n_scenes]
    colors, cats, seasons = cover(len(BASE_COLORS)), cover(len(CATEGORIES)), cover(len(SEASONS))
    for s in range(n_scenes):
        srng = np.random.default_rng([SEED, SPLIT_SEEDS["video"], 1, s])
        p = sample_scene(srng, colors[s], cats[s], seasons[s])
        vx, vy = srng.uniform(-0.004, 0.004), srng.uniform(-0.003, 0.003)  # drift per frame
        for f in range(VIDEO_SCENE_LEN):
            t = f - VIDEO_SCENE_LEN / 2
            frame = render_scene(p, VIDEO_W, VIDEO_H, dx=vx * t, dy=vy * t,
                                 noise_seed=p["noise_seed"] + f)
            yield frame, (colors[s], cats[s], seasons[s])


def encode_video(frames: list[np.ndarray], path: Path) -> None:
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst

    Gst.init(None)
    h, w = frames[0].shape[:2]
    desc = (
        f"appsrc name=src is-live=false format=time "
        f"caps=video/x-raw,format=RGB,width={w},height={h},framerate={VIDEO_FPS}/1 "
        f"! videoconvert ! video/x-raw,format=I420 "
        f"! x264enc tune=zerolatency speed-preset=medium key-int-max={VIDEO_SCENE_LEN} "
        f"threads=1 pass=qual quantizer=20 "
        f"! video/x-h264,profile=main ! h264parse ! mp4mux ! filesink location={path}"
    )
    pipe = Gst.parse_launch(desc)
    src = pipe.get_by_name("src")
    pipe.set_state(Gst.State.PLAYING)
    dur = Gst.SECOND // VIDEO_FPS
    for i, fr in enumerate(frames):
        buf = Gst.Buffer.new_wrapped(np.ascontiguousarray(fr).tobytes())
        buf.pts = i * dur
        buf.dts = i * dur
        buf.duration = dur
        if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
            raise RuntimeError(f"appsrc refused frame {i}")
    src.emit("end-of-stream")
    msg = pipe.get_bus().timed_pop_filtered(60 * Gst.SECOND,
                                            Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is None or msg.type == Gst.MessageType.ERROR:
        err = msg.parse_error() if msg is not None else "timeout"
        raise RuntimeError(f"GStreamer encode failed: {err}")


def zero_mp4_timestamps(path: Path) -> None:
    """Zero the creation/modification times mp4mux writes (mvhd, tkhd, mdhd), so that a
    regenerated sample.mp4 is byte-identical to the shipped one."""
    data = bytearray(path.read_bytes())

    def walk(start: int, end: int) -> None:
        pos = start
        while pos + 8 <= end:
            size = int.from_bytes(data[pos:pos + 4], "big")
            kind = bytes(data[pos + 4:pos + 8])
            hdr = 8
            if size == 1:
                size, hdr = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
            elif size == 0:
                size = end - pos
            if size < hdr or pos + size > end:
                return
            if kind in (b"moov", b"trak", b"mdia"):
                walk(pos + hdr, pos + size)
            elif kind in (b"mvhd", b"tkhd", b"mdhd"):
                body = pos + hdr
                n = 8 if data[body] == 1 else 4
                data[body + 4:body + 4 + 2 * n] = bytes(2 * n)
            pos += size

    walk(0, len(data))
    path.write_bytes(bytes(data))


def decode_video(path: Path) -> list[np.ndarray]:
    """Decode an MP4 back to RGB frames through GStreamer (used for checks)."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst

    Gst.init(None)
    pipe = Gst.parse_launch(
        f"filesrc location={path} ! qtdemux ! h264parse ! avdec_h264 ! videoconvert "
        f"! video/x-raw,format=RGB ! appsink name=sink sync=false emit-signals=false")
    sink = pipe.get_by_name("sink")
    pipe.set_state(Gst.State.PLAYING)
    frames = []
    while True:
        sample = sink.emit("try-pull-sample", 10 * Gst.SECOND)
        if sample is None:
            break
        caps = sample.get_caps().get_structure(0)
        w, h = caps.get_value("width"), caps.get_value("height")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        stride = len(info.data) // h
        arr = np.frombuffer(info.data, np.uint8).reshape(h, stride)[:, : w * 3].reshape(h, w, 3)
        frames.append(arr.copy())
        buf.unmap(info)
    msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is not None:
        raise RuntimeError(f"GStreamer decode failed: {msg.parse_error()}")
    return frames


def write_video(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    frames, labels = [], []
    for fr, lab in video_frames():
        frames.append(fr)
        labels.append(lab)
    encode_video(frames, out_dir / "sample.mp4")
    zero_mp4_timestamps(out_dir / "sample.mp4")
    with open(out_dir / "truth.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["frame", "base_color", "category", "season"])
        for i, lab in enumerate(labels):
            w.writerow([i] + label_names(lab))
    n = len(decode_video(out_dir / "sample.mp4"))
    if n != VIDEO_FRAMES:
        raise RuntimeError(f"sample.mp4 decodes to {n} frames, expected {VIDEO_FRAMES}")


# --------------------------------------------------------------------------------------------
def generate_train(train_dir: Path, n_train: int = N_TRAIN) -> None:
    """Training set (not shipped) in train_dir: images/, train.csv, val.csv."""
    if train_dir.exists():
        shutil.rmtree(train_dir)
    img_dir = train_dir / "images"
    write_image_split("train", n_train, img_dir, "train", train_dir / "train.csv")
    # validation copies so that one image_directory_path serves both CSVs, as in a TAO spec
    val_dir = SAMPLE_DIR / "validation"
    for f in sorted((val_dir / "images").glob("val_*.jpg")):
        shutil.copy2(f, img_dir / f.name)
    shutil.copy2(val_dir / "labels.csv", train_dir / "val.csv")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train-dir", type=Path, default=DEFAULT_TRAIN_DIR,
                    help=f"where the (unshipped) training set goes (default {DEFAULT_TRAIN_DIR})")
    ap.add_argument("--n-train", type=int, default=N_TRAIN)
    ap.add_argument("--skip-train", action="store_true", help="only the shipped files")
    ap.add_argument("--skip-video", action="store_true")
    args = ap.parse_args(argv)

    for d in ("calibration", "validation"):
        if (SAMPLE_DIR / d).exists():
            shutil.rmtree(SAMPLE_DIR / d)
    write_image_split("cal", N_CAL, SAMPLE_DIR / "calibration", "cal", None)
    print(f"calibration: {N_CAL} images")
    write_image_split("val", N_VAL, SAMPLE_DIR / "validation" / "images", "val",
                      SAMPLE_DIR / "validation" / "labels.csv")
    print(f"validation: {N_VAL} images + labels.csv")
    if not args.skip_video:
        write_video(SAMPLE_DIR / "video")
        print(f"video: sample.mp4 ({VIDEO_FRAMES} frames) + truth.csv")
    if not args.skip_train:
        generate_train(args.train_dir, args.n_train)
        print(f"training set: {args.n_train} images in {args.train_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
