#!/usr/bin/env bash
# Builds picscribe for release and serves it on http://127.0.0.1:3000.
# Configure the provider in the environment first, e.g. OPENAI_API_KEY=sk-… (see README);
# with none, the page offers the built-in text extraction, whose models setup.sh fetches.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh
# --split cuts out the parts `app::on_demand` loads when first used; --precompress writes
# .br/.gz beside each file and builds the site before the server, which embeds it.
cargo leptos build --release --precompress --split
exec target/release/picscribe
