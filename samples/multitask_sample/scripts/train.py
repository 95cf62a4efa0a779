#!/usr/bin/env python3
"""Train the bundled sample's small multitask classifier and export it like a TAO model.

Reads the training set that generate.py writes to a temporary directory (and generates it if it
is missing), trains a small CNN on CPU with torch, exports samples/multitask_sample/model.onnx
(input ``input_1`` N x 3 x 80 x 60, outputs ``season/Softmax``, ``category/Softmax``,
``base_color/Softmax`` in that order), writes classmap.json and spec.txt, then checks the export
with onnx.checker and ONNX Runtime and reports per-task accuracy from ONNX Runtime on
validation/ and on the frames of video/sample.mp4 decoded through GStreamer.

torch is used only here (pip install torch==2.13.0); the tao2ds product never imports it.

``--variant tao5`` trains the same network the same way (same seeds, so the same weights) and exports
it shaped like a real TAO 5 multitask export instead (reference tao-tools.md §4.4): outputs named
after the tasks, ``base_color``, ``category``, ``season``, in sorted task order, each ``N x C`` with
a dynamic batch. It writes samples/multitask_tao5/ (model.onnx, classmap.json, spec.txt).

Preprocessing is exactly what DeepStream's nvinfer does with net-scale-factor=1.0,
offsets=103.939;116.779;123.68, model-color-format=1 (BGR): RGB uint8 image -> cv2.resize to
60x80 (INTER_LINEAR) -> BGR -> float32 -> minus per-channel mean -> CHW.  No scaling.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as gen  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SAMPLE_DIR = gen.SAMPLE_DIR
IN_W, IN_H = 60, 80
MEAN_BGR = np.array([103.939, 116.779, 123.68], np.float32)
TASK_ORDER = ["base_color", "category", "season"]          # classmap order (sorted, as TAO)
OUTPUT_ORDER = ["season", "category", "base_color"]         # graph output order (NVIDIA sample)
VARIANTS = {  # output directory, graph output order, output tensor name per task
    "uff_names": (SAMPLE_DIR, OUTPUT_ORDER, "{task}/Softmax"),
    # TAO 5: keras2onnx names each output after its Keras Dense layer, i.e. the task, and
    # model_builder.py builds the heads in sorted(task) order (reference tao-tools.md §4.4)
    "tao5": (SAMPLE_DIR.parent / "multitask_tao5", TASK_ORDER, "{task}"),
}
SEED = gen.SEED
EPOCHS = 12
BATCH = 64
LR = 3e-3


# --------------------------------------------------------------------------------------------
# Preprocessing (exactly nvinfer's, see module docstring)
# --------------------------------------------------------------------------------------------
def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def to_tensor_layout(rgb60x80: np.ndarray) -> np.ndarray:
    bgr = rgb60x80[..., ::-1].astype(np.float32)
    return (bgr - MEAN_BGR).transpose(2, 0, 1)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    return to_tensor_layout(cv2.resize(rgb, (IN_W, IN_H), interpolation=cv2.INTER_LINEAR))


# --------------------------------------------------------------------------------------------
# Augmentation at source resolution, before the resize to 60x80
# --------------------------------------------------------------------------------------------
_INTERPS = [cv2.INTER_LINEAR] * 5 + [cv2.INTER_AREA, cv2.INTER_NEAREST, cv2.INTER_CUBIC]


def augment(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random crop / scale jitter / shift of the source image, then a resize to 60x80.

    Sometimes the source is first enlarged 2-3x, so that the final INTER_LINEAR reduction has
    the sharp, aliased look of a 240x320 video frame scaled straight down to 60x80.
    """
    src = rgb
    h, w = src.shape[:2]
    if rng.random() < 0.35:
        f = rng.uniform(2.0, 3.0)
        src = cv2.resize(src, (int(round(w * f)), int(round(h * f))),
                         interpolation=cv2.INTER_CUBIC if rng.random() < 0.5 else cv2.INTER_LINEAR)
        h, w = src.shape[:2]
    # crop box in source pixels: scale jitter 0.88..1.06, mild aspect jitter, shift
    s = rng.uniform(0.88, 1.06)
    cw, ch = w * s * rng.uniform(0.96, 1.04), h * s * rng.uniform(0.96, 1.04)
    x0 = (w - cw) / 2 + rng.uniform(-0.05, 0.05) * w
    y0 = (h - ch) / 2 + rng.uniform(-0.05, 0.05) * h
    sx, sy = IN_W / cw, IN_H / ch
    # same pixel-centre convention as cv2.resize: dst = (src + 0.5) * scale - 0.5
    m = np.array([[sx, 0, (0.5 - x0) * sx - 0.5], [0, sy, (0.5 - y0) * sy - 0.5]], np.float64)
    interp = _INTERPS[rng.integers(len(_INTERPS))]
    if interp == cv2.INTER_AREA or (interp == cv2.INTER_NEAREST and rng.random() < 0.5):
        # resize-based path (warpAffine has no area mode): crop then resize
        xa, ya = int(max(0, round(x0))), int(max(0, round(y0)))
        xb, yb = int(min(w, round(x0 + cw))), int(min(h, round(y0 + ch)))
        out = cv2.resize(src[ya:yb, xa:xb], (IN_W, IN_H), interpolation=interp)
    else:
        out = cv2.warpAffine(src, m, (IN_W, IN_H), flags=interp, borderMode=cv2.BORDER_REFLECT)
    out = out.astype(np.float32)
    if rng.random() < 0.5:  # photometric jitter, small
        out = out * rng.uniform(0.95, 1.05) + rng.uniform(-5, 5)
    if rng.random() < 0.5:
        out = out + rng.normal(0, rng.uniform(0.5, 3.0), out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------
def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class SmallMultitaskNet(nn.Module):
    """5 conv stages (3x3 conv + BN + ReLU, max-pool between), global average pool, 3 heads."""

    def __init__(self, n_classes: dict[str, int], widths=(16, 24, 48, 64, 64)):
        super().__init__()
        layers, cin = [], 3
        for i, c in enumerate(widths):
            layers.append(conv_bn(cin, c))
            if i < len(widths) - 1:
                layers.append(nn.MaxPool2d(2, ceil_mode=False))
            cin = c
        self.features = nn.Sequential(*layers)
        self.heads = nn.ModuleDict({t: nn.Linear(cin, n) for t, n in n_classes.items()})

    def forward(self, x):
        f = self.features(x).mean(dim=(2, 3))
        return {t: head(f) for t, head in self.heads.items()}


class ExportWrapper(nn.Module):
    """Softmax outputs in the graph order (season, category, base_color unless told otherwise)."""

    def __init__(self, net: SmallMultitaskNet, order=OUTPUT_ORDER):
        super().__init__()
        self.net = net
        self.order = list(order)

    def forward(self, x):
        f = self.net.features(x)
        f = torch.flatten(F.adaptive_avg_pool2d(f, 1), 1)
        return tuple(torch.softmax(self.net.heads[t](f), dim=1) for t in self.order)


def fuse_bn(net: SmallMultitaskNet) -> SmallMultitaskNet:
    """Fold every BatchNorm into the conv before it (eval mode), for a plain Conv/Relu graph."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    for block in net.features:
        if isinstance(block, nn.Sequential) and isinstance(block[1], nn.BatchNorm2d):
            block[0] = fuse_conv_bn_eval(block[0], block[1])
            block[1] = nn.Identity()
    return net


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
def read_csv(path: Path, img_dir: Path):
    imgs, labels = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            imgs.append(load_rgb(img_dir / row["fname"]))
            labels.append([gen.TASKS[t].index(row[t]) for t in TASK_ORDER])
    return np.stack(imgs), np.array(labels, np.int64)


def batch_predict_ort(sess, x: np.ndarray, bs: int = 100) -> dict[str, np.ndarray]:
    outs = {t: [] for t in OUTPUT_ORDER}
    names = [o.name for o in sess.get_outputs()]
    for i in range(0, len(x), bs):
        res = sess.run(None, {"input_1": x[i:i + bs]})
        for n, r in zip(names, res):
            outs[n.split("/")[0]].append(r)  # "season/Softmax" or "season"
    return {t: np.concatenate(v) for t, v in outs.items()}


def accuracies(probs: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, float]:
    return {t: float((probs[t].argmax(1) == labels[:, j]).mean()) for j, t in enumerate(TASK_ORDER)}


def fmt(acc: dict[str, float]) -> str:
    return "  ".join(f"{t}={100 * acc[t]:.2f}%" for t in TASK_ORDER)


# --------------------------------------------------------------------------------------------
def write_spec_tao5(path: Path, train_dir: Path, epochs: int, batch: int, lr: float) -> None:
    """The TAO 5 sample's spec: TAO's multitask Experiment, with dataset paths a user can follow.

    Its dataset_config names the shipped validation set (relative to this spec's folder, as tao2ds
    reads it), so `doit verify model=multitask_tao5` finds it without model.validation.
    """
    path.write_text(f"""\
# TAO 5 (TF1) multitask_classification experiment spec of the TAO 5-style sample.
# The model beside it is the bundled sample's small PyTorch CNN (not a real TAO ResNet-10),
# trained by samples/multitask_sample/scripts/train.py --variant tao5 exactly like
# samples/multitask_sample (same data, seeds and schedule, so the same weights), and exported the
# way TAO 5 exports: outputs base_color, category, season (sorted), each N x C.
# Trained on {train_dir / 'train.csv'} (not shipped); val_csv_path and image_directory_path
# name the shipped validation set, relative to this file. No preprocess_mode: the multitask
# Experiment has none, TAO multitask always trains with caffe preprocessing.
random_seed: {SEED}
model_config {{
  arch: "resnet"
  n_layers: 10
  use_batch_norm: true
  all_projections: true
  freeze_blocks: 0
  input_image_size: "3,{IN_H},{IN_W}"
  resize_interpolation_method: BILINEAR
}}
training_config {{
  batch_size_per_gpu: {batch}
  num_epochs: {epochs}
  checkpoint_interval: 1
  learning_rate {{
    soft_start_cosine_annealing_schedule {{
      min_learning_rate: 1e-6
      max_learning_rate: {lr:g}
      soft_start: 0.1
    }}
  }}
  regularizer {{
    type: L2
    weight: 5e-4
  }}
  optimizer {{
    adam {{
      epsilon: 1e-7
      beta1: 0.9
      beta2: 0.999
      amsgrad: false
    }}
  }}
}}
dataset_config {{
  train_csv_path: "{train_dir / 'train.csv'}"
  val_csv_path: "../multitask_sample/validation/labels.csv"
  image_directory_path: "../multitask_sample/validation/images"
}}
""")


def write_spec(path: Path, train_dir: Path, epochs: int, batch: int, lr: float) -> None:
    path.write_text(f"""\
# TAO (TF1) multitask classification experiment spec of the bundled sample.
# The model shipped beside it was trained by scripts/train.py: a small CNN in PyTorch, not a
# real TAO ResNet-10, with this batch size, epoch count and peak learning rate (AdamW with a
# one-cycle schedule, closest TAO equivalents below), on the synthetic set that
# scripts/generate.py writes to {train_dir}.
# No preprocess_mode is given: TAO multitask models default to "caffe"
# (BGR, per-channel mean 103.939/116.779/123.68 subtracted, no scaling).
random_seed: {SEED}
model_config {{
  arch: "resnet"
  n_layers: 10
  use_batch_norm: true
  all_projections: true
  freeze_blocks: 0
  input_image_size: "3,{IN_H},{IN_W}"
}}
training_config {{
  batch_size_per_gpu: {batch}
  num_epochs: {epochs}
  checkpoint_interval: 1
  learning_rate {{
    soft_start_cosine_annealing_schedule {{
      min_learning_rate: 1e-6
      max_learning_rate: {lr:g}
      soft_start: 0.1
    }}
  }}
  regularizer {{
    type: L2
    weight: 5e-4
  }}
  optimizer {{
    adam {{
      epsilon: 1e-7
      beta1: 0.9
      beta2: 0.999
      amsgrad: false
    }}
  }}
}}
dataset_config {{
  train_csv_path: "{train_dir / 'train.csv'}"
  val_csv_path: "{train_dir / 'val.csv'}"
  image_directory_path: "{train_dir / 'images'}"
}}
""")


def write_classmap(path: Path) -> None:
    cm = {"tasks": sorted(gen.TASKS),
          "class_mapping": {t: {str(i): n for i, n in enumerate(gen.TASKS[t])}
                            for t in sorted(gen.TASKS)}}
    path.write_text(json.dumps(cm, indent=2) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train-dir", type=Path, default=gen.DEFAULT_TRAIN_DIR)
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="uff_names",
                    help="uff_names: samples/multitask_sample (season/Softmax first); "
                         "tao5: samples/multitask_tao5 (base_color, category, season)")
    args = ap.parse_args(argv)
    out_dir, output_order, name_fmt = VARIANTS[args.variant]
    out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng([SEED, 7])

    if not (args.train_dir / "train.csv").exists():
        print(f"training set missing: generating it in {args.train_dir}")
        gen.generate_train(args.train_dir)
    t0 = time.time()
    x_train, y_train = read_csv(args.train_dir / "train.csv", args.train_dir / "images")
    x_val_img, y_val = read_csv(SAMPLE_DIR / "validation" / "labels.csv",
                                SAMPLE_DIR / "validation" / "images")
    x_val = np.stack([preprocess(im) for im in x_val_img])
    print(f"loaded {len(x_train)} training, {len(x_val)} validation images "
          f"in {time.time() - t0:.1f}s")

    n_classes = {t: len(gen.TASKS[t]) for t in TASK_ORDER}
    net = SmallMultitaskNet(n_classes)
    n_params = sum(p.numel() for p in net.parameters())
    print(f"model: {n_params} parameters")

    steps = args.epochs * (len(x_train) // BATCH)
    opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.1)
    yt = torch.from_numpy(y_train)
    for ep in range(args.epochs):
        net.train()
        t0 = time.time()
        order = rng.permutation(len(x_train))
        tot = 0.0
        for b in range(len(x_train) // BATCH):
            idx = order[b * BATCH:(b + 1) * BATCH]
            xb = torch.from_numpy(np.stack([to_tensor_layout(augment(x_train[i], rng))
                                            for i in idx]))
            out = net(xb)
            loss = sum(F.cross_entropy(out[t], yt[idx, j], label_smoothing=0.05)
                       for j, t in enumerate(TASK_ORDER))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        net.eval()
        with torch.no_grad():
            out = net(torch.from_numpy(x_val))
        acc = accuracies({t: out[t].numpy() for t in TASK_ORDER}, y_val)
        print(f"epoch {ep + 1:2d}/{args.epochs} loss {tot / (b + 1):.4f}  val(torch) {fmt(acc)}"
              f"  [{time.time() - t0:.1f}s]", flush=True)

    # ---- export ----------------------------------------------------------------------------
    net.eval()
    fuse_bn(net)
    wrapper = ExportWrapper(net, output_order).eval()
    onnx_path = out_dir / "model.onnx"
    dummy = torch.from_numpy(x_val[:2])
    out_names = [name_fmt.format(task=t) for t in output_order]
    torch.onnx.export(wrapper, (dummy,), str(onnx_path), dynamo=False, opset_version=17,
                      input_names=["input_1"], output_names=out_names,
                      dynamic_axes={"input_1": {0: "N"}, **{n: {0: "N"} for n in out_names}},
                      do_constant_folding=True)
    write_classmap(out_dir / "classmap.json")
    (write_spec_tao5 if args.variant == "tao5" else write_spec)(
        out_dir / "spec.txt", args.train_dir, args.epochs, BATCH, LR)

    import onnx
    import onnxruntime as ort
    m = onnx.load(str(onnx_path))
    for node in m.graph.node:  # name each Softmax node <task>/Softmax, as in NVIDIA's model
        if node.op_type == "Softmax" and node.output[0] in out_names:
            node.name = f"{output_order[out_names.index(node.output[0])]}/Softmax"
    onnx.save(m, str(onnx_path))
    onnx.checker.check_model(m, full_check=True)
    print("onnx.checker: ok")

    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
    for vi in m.graph.input:
        print(f"  input  {vi.name}: {dims(vi)}")
    for vi in m.graph.output:
        print(f"  output {vi.name}: {dims(vi)}")
    assert [o.name for o in m.graph.output] == out_names

    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    probs = batch_predict_ort(sess, x_val)
    with torch.no_grad():
        ref = wrapper(torch.from_numpy(x_val))
    diff = max(float(np.abs(probs[t] - r.numpy()).max()) for t, r in zip(output_order, ref))
    print(f"ORT vs torch: max |diff| = {diff:.2e}")
    assert diff < 1e-4, diff
    acc_val = accuracies(probs, y_val)
    print(f"validation accuracy (ONNX Runtime, {len(x_val)} images): {fmt(acc_val)}")

    # ---- video frames decoded through GStreamer ---------------------------------------------
    frames = gen.decode_video(SAMPLE_DIR / "video" / "sample.mp4")
    truth = []
    with open(SAMPLE_DIR / "video" / "truth.csv", newline="") as f:
        for row in csv.DictReader(f):
            truth.append([gen.TASKS[t].index(row[t]) for t in TASK_ORDER])
    assert len(frames) == len(truth) == gen.VIDEO_FRAMES, (len(frames), len(truth))
    acc_vid = accuracies(batch_predict_ort(sess, np.stack([preprocess(f) for f in frames])),
                         np.array(truth))
    print(f"video accuracy (ONNX Runtime, {len(frames)} decoded frames): {fmt(acc_vid)}")
    print(f"model.onnx: {onnx_path.stat().st_size} bytes, {n_params} parameters")
    ok = all(a >= 0.98 for a in acc_val.values()) and all(a >= 0.95 for a in acc_vid.values())
    if not ok:
        print("WARNING: accuracy below target (validation >= 98%, video >= 95% per task)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
