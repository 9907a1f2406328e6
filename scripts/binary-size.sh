#!/usr/bin/env bash
# Stripped release binary sizes, this crate beside baselines/hello (a minimal lambda_http function
# with the same release profile): x86_64 with cargo, arm64 with `cargo lambda build --arm64`
# (zig as the linker; cargo-lambda installed by scripts/lib/tools.sh when missing). Reports a
# failed arm64 build as such.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/tools.sh
need_python_tool cargo-lambda

size() { stat -c %s "$1"; }
report() { # name, ours, hello
  awk -v n="$1" -v a="$2" -v h="$3" 'BEGIN {
    printf "%-8s availability-api %9d bytes (%.2f MiB)   hello %9d bytes (%.2f MiB)   ratio %.3f\n",
      n, a, a / 1048576, h, h / 1048576, a / h }'
}

echo "== x86_64 (cargo build --release)" >&2
cargo build --release --locked --quiet
CARGO_TARGET_DIR=target/hello cargo build --release --locked --quiet --manifest-path baselines/hello/Cargo.toml
report x86_64 "$(size target/release/availability-api)" "$(size target/hello/release/hello)"

# cargo lambda build takes `features = ["dynamodb"]` from [package.metadata.lambda.build]: this is
# the variant template.yaml deploys, not the default build measured above.
echo "== arm64, the deployed (dynamodb) variant (cargo lambda build --release --arm64)" >&2
# An absolute CARGO_TARGET_DIR: cargo-lambda resolves a relative one from baselines/hello.
if cargo lambda build --release --arm64 >&2 &&
  CARGO_TARGET_DIR="$PWD/target/hello" cargo lambda build --release --arm64 \
    --manifest-path baselines/hello/Cargo.toml >&2; then
  report arm64 "$(size target/lambda/availability-api/bootstrap)" \
    "$(size target/hello/lambda/hello/bootstrap)"
else
  echo "arm64    cargo lambda build failed (see above)"
fi
