#!/usr/bin/env bash
# The very artifact `sam deploy` uploads, run as deployed: `sam build` from a clean clone of
# HEAD (commit first: uncommitted changes are not in it), then the built arm64 `bootstrap` under
# qemu-user through the deployed harness (tests/e2e/deployed) against moto, replaying events/,
# the client flow, the hostile-input table and one request per route, with the template's
# routes, memory and timeout. Installs what is missing: aws-sam-cli and cargo-lambda into
# target/tools (scripts/lib/tools.sh), qemu-user-static and an aarch64 glibc (libc6-arm64-cross) from apt.
# Takes several minutes (a cold arm64 release build); kept out of scripts/test.sh.
#   scripts/deployed-arm64.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

source scripts/lib/tools.sh
need_python_tool sam
need_python_tool cargo-lambda
need_crate_tool cargo-nextest cargo-nextest
need() { command -v "$1" >/dev/null 2>&1; }
if ! need qemu-aarch64-static || [ ! -d /usr/aarch64-linux-gnu/lib ]; then
  sudo_if_needed=""
  if [ "$(id -u)" != 0 ]; then sudo_if_needed=sudo; fi
  $sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq qemu-user-static libc6-arm64-cross >/dev/null
fi

work="$root/target/deployed-arm64"
rm -rf "$work/src" "$work/sam-build"
mkdir -p "$work"
git clone --quiet --no-local "$root" "$work/src"
echo "== sam build ($(git -C "$work/src" rev-parse --short HEAD), a clean clone)"
started=$(date +%s)
(
  cd "$work/src"
  # sam reads a region and credentials even offline; the build itself needs neither.
  export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"
  # The clone is fresh every run; its compiled dependencies may be reused between runs.
  export CARGO_TARGET_DIR="$work/cargo-target"
  sam build --template-file template.yaml --build-dir "$work/sam-build"
)
echo "sam build took $(($(date +%s) - started)) s"

mapfile -t built < <(find "$work/sam-build" -name bootstrap -type f)
if [ "${#built[@]}" != 1 ]; then
  echo "expected one bootstrap under $work/sam-build, found: ${built[*]:-none}" >&2
  exit 1
fi
bootstrap="${built[0]}"
echo "artifact: $bootstrap ($(stat -c %s "$bootstrap") bytes)"
if need file; then file "$bootstrap"; fi

echo "== the artifact under qemu-user, through the deployed harness, against moto"
export DEPLOYED_BINARY="$bootstrap"
export DEPLOYED_RUNNER="qemu-aarch64-static -L /usr/aarch64-linux-gnu"
export DEPLOYED_TEMPLATE="$work/src/template.yaml"
scripts/with-moto.sh cargo nextest run --locked --no-fail-fast --success-output immediate --test e2e \
  -E 'test(/^deployed::(events_replay|client_flow|hostile|routes)::/)'
