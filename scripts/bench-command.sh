#!/usr/bin/env bash
# Benchmarks of `picscribe describe` (issue 18), against the stub provider answering at
# once: 200 photos of 12 MP at --parallel 8 (images a second and peak RSS, beside
# vipsthumbnail making the same 1024×768 JPEGs in the same run), and 100,000 tiny files
# walked, keyed and planned when all are already described. Prints figures against the
# goals; asserts nothing. Needs target/release/picscribe and stub-provider (bench.sh
# builds them); installs libvips-tools when missing. PHOTOS and TINY set the counts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
photos_n="${PHOTOS:-200}"
tiny_n="${TINY:-100000}"
bin="$root/target/release/picscribe"
work="$(mktemp -d -p "${TMPDIR:-/tmp}")"
trap 'kill $stub_pid 2>/dev/null || true; rm -rf "$work"' EXIT

missing=()
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

port=3998
STUB_API_KEY=sk-bench-0123456789abcdefghij STUB_PIECE_DELAY_MS=0 target/release/stub-provider $port >/dev/null &
stub_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__stub/requests" >/dev/null && break; sleep 0.1; done
# `picscribe describe` with a data directory of its own, against the stub.
run=(env -i PATH="$PATH" OPENAI_API_KEY=sk-bench-0123456789abcdefghij OPENAI_BASE_URL="http://127.0.0.1:$port/v1")
# Wall seconds and peak RSS (kB) of a command, from GNU time (its last line on stderr).
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

# 200 photos: noise, so they encode and decode like photos, each a little different.
mkdir -p "$work/photos"
vips gaussnoise "$work/noise.v" 4000 3000 --sigma 40
vips gaussblur "$work/noise.v" "$work/blur.v" 1.5
vips colourspace "$work/blur.v" "$work/base.v" srgb
for i in $(seq -w 1 "$photos_n"); do
  vips linear "$work/base.v" "$work/photos/p$i.jpg[Q=90]" 0.6 "$((10#$i))"
done
read -r ours_secs ours_kb < <(measure "${run[@]}" PICSCRIBE_DATA_DIR="$work/data-photos" "$bin" describe "$work/photos" --parallel 8)
mkdir -p "$work/thumbs"
read -r vips_secs _ < <(measure bash -c "vipsthumbnail '$work'/photos/*.jpg --size 1024x768 -o '$work/thumbs/%s.jpg[Q=85]'")
awk -v n="$photos_n" -v o="$ours_secs" -v v="$vips_secs" -v kb="$ours_kb" 'BEGIN {
  printf "command %d photos of 12 MP at --parallel 8: %.1f images/s, peak RSS %.0f MB (goal ≤ 300)\n", n, n / o, kb / 1024
  printf "vipsthumbnail the same photos to 1024x768: %.1f images/s; picscribe at %.0f %% of it (goal ≥ 50 %%)\n", n / v, 100 * v / o
}'

# 100,000 tiny files, each different (a comment segment after the JPEG's start), in
# folders of 1,000; described once, then timed when every one is already described.
python3 - "$work/tiny" "$tiny_n" <<'PY'
import os, subprocess, sys
root, n = sys.argv[1], int(sys.argv[2])
base = os.path.join(root, "base.jpg")
os.makedirs(root, exist_ok=True)
subprocess.run(["vips", "black", base + "[Q=80]", "16", "16", "--bands", "3"], check=True)
data = open(base, "rb").read()
os.remove(base)
for i in range(n):
    folder = os.path.join(root, f"{i // 1000:03d}")
    os.makedirs(folder, exist_ok=True)
    note = f"tiny {i}".encode()
    with open(os.path.join(folder, f"t{i:06d}.jpg"), "wb") as f:
        f.write(data[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + data[2:])
PY
"${run[@]}" PICSCRIBE_DATA_DIR="$work/data-tiny" "$bin" describe "$work/tiny" --parallel 16 >/dev/null 2>&1 || true
read -r tiny_secs tiny_kb < <(measure "${run[@]}" PICSCRIBE_DATA_DIR="$work/data-tiny" "$bin" describe "$work/tiny")
awk -v n="$tiny_n" -v s="$tiny_secs" -v kb="$tiny_kb" 'BEGIN {
  printf "command %d tiny files, all described before: walked, keyed and planned in %.1f s (goal ≤ 15), peak RSS %.0f MB (goal ≤ 200)\n", n, s, kb / 1024
}'
