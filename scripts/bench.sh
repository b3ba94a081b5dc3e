#!/usr/bin/env bash
# Benchmarks: time to first preview for 50 photos, bytes sent for a 12 MP photo, the
# release wasm's size (raw and gzip), and the pace at a provider's rate limit. Prints
# figures; asserts nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh --e2e
# --precompress writes .br/.gz beside each file and builds the site before the server,
# which embeds it.
cargo leptos build --release --precompress
cargo build --release -p server --features stub --bin stub-provider
wasm="target/site/pkg/picscribe.wasm"
echo "release wasm: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) bytes gzipped"
(cd end2end && PICSCRIBE_PROFILE=release npx playwright test --project bench)
# 200 images from two pages against a stub allowing 10 requests a second, with the
# server's pace off and set to the limit.
cargo test -p server --features stub --release --test pace -- --ignored --nocapture pace_benchmark 2>&1 | grep '^pace '
