#!/usr/bin/env bash
# Runs the API on http://127.0.0.1:9000 under `cargo lambda watch` (AUTH_MODE=dev, from
# Cargo.toml), installing cargo-lambda into target/tools first if it is missing (see
# scripts/lib/tools.sh). Extra arguments go to `cargo lambda watch`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
need_python_tool cargo-lambda
# `--bin`: the crate has more than one function (the webhook notifier, ...); this serves the
# API at the root path, as one function would be.
exec cargo lambda watch --bin availability-api "$@"
