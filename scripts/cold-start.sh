#!/usr/bin/env bash
# Cold start, invocation time and memory of the release binary beside a minimal lambda_http
# "hello" function built with the same profile (baselines/hello), against a local stand-in of the
# Lambda Runtime API (scripts/cold_start.py). Also the peak RSS with 1,000,000 stored intervals.
#
#   scripts/cold-start.sh [--reps N] [--warm N] [--load-intervals N] [--json FILE]
#   scripts/cold-start.sh --deployed [--reps N] [--warm N] [--json FILE]
#
# --deployed measures the variant template.yaml deploys (feature `dynamodb`, TABLE_NAME set, so
# the SDK's configuration is built at start-up) against a local moto server
# (scripts/with-moto.sh) holding an empty table: invocations include a moto round trip, so only
# init and memory compare with Lambda. Built into target/deployed, beside the lean build.
#
# Needs only a Rust toolchain and Python 3 (standard library). Figures and how to read them: docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

deployed=false
if [ "${1:-}" = "--deployed" ]; then
  deployed=true
  shift
fi

echo "== building release binaries (availability-api, baselines/hello)" >&2
if $deployed; then
  CARGO_TARGET_DIR=target/deployed cargo build --release --locked --quiet --features dynamodb
  binary=target/deployed/release/availability-api
else
  cargo build --release --locked --quiet
  binary=target/release/availability-api
fi
# The hello crate is its own workspace; its build lives under target/ too.
CARGO_TARGET_DIR=target/hello cargo build --release --locked --quiet \
  --manifest-path baselines/hello/Cargo.toml

if $deployed; then
  if [ "$#" -eq 0 ]; then set -- --reps 9 --warm 20; fi
  # An empty table with template.yaml's keys, in the region cold_start.py gives the function.
  # shellcheck disable=SC2016 # expanded by the inner shell, inside with-moto.sh
  TABLE_NAME=availability-cold-start scripts/with-moto.sh bash -c '
    python3 -c "
import os, boto3
boto3.client(\"dynamodb\", endpoint_url=os.environ[\"AWS_ENDPOINT_URL\"], region_name=\"eu-west-1\").create_table(
    TableName=os.environ[\"TABLE_NAME\"], BillingMode=\"PAY_PER_REQUEST\",
    AttributeDefinitions=[{\"AttributeName\": k, \"AttributeType\": \"S\"} for k in (\"pk\", \"sk\")],
    KeySchema=[{\"AttributeName\": \"pk\", \"KeyType\": \"HASH\"}, {\"AttributeName\": \"sk\", \"KeyType\": \"RANGE\"}])
" && exec python3 scripts/cold_start.py "$@"' _ availability-api="$binary" hello=target/hello/release/hello "$@"
  exit
fi
if [ "$#" -eq 0 ]; then set -- --reps 7 --warm 20 --load-intervals 1000000; fi
python3 scripts/cold_start.py \
  availability-api="$binary" \
  hello=target/hello/release/hello "$@"
