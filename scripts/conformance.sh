#!/usr/bin/env bash
# Schemathesis against the running service: starts `cargo lambda watch` on a free port, loads
# the OpenAPI description the function serves, and checks server errors, response schemas,
# status codes and content types on generated requests. Installs cargo-lambda and schemathesis
# into target/tools when missing (see scripts/lib/tools.sh).
# Usage: scripts/conformance.sh [MAX_EXAMPLES]   (default 25 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
max_examples="${1:-25}"
source scripts/lib/tools.sh
need_python_tool cargo-lambda
need_python_tool schemathesis

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
log=target/conformance-watch.log
setsid cargo lambda watch --bin availability-api --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$port" >"$log" 2>&1 &
watch_pid=$!
trap 'kill -TERM -- -"$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 1
done

# Schemathesis keeps its cache in .schemathesis/ and Hypothesis its examples and caches in
# .hypothesis/, both under the working directory: run from inside target/, so they stay out of
# git and out of the tree a `cargo lambda watch` reloads on. The hooks, by file path from there,
# leave out request bodies that cargo lambda watch itself cannot carry (see the file).
run_dir=target/conformance
mkdir -p "$run_dir"
hooks="$PWD/tests/conformance/hooks.py"
(
  cd "$run_dir"
  PYTHONDONTWRITEBYTECODE=1 SCHEMATHESIS_HOOKS="$hooks" st run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$max_examples" --seed 20261125 -H "x-user-id: user123" --no-color
)
