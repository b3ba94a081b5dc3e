#!/usr/bin/env bash
# Benchmark of the built-in text extraction (the `ocr` crate) on the project's own test
# set (`ocr::testset`: screenshots, scans, a two-column page, signs on noisy photos and
# photos with no text, drawn with Debian's DejaVu fonts), beside Tesseract (Debian's
# `tesseract-ocr`, its CLI, one process an image) and RapidOCR (its Python package with
# the same PP-OCRv4 models, loaded once) on the same images in the same run. Prints, per
# kind and engine, the character and word error rates and the milliseconds per image;
# asserts nothing. Installs tesseract-ocr when missing, and RapidOCR into a venv under
# .tools/. OCR_THREADS sets RTEN_NUM_THREADS and onnxruntime's threads (default: rten's and
# onnxruntime's own choice).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
models="${PICSCRIBE_DATA_DIR:-$root/data}/models/ppocr-v4"
work="$(mktemp -d -p "${TMPDIR:-/tmp}")"
trap 'rm -rf "$work"' EXIT

if ! command -v tesseract >/dev/null; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq tesseract-ocr
fi
venv="$root/.tools/rapidocr"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import rapidocr_onnxruntime" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q rapidocr-onnxruntime==1.4.4
fi
[[ -f "$models/ch_PP-OCRv4_det_infer.onnx" ]] || scripts/ocr-models.sh

cargo build --release -q -p ocr --example testset --example bench
examples="${CARGO_TARGET_DIR:-$root/target}/release/examples"
"$examples/testset" "$work/set"
[[ -n "${OCR_THREADS:-}" ]] && export RTEN_NUM_THREADS="$OCR_THREADS"

echo "picscribe (rten) ..." >&2
"$examples/bench" read "$models" "$work/set" "$work/out/picscribe"

echo "RapidOCR ..." >&2
"$venv/bin/python" - "$work/set" "$work/out/rapidocr" <<'PY'
import glob, os, sys, time
import cv2
from rapidocr_onnxruntime import RapidOCR
threads = int(os.environ.get("OCR_THREADS", "-1"))
engine = RapidOCR(intra_op_num_threads=threads) if threads > 0 else RapidOCR()
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
paths = sorted(glob.glob(os.path.join(src, "*.png")))
engine(cv2.imread(paths[0]))  # warm-up, as the Rust reader does
with open(os.path.join(out, "times.tsv"), "w") as times:
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        image = cv2.imread(path)
        started = time.perf_counter()
        result, _ = engine(image)
        ms = (time.perf_counter() - started) * 1000
        # One box a line, in the order RapidOCR returns them (top to bottom, left to right).
        text = "\n".join(box[1] for box in result or [])
        open(os.path.join(out, name + ".txt"), "w").write(text)
        times.write(f"{name}\t{ms:.1f}\n")
PY

echo "Tesseract ..." >&2
mkdir -p "$work/out/tesseract"
for image in "$work/set"/*.png; do
  name="$(basename "$image" .png)"
  started=$(date +%s%N)
  tesseract "$image" - 2>/dev/null >"$work/out/tesseract/$name.txt"
  echo -e "$name\t$(( ($(date +%s%N) - started) / 1000000 ))" >>"$work/out/tesseract/times.tsv"
done

echo
echo "OCR on the rendered test set ($(ls "$work/set"/*.png | wc -l) images, $(nproc) cores; Tesseract's time includes starting its CLI):"
"$examples/bench" score "$work/set" "$work/out" picscribe rapidocr tesseract
if [[ -n "${KEEP:-}" ]]; then
  mkdir -p "$KEEP" && cp -r "$work/set" "$work/out" "$KEEP/"
fi
