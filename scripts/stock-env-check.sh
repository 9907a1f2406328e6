#!/usr/bin/env bash
# The README's two commands as on a stock machine: a clean environment (env -i) whose PATH is
# only rustup's cargo folder and /usr/bin:/bin (no pyenv, no ~/.local/bin), so python3 is the
# distribution's (PEP 668 in force on Debian 12 and Ubuntu 24.04), and an empty tools folder.
# Runs the first steps of both: `scripts/test.sh --tools` (every tool the checks use installs)
# and `scripts/run-local.sh` until the service answers `GET /`, then stops it.
#
#   scripts/stock-env-check.sh           # both
#   scripts/stock-env-check.sh --tools   # the first only (scripts/test.sh runs it beside clippy)
#   scripts/stock-env-check.sh --serve   # the second only, after --tools
#
# The empty tools folder: on a fresh clone target/tools itself is empty, so the stock
# environment installs into it and the rest of the run uses those tools (one install, not
# two). Where target/tools already holds tools, it installs into target/stock-env/tools
# instead (about 1.4 GB), removed again at the end. The cargo build reuses the target folder.
set -euo pipefail
cd "$(dirname "$0")/.."

phase=${1:-both}
case "$phase" in
  both | --tools | --serve) ;;
  *) echo "usage: scripts/stock-env-check.sh [--tools | --serve]" >&2 && exit 2 ;;
esac

cargo_bin=$(dirname "$(command -v cargo)")
stock=$PWD/target/stock-env
# --tools records which tools folder it filled, for --serve (and for its clean-up).
if [ "$phase" != --serve ]; then
  rm -rf "$stock"
  mkdir -p "$stock/crate-bin"
  if [ -d target/tools/venvs ] || [ -d target/tools/npm ]; then
    echo "$stock/tools" >"$stock/tools-dir"
  else
    echo "$PWD/target/tools" >"$stock/tools-dir"
  fi
elif [ ! -f "$stock/tools-dir" ]; then
  echo "scripts/stock-env-check.sh --serve: run --tools first" >&2 && exit 1
fi
tools=$(cat "$stock/tools-dir")
# Crate tools install the same way everywhere (`cargo install`, no Python involved): the ones
# this machine already has are lent to the stock environment rather than compiled again.
for tool in cargo-nextest cargo-fuzz; do
  if [ ! -e "$stock/crate-bin/$tool" ] && found=$(command -v "$tool"); then
    ln -s "$found" "$stock/crate-bin/$tool"
  fi
done
# PIP_COMPILE=0: no bytecode at install time (Python writes it on first use), half the files.
# (PIP_NO_COMPILE=1 would mean the opposite: pip reads it as the value of `compile`.)
stock_env=(env -i HOME="$HOME" PATH="$cargo_bin:$stock/crate-bin:/usr/bin:/bin"
  AVAILABILITY_TOOLS_DIR="$tools" PIP_COMPILE=0)
for name in CARGO_HOME RUSTUP_HOME CARGO_TARGET_DIR; do
  if [ -n "${!name:-}" ]; then stock_env+=("$name=${!name}"); fi
done
# A scratch tools folder goes when the check ends (after --serve, or both).
if [ "$phase" != --tools ] && [ "$tools" = "$stock/tools" ]; then
  trap 'rm -rf "$stock/tools"' EXIT
fi

if [ "$phase" != --serve ]; then
  echo "-- PATH=$cargo_bin:/usr/bin:/bin; $("${stock_env[@]}" sh -c 'command -v python3 && python3 --version' | paste -sd' ')" \
    "$("${stock_env[@]}" python3 -c 'import os, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
print("(externally managed: PEP 668 in force)" if os.path.exists(marker) else "(not externally managed)")')"
  echo "-- scripts/test.sh --tools (into ${tools#"$PWD"/}, empty before)"
  "${stock_env[@]}" scripts/test.sh --tools
fi
[ "$phase" = --tools ] && exit 0

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "-- scripts/run-local.sh --invoke-port $port (log: target/stock-env/run-local.log)"
setsid timeout 900 "${stock_env[@]}" scripts/run-local.sh --ignore-changes \
  --invoke-address 127.0.0.1 --invoke-port "$port" >"$stock/run-local.log" 2>&1 &
run_local=$!
trap 'kill -TERM -- -"$run_local" 2>/dev/null || true; wait "$run_local" 2>/dev/null || true
  if [ "$tools" = "$stock/tools" ]; then rm -rf "$stock/tools"; fi' EXIT
answer=
for _ in $(seq 600); do
  if answer=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then break; fi
  if ! kill -0 "$run_local" 2>/dev/null; then break; fi
  sleep 1
done
if [ -z "$answer" ]; then
  echo "scripts/run-local.sh did not answer GET / on port $port:" >&2
  tail -n 30 "$stock/run-local.log" >&2
  exit 1
fi
echo "-- GET / -> $answer"
