#!/usr/bin/env bash
# Cold start, invocation time and memory of the release binary beside a minimal lambda_http
# "hello" function built with the same profile (baselines/hello), against a local stand-in of the
# Lambda Runtime API (scripts/cold_start.py). Also the peak RSS with 1,000,000 stored intervals.
#
#   scripts/cold-start.sh [--reps N] [--warm N] [--load-intervals N] [--json FILE]
#
# Needs only a Rust toolchain and Python 3 (standard library). Figures and how to read them: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building release binaries (availability-api, baselines/hello)" >&2
cargo build --release --locked --quiet
# The hello crate is its own workspace; its build lives under target/ too.
CARGO_TARGET_DIR=target/hello cargo build --release --locked --quiet \
  --manifest-path baselines/hello/Cargo.toml

if [ "$#" -eq 0 ]; then set -- --reps 7 --warm 20 --load-intervals 1000000; fi
python3 scripts/cold_start.py \
  availability-api=target/release/availability-api \
  hello=target/hello/release/hello "$@"
