#!/usr/bin/env bash
# Every check, on a fresh machine: installs what is missing (cargo-lambda, cfn-lint, aws-sam-cli,
# schemathesis, moto[server] and playwright into target/tools, axe-core from npm, chromium from
# apt-get, see scripts/lib/tools.sh; cargo-nextest and
# cargo-fuzz with cargo install), then formatting, lints (default build and `--features
# dynamodb`), the SAM template (cfn-lint, `sam validate --lint`), the README's two commands on a
# stock environment, the OpenAPI conformance run, a bounded fuzzing run, all tests including the
# end-to-end ones, and the DynamoDB store's tests against a local moto server.
#
#   scripts/test.sh           # everything (about 13 to 15 minutes on 2 cores, tools present; each
#                             # step's time and why they run in this order: docs/testing.md)
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

# Each step prints when it starts, counted from the start of this run.
step() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$1"; }
# A step in the background: its output goes to a log, shown (and its status checked) by `finish`.
# Each runs in its own process group, stopped with everything it started should this run end
# early.
declare -A background_pid
trap 'for pid in "${background_pid[@]}"; do kill -TERM -- -"$pid" 2>/dev/null || true; done' EXIT
start_in_background() {
  local name=$1
  shift
  step "$name: started in the background (log: target/$name.log)"
  mkdir -p target
  setsid "$@" >"target/$name.log" 2>&1 &
  background_pid[$name]=$!
}
finish() {
  local name=$1 status=0 since=$SECONDS
  wait "${background_pid[$name]}" || status=$?
  step "$name: finished (exit $status; waited $((SECONDS - since)) s for it); its output:"
  cat "target/$name.log"
  unset "background_pid[$name]"
  return "$status"
}

need_crate_tool cargo-nextest cargo-nextest
if [ "$mode" = --quick ]; then
  echo "== unit and handler tests (cargo nextest run --lib --test api --test domain)"
  exec cargo nextest run --locked --lib --test api --test domain
fi

if [ "$mode" = "" ]; then
  step "cargo fmt --check"
  cargo fmt --check
  cargo fmt --check --manifest-path fuzz/Cargo.toml
  # Three jobs go in the background from the start, each finished (its output shown, its status
  # checked) before the tests run, so no test shares the CPUs with them. Together with the steps
  # in the foreground they fill the core that each one's single-threaded stretches (pip, LTO,
  # linking, the fuzzer itself) would leave idle:
  # - the stock environment's `scripts/test.sh --tools`, the run's one install of the tools (on a
  #   fresh clone; see the script): downloads, unpacking and pip;
  # - fuzzing: its own target folder (fuzz/target) and flags, nothing to share with the other
  #   builds; it needs no tool but cargo-fuzz, installed first;
  # - the one release build, the deployed variant that the end-to-end tests run as Lambda would.
  #   It locks target/release, the other builds target/debug: neither waits for the other.
  need_crate_tool cargo-fuzz cargo-fuzz
  start_in_background stock-env-tools scripts/stock-env-check.sh --tools
  start_in_background fuzz scripts/fuzz.sh 60
  start_in_background release-build cargo build --release --locked --features dynamodb
  step "cargo clippy --all-targets -- -D warnings"
  cargo clippy --locked --all-targets -- -D warnings
  step "cargo clippy --all-targets --features dynamodb -- -D warnings"
  cargo clippy --locked --all-targets --features dynamodb -- -D warnings
  finish stock-env-tools
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
# The calendar tests' readers (ical.js, icalendar) and CalDAV servers (Xandikos, Radicale): installed here
# rather than by the tests themselves, so the tests' run is not spent on installs.
need_calendar_tools
need_caldav_server
if [ "$mode" = --tools ]; then
  echo "== tools ready: cargo-nextest, cargo-fuzz, cargo-lambda, cfn-lint, sam, schemathesis, moto, standardwebhooks, chromium, playwright, axe-core, ical.js, icalendar, xandikos, radicale"
  exit 0
fi

# In this run the end-to-end tests fail, rather than skip, when their tools are missing.
export E2E_REQUIRED=1
step "cfn-lint template.yaml"
cfn-lint template.yaml
# sam wants a region and credentials even to validate offline; dummy ones, and no telemetry.
step "sam validate --lint"
env -u AWS_PROFILE AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing SAM_CLI_TELEMETRY=0 sam validate --lint
step "the README's two commands on a stock environment: run-local.sh answers (scripts/stock-env-check.sh --serve)"
scripts/stock-env-check.sh --serve
step "schemathesis against the service under cargo lambda watch (scripts/conformance.sh)"
scripts/conformance.sh 25
# Both test runs are built now (the same arguments as below, so nothing builds twice) and run
# after the fuzzer and the release build have stopped: no test shares the CPUs with them.
step "building the tests (cargo nextest run --no-run, both runs)"
cargo nextest run --locked --no-run
dynamodb_tests=(--features dynamodb --lib --test api --test store --test e2e)
cargo nextest run --locked --no-run "${dynamodb_tests[@]}"
finish release-build
# The fuzzer's output comes before the tests so that the test runner's summary closes the output.
finish fuzz
step "tests (unit, property, handler, events/, end-to-end through cargo lambda watch and as deployed)"
cargo nextest run --locked --no-fail-fast
# Only the tests the feature adds: the store's unit tests, the contract suite on DynamoDB, the
# two-instance handler tests, the deployed binary on a table (every test with `dynamodb` in its path),
# and writes whose answer is lost on the way back (`retried_writes`).
step "DynamoDB tests (--features dynamodb, against moto on 127.0.0.1)"
scripts/with-moto.sh cargo nextest run --locked --no-fail-fast "${dynamodb_tests[@]}" \
  -E 'test(/dynamodb|retried_writes/)'
