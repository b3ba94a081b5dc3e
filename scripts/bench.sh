#!/usr/bin/env bash
# Benchmarks: time to first preview for 50 photos, bytes sent for a 12 MP photo, and the
# release wasm's size (raw and gzip). Prints figures; asserts nothing.
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
