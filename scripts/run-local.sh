#!/usr/bin/env bash
# Runs the API on http://127.0.0.1:9000 under `cargo lambda watch` (AUTH_MODE=dev, from
# Cargo.toml), installing cargo-lambda into target/tools first if it is missing (see
# scripts/lib/tools.sh). Extra arguments go to `cargo lambda watch`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
need_python_tool cargo-lambda
exec cargo lambda watch "$@"
