#!/usr/bin/env bash
# Installs what picscribe needs to build and run, skipping whatever is already there:
# the wasm32 target, cargo-leptos, wasm-bindgen's CLI and wasm-opt (from npm: Debian's
# binaryen is too old and silently breaks hydration). With --e2e, also Chromium from
# apt and Playwright from npm (no browser downloads). Source it to get PATH set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=123

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

export PATH="$root/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding the $component component"
    rustup component add "$component"
  fi
done

if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once per machine)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install --silent --no-audit --no-fund --prefix "$root/.tools" "binaryen@$BINARYEN_VERSION"
fi

# The built-in text extraction's models, from the npm registry, checked (once).
"$root/scripts/ocr-models.sh"

if [[ "${1:-}" == "--e2e" ]]; then
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Chromium from apt"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
  fi
  if [[ ! -d "$root/end2end/node_modules/@playwright/test" || ! -d "$root/end2end/node_modules/exifr" ]]; then
    say "installing Playwright (test runner only) and exifr"
    (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
