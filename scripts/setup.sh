#!/usr/bin/env bash
# One-time setup on Debian 12 (or Ubuntu 22.04+): system packages for GStreamer/PyGObject and
# OpenSSH, then a project virtualenv in .venv with the Python dependencies.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv python3-dev gcc pkg-config
  libgirepository1.0-dev libcairo2-dev
  gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gir1.2-gst-rtsp-server-1.0
  openssh-client openssh-server rsync
  chromium chromium-driver
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
echo "setup: installing Python dependencies into .venv"
.venv/bin/python -m pip install -q -e '.[gst,test,report,triton]'

# NVIDIA's .etlt codec (nvidia-eff-tao-encryption, for ONNX-payload .etlt models) has wheels for CPython 3.10
# and 3.12 only, so it gets a small venv of its own, .venv-codec, which tao2ds/model/etlt.py runs its decode
# helper with. Optional: without such a Python, .etlt ONNX payloads are refused with this hint.
if [ ! -x .venv-codec/bin/python ]; then
  CODEC_PY=""
  for c in ${CODEC_PYTHON:-} python3.12 python3.10 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 \
           "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do
    if "$c" -c 'import sys; assert sys.version_info[:2] in ((3, 10), (3, 12))' >/dev/null 2>&1; then
      CODEC_PY=$c; break
    fi
  done
  if [ -n "$CODEC_PY" ]; then
    echo "setup: creating .venv-codec with $($CODEC_PY --version) for NVIDIA's .etlt codec"
    "$CODEC_PY" -m venv .venv-codec && .venv-codec/bin/python -m pip install -q nvidia-eff-tao-encryption \
      || { echo "setup: could not install nvidia-eff-tao-encryption; ONNX .etlt models will not decrypt"; rm -rf .venv-codec; }
  else
    echo "setup: no CPython 3.10/3.12 found: ONNX .etlt models will not decrypt (set CODEC_PYTHON=<python3.12>)"
  fi
fi

# A real Triton server for the tests, run.backend=triton and benchmarks/bench_triton.py: the
# tritonserver binary (Python backend only) inside the nvidia-pytriton wheel. PyTriton pins
# numpy<2, so it gets its own venv; its Python-backend stand-in model runs ONNX Runtime there.
if [ ! -x .venv-triton/bin/python ]; then
  echo "setup: creating .venv-triton (Triton server from nvidia-pytriton)"
  $PY -m venv .venv-triton
fi
if ! .venv-triton/bin/python -c "import pytriton, onnxruntime" 2>/dev/null; then
  echo "setup: installing nvidia-pytriton and onnxruntime into .venv-triton"
  .venv-triton/bin/python -m pip install -q --upgrade pip
  .venv-triton/bin/python -m pip install -q "nvidia-pytriton>=0.5" onnxruntime "numpy<2"
fi
echo "setup: done. Use .venv/bin/doit (or 'source .venv/bin/activate')."
