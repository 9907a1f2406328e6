#!/usr/bin/env bash
# Every check, on a fresh machine: installs what is missing (cargo-lambda, cfn-lint, aws-sam-cli,
# schemathesis, moto[server] and playwright into target/tools, axe-core from npm, chromium from
# apt-get, see scripts/lib/tools.sh; cargo-nextest and
# cargo-fuzz with cargo install), then formatting, lints (default build and `--features
# dynamodb`), the SAM template (cfn-lint, `sam validate --lint`), the README's two commands on a
# stock environment, the OpenAPI conformance run, a bounded fuzzing run, all tests including the
# end-to-end ones, and the DynamoDB store's tests against a local moto server.
#
#   scripts/test.sh           # everything (about 10 minutes on 2 cores, plus 3 for the stock check)
#   scripts/test.sh --quick   # unit and handler tests only (under a minute once built)
#   scripts/test.sh --tools   # install what the checks use, then stop
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh

mode=${1:-}
case "$mode" in
  "" | --quick | --tools) ;;
  *) echo "usage: scripts/test.sh [--quick | --tools]" >&2 && exit 2 ;;
esac

need_crate_tool cargo-nextest cargo-nextest
if [ "$mode" = --quick ]; then
  echo "== unit and handler tests (cargo nextest run --lib --test api --test domain)"
  exec cargo nextest run --locked --lib --test api --test domain
fi
need_crate_tool cargo-fuzz cargo-fuzz
need_python_tool cargo-lambda
need_python_tool cfn-lint
need_python_tool sam
need_python_tool schemathesis
python_for_tool moto moto.moto_server.werkzeug_app >/dev/null
# The webhook tests verify deliveries with the Standard Webhooks library.
python_for_tool standardwebhooks standardwebhooks >/dev/null
# The booking pages' browser tests: chromium (apt-get), Playwright for Python, axe-core (npm).
need_browser_tools
if [ "$mode" = --tools ]; then
  echo "== tools ready: cargo-nextest, cargo-fuzz, cargo-lambda, cfn-lint, sam, schemathesis, moto, standardwebhooks, chromium, playwright, axe-core"
  exit 0
fi

# Each step prints when it starts, counted from the start of this run.
step() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"; }

# In this run the end-to-end tests fail, rather than skip, when their tools are missing.
export E2E_REQUIRED=1
step "cargo fmt --check"
cargo fmt --check
cargo fmt --check --manifest-path fuzz/Cargo.toml
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
step "cargo clippy --all-targets --features dynamodb -- -D warnings"
cargo clippy --locked --all-targets --features dynamodb -- -D warnings
step "cfn-lint template.yaml"
cfn-lint template.yaml
# sam wants a region and credentials even to validate offline; dummy ones, and no telemetry.
step "sam validate --lint"
env -u AWS_PROFILE AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing SAM_CLI_TELEMETRY=0 sam validate --lint
step "the README's two commands on a stock environment (scripts/stock-env-check.sh)"
scripts/stock-env-check.sh
step "schemathesis against the service under cargo lambda watch (scripts/conformance.sh)"
scripts/conformance.sh 25
# The fuzzing run comes before the tests so that the test runner's summary closes the output.
step "fuzzing the handler for 60 s (scripts/fuzz.sh)"
scripts/fuzz.sh 60
# The one release build: the deployed variant, which the end-to-end tests run as Lambda would.
step "release build as deployed (cargo build --release --features dynamodb)"
cargo build --release --locked --features dynamodb
step "tests (unit, property, handler, events/, end-to-end through cargo lambda watch and as deployed)"
cargo nextest run --locked --no-fail-fast
# Only the tests the feature adds: the store's unit tests, the contract suite on DynamoDB, the
# two-instance handler tests, the deployed binary on a table (every test with `dynamodb` in its path),
# and writes whose answer is lost on the way back (`retried_writes`).
step "DynamoDB tests (--features dynamodb, against moto on 127.0.0.1)"
scripts/with-moto.sh cargo nextest run --locked --no-fail-fast --features dynamodb \
  --lib --test api --test store --test e2e -E 'test(/dynamodb|retried_writes/)'
