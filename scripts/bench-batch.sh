#!/usr/bin/env bash
# Benchmark of `picscribe describe --batch` (issue 19), against the stub's batch service:
# 10,000 small photos prepared, written as batch lines, cut into batches by the
# provider's limits and submitted (`--no-wait`): the time that takes, its peak RSS, and the
# bytes uploaded against the sum of the prepared images (the JSONL's overhead). Prints
# figures; asserts nothing. Needs target/release/picscribe and stub-provider (bench.sh
# builds them); installs libvips-tools when missing. SMALL sets the count.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
small_n="${SMALL:-10000}"
bin="$root/target/release/picscribe"
work="$(mktemp -d -p "${TMPDIR:-/tmp}")"
trap 'kill $stub_pid 2>/dev/null || true; rm -rf "$work"' EXIT

missing=()
command -v vips >/dev/null || missing+=(libvips-tools)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

port=3997
key=sk-bench-0123456789abcdefghij
STUB_API_KEY=$key STUB_PIECE_DELAY_MS=0 target/release/stub-provider $port >/dev/null &
stub_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__stub/requests" >/dev/null && break; sleep 0.1; done
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

# Small photos (640×480, noise like a photo's), each different by a comment segment.
vips gaussnoise "$work/noise.v" 640 480 --sigma 40
vips gaussblur "$work/noise.v" "$work/blur.v" 1.2
vips colourspace "$work/blur.v" "$work/base.jpg[Q=85]" srgb
python3 - "$work/base.jpg" "$work/small" "$small_n" <<'PY'
import os, sys
base, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(base, "rb").read()
for i in range(n):
    folder = os.path.join(root, f"{i // 1000:02d}")
    os.makedirs(folder, exist_ok=True)
    note = f"small {i}".encode()
    with open(os.path.join(folder, f"s{i:05d}.jpg"), "wb") as f:
        f.write(data[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + data[2:])
PY
read -r secs kb < <(measure env -i PATH="$PATH" OPENAI_API_KEY=$key OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
  PICSCRIBE_BATCH_SERVICE=true PICSCRIBE_DATA_DIR="$work/data" "$bin" describe "$work/small" --batch --no-wait --parallel 8)
curl -sf "http://127.0.0.1:$port/__stub/batches" >"$work/batches.json"
curl -sf -X POST "http://127.0.0.1:$port/__stub/batches/finish"
curl -sf "http://127.0.0.1:$port/__stub/requests" >"$work/requests.json"
python3 - "$work/batches.json" "$work/requests.json" "$small_n" "$secs" "$kb" <<'PY'
import json, math, sys
batches = json.load(open(sys.argv[1]))
requests = json.load(open(sys.argv[2]))
n, secs, kb = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
uploaded = sum(b["bytes"] for b in batches)
lines = sum(len(b["custom_ids"]) for b in batches)
images = sum(r["image_bytes"] for r in requests)
as_base64 = sum(4 * math.ceil(r["image_bytes"] / 3) for r in requests)
print(f"batch {n} small photos prepared and submitted in {secs:.1f} s ({n / secs:.0f} images/s), peak RSS {kb / 1024:.0f} MB, "
      f"{len(batches)} batches of {lines} lines")
print(f"batch uploaded {uploaded / 1e6:.1f} MB for {images / 1e6:.1f} MB of prepared images ({as_base64 / 1e6:.1f} MB in base64): "
      f"{100 * (uploaded - as_base64) / as_base64:.1f} % over the base64, {100 * (uploaded - images) / images:.0f} % over the bytes")
PY
