#!/usr/bin/env bash
# Benchmarks: `picscribe describe` on 200 photos and 100,000 files (bench-command.sh),
# 50, 500 and 5,000 photos chosen at once (first row, all rows, longest
# main-thread task, JS heap), bytes sent for a 12 MP photo, the release wasm's size (raw
# and gzip), and the pace at a provider's rate limits. Prints figures against the goals;
# asserts nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh --e2e
# The server's benchmarks first: `cargo test --release` builds target/release/picscribe
# again without the site settings cargo-leptos gives it, and a page served by that binary
# does not hydrate, so the site and its binary are built after them.
# 200 images from two pages against a stub limited like OpenAI (120 requests and 11,000
# tokens a minute, 1.5 s a reply), with the server's pace off and learned from the headers.
cargo test -p server --features stub --release --test pace -- --ignored --nocapture pace_benchmark 2>&1 | grep '^pace '
# What the proxy adds at 64 describes in flight, against the stub called directly, and
# the memory 32 in flight take.
cargo test -p server --features stub --release --test proxy -- --ignored --nocapture proxy_benchmark 2>&1 |
  grep -E '^(proxy|memory) '
# --split cuts the wasm where `app::on_demand` marks parts loaded when first used (a build
# without it leaves those imports unresolved and the page does not start); --precompress
# writes .br/.gz beside each file and builds the site before the server,
# which embeds it.
cargo leptos build --release --precompress --split
cargo build --release -p server --features stub --bin stub-provider
wasm="target/site/pkg/picscribe.wasm"
echo "release wasm loaded with the page: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) bytes gzipped (goal ≤ 250000)"
# The parts loaded when first used (`app::on_demand`), each with the chunks it shares.
parts=$(ls target/site/pkg/*.wasm | grep -v "/picscribe.wasm$")
echo "release wasm loaded on demand: $(cat $parts | wc -c) bytes in $(echo "$parts" | wc -l) files, $(for f in $parts; do gzip -9 -c "$f" | wc -c; done | awk '{ s += $1 } END { print s }') bytes gzipped"
(cd end2end && PICSCRIBE_PROFILE=release npx playwright test --project bench) || echo "a page benchmark did not finish; its error is above"
# The command: 200 photos of 12 MP beside vipsthumbnail, and 100,000 tiny files planned.
./scripts/bench-command.sh || echo "a command benchmark did not finish; its error is above"
# The batch service: 10,000 small photos prepared and submitted, and the JSONL's overhead.
./scripts/bench-batch.sh || echo "the batch benchmark did not finish; its error is above"
