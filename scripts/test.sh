#!/usr/bin/env bash
# Every check, on a fresh machine: installs what is missing (cargo-lambda, cfn-lint,
# schemathesis and moto[server] from PyPI, cargo-fuzz and cargo-nextest from crates), then
# formatting, lints (default build and `--features dynamodb`), the SAM template, the OpenAPI
# conformance run, a bounded fuzzing run, all tests including the end-to-end ones, and the
# DynamoDB store's tests against a local moto server.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
need cargo-lambda || python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
need cfn-lint || python3 -m pip install --quiet --disable-pip-version-check cfn-lint
need st || python3 -m pip install --quiet --disable-pip-version-check schemathesis
need moto_server || python3 -m pip install --quiet --disable-pip-version-check "moto[server]"
need cargo-nextest || cargo install --locked --quiet cargo-nextest
command -v pyenv >/dev/null 2>&1 && pyenv rehash

echo "== cargo fmt --check"
cargo fmt --check
cargo fmt --check --manifest-path fuzz/Cargo.toml
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo clippy --all-targets --features dynamodb -- -D warnings"
cargo clippy --locked --all-targets --features dynamodb -- -D warnings
echo "== cfn-lint template.yaml"
cfn-lint template.yaml
echo "== schemathesis against the service under cargo lambda watch (scripts/conformance.sh)"
scripts/conformance.sh 25
# The fuzzing run comes before the tests so that the test runner's summary closes the output.
echo "== fuzzing the handler for 60 s (scripts/fuzz.sh)"
scripts/fuzz.sh 60
echo "== tests (unit, property, handler, events/, end-to-end through cargo lambda watch)"
cargo nextest run --locked --no-fail-fast
# Only the tests the feature changes: unit tests, the store suite, the two-instance handler tests.
echo "== DynamoDB store tests (--features dynamodb, against moto on 127.0.0.1)"
scripts/with-moto.sh cargo nextest run --locked --no-fail-fast --features dynamodb \
  --lib --test store_contract --test dynamodb_handlers
