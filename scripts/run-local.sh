#!/usr/bin/env bash
# Runs the API on http://127.0.0.1:9000 under `cargo lambda watch` (AUTH_MODE=dev, from
# Cargo.toml), installing cargo-lambda from PyPI first if it is missing. Extra arguments go to
# `cargo lambda watch`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-lambda >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
  command -v pyenv >/dev/null 2>&1 && pyenv rehash
fi
exec cargo lambda watch "$@"
