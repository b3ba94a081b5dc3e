#!/usr/bin/env bash
# Runs every test: formatting and lints, pure logic and server tests with cargo, then the
# page in Chromium with Playwright against the release binary and the stub provider.
# Installs what is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh --e2e

# A fresh clone gains nothing from incremental caches; they double the size of target/.
if [[ -n "${CI:-}" ]]; then
  export CARGO_INCREMENTAL=0
fi
echo "disk free before building: $(df -h --output=avail . | tail -1 | tr -d ' ')"

# The style line, per package and feature as they are built (`--workspace` would merge
# app's ssr and hydrate features).
cargo fmt --all --check
cargo clippy -p engine --features server --all-targets -- -D warnings
cargo clippy -p engine --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p server --features stub --all-targets -- -D warnings
cargo clippy -p ocr --all-targets -- -D warnings

cargo test -p engine --features server
cargo test -p app --features ssr
cargo test -p ocr
cargo test -p server

# --split cuts the wasm where `app::on_demand` marks parts loaded when first used (a build
# without it leaves those imports unresolved and the page does not start); --precompress
# writes .br/.gz beside each file and builds the site before the server,
# which embeds it.
cargo leptos build --release --precompress --split
# When the splitter cannot fit the parts' static data back into its segment it keeps all
# of it in the page's module (+40 KB gzipped; `SPLIT_SLACK` in frontend/src/lib.rs is the
# room that prevents it): the alt-text export's XMP namespace there means it happened.
if grep -q "Iptc4xmpCore" target/site/pkg/picscribe.wasm; then
  echo "the page's wasm holds the export's static data: the splitter kept every part's data in it (see SPLIT_SLACK)" >&2
  exit 1
fi
# The test double is built on its own; `picscribe` never contains it.
cargo build --release -p server --features stub --bin stub-provider
(cd end2end && PICSCRIBE_PROFILE=release npx playwright test --project tests)
echo "target/ after the run: $(du -sh target | cut -f1); disk free: $(df -h --output=avail . | tail -1 | tr -d ' ')"
