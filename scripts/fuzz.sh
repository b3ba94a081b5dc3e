#!/usr/bin/env bash
# Runs each fuzz target for a while (default 180 s each; `./scripts/fuzz.sh 600` for
# longer): file sniffing, the providers' event-stream parsers and the describe request,
# the configuration loaders, and answers, imports and alt text written into images.
# Crashes land in fuzz/artifacts/<target>/. Not part of CI. Installs cargo-fuzz when
# missing; uses the stable toolchain (no sanitizer).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-180}"
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
cd fuzz
for target in sniff event_streams config answers; do
  echo "==> fuzzing $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -max_len=65536
done
