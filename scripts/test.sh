#!/usr/bin/env bash
# Runs every test: pure logic and server tests with cargo, then the page in Chromium with
# Playwright against the release binary and the stub provider. Installs what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh --e2e

# A fresh clone gains nothing from incremental caches; they double the size of target/.
if [[ -n "${CI:-}" ]]; then
  export CARGO_INCREMENTAL=0
fi
echo "disk free before building: $(df -h --output=avail . | tail -1 | tr -d ' ')"

# `cargo test --workspace` would merge app's ssr and hydrate features: test each package.
cargo test -p app --features ssr
cargo test -p server

cargo leptos build --release
cargo build --release -p server --bin stub-provider
(cd end2end && PICSCRIBE_PROFILE=release npx playwright test --project tests)
echo "target/ after the run: $(du -sh target | cut -f1); disk free: $(df -h --output=avail . | tail -1 | tr -d ' ')"
