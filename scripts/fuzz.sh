#!/usr/bin/env bash
# A bounded coverage-guided fuzzing run of the real handler (fuzz/fuzz_targets/handler.rs):
# arbitrary bytes as Lambda events and as request bodies. Starts from the checked-in seeds in
# fuzz/seeds/ plus whatever an earlier local run left in fuzz/corpus/ (not checked in).
# Usage: scripts/fuzz.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
source scripts/lib/tools.sh
need_crate_tool cargo-fuzz cargo-fuzz
mkdir -p fuzz/corpus/handler
# cargo-fuzz passes unstable flags to rustc; RUSTC_BOOTSTRAP lets the stable toolchain take them.
# No sanitizer: safe Rust only, and the stable toolchain has no sanitizer-instrumented std.
export RUSTC_BOOTSTRAP=1
# Built first, to say how long the build takes (the run reuses it); the compiler's errors still show.
built=$SECONDS
cargo fuzz build handler --sanitizer none 2>&1 | { grep -v '^ *Compiling ' || true; }
echo "-- fuzz target built in $((SECONDS - built)) s"
cargo fuzz run handler --sanitizer none fuzz/corpus/handler fuzz/seeds/handler -- \
  -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 2>&1 | tail -n 25
