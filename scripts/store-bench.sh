#!/usr/bin/env bash
# The DynamoDB store's benchmark (docs/benchmarks.md, "The DynamoDB store at scale"): the
# handler with the DynamoDB store against a local moto server behind a proxy that adds a fixed
# latency to every request (scripts/latency_proxy.py) and counts requests and bytes. Runs the
# same program (examples/store_bench.rs) on this tree ("after") and on BEFORE ("before": a git
# revision, default main), each on a fresh table, and prints one table. Not part of CI: it builds
# two release binaries and stores 100 users x 100,000 intervals.
#   scripts/store-bench.sh [BEFORE] [DELAY_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
before_rev=${1:-main}
delay_ms=${2:-10}
out=target/store-bench
root=$PWD
mkdir -p "$out"

build() { # build DIR SIDE: the example, release, with the deployed feature, in this tree's target
  (cd "$1" && CARGO_TARGET_DIR="$root/target" cargo build --release --locked --features dynamodb --example store_bench >&2)
  cp target/release/examples/store_bench "$out/store_bench-$2"
  echo "$root/$out/store_bench-$2"
}

rm -rf "$out/before-tree"
git worktree add --detach "$out/before-tree" "$before_rev" >/dev/null
trap 'git worktree remove --force "$out/before-tree" 2>/dev/null || true' EXIT
# Each side builds its own examples/store_bench.rs (same cases, same output; the store trait
# it seeds through may differ).
after_bin=$(build . after)
before_bin=$(build "$out/before-tree" before)

proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_side() { # run_side SIDE BINARY: every case on fresh tables, through the proxy
  local side=$1 bin=$2 table="bench-$1-$$"
  # shellcheck disable=SC2016
  scripts/with-moto.sh bash -c '
    set -euo pipefail
    python3 scripts/latency_proxy.py "$1" "$AWS_ENDPOINT_URL" "$2" & proxy=$!
    trap "kill $proxy" EXIT
    export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break; sleep 0.1; done
    "$3" "$4" seed
    "$3" "$4" cases
    "$3" "$4-many" seed-many
    "$3" "$4-many" overlap-many
  ' _ "$proxy_port" "$delay_ms" "$bin" "$table" | sed "s/^/$side\t/"
}
{
  run_side before "$before_bin"
  run_side after "$after_bin"
} | tee "$out/results.tsv"
echo "raw results (side, case, status, wall ms, requests, bytes sent, bytes received, most requests in flight at once): $out/results.tsv" >&2
