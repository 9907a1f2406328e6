#!/usr/bin/env bash
# The README's two commands as on a stock machine: a clean environment (env -i) whose PATH is
# only rustup's cargo folder and /usr/bin:/bin (no pyenv, no ~/.local/bin), so python3 is the
# distribution's (PEP 668 in force on Debian 12 and Ubuntu 24.04), and an empty tools folder.
# Runs the first steps of both: `scripts/test.sh --tools` (every tool the checks use installs)
# and `scripts/run-local.sh` until the service answers `GET /`, then stops it. The cargo build
# reuses the repository's target folder; the time is mostly the Python tools' installs, about
# 1.4 GB of files, removed again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_bin=$(dirname "$(command -v cargo)")
stock=$PWD/target/stock-env
rm -rf "$stock"
mkdir -p "$stock/crate-bin"
# Crate tools install the same way everywhere (`cargo install`, no Python involved): the ones
# this machine already has are lent to the stock environment rather than compiled again.
for tool in cargo-nextest cargo-fuzz; do
  if found=$(command -v "$tool"); then ln -s "$found" "$stock/crate-bin/$tool"; fi
done
# PIP_COMPILE=0: no bytecode at install time (Python writes it on first use), half the files.
# (PIP_NO_COMPILE=1 would mean the opposite: pip reads it as the value of `compile`.)
stock_env=(env -i HOME="$HOME" PATH="$cargo_bin:$stock/crate-bin:/usr/bin:/bin"
  AVAILABILITY_TOOLS_DIR="$stock/tools" PIP_COMPILE=0)
for name in CARGO_HOME RUSTUP_HOME CARGO_TARGET_DIR; do
  if [ -n "${!name:-}" ]; then stock_env+=("$name=${!name}"); fi
done

echo "-- PATH=$cargo_bin:/usr/bin:/bin; $("${stock_env[@]}" sh -c 'command -v python3 && python3 --version' | paste -sd' ')" \
  "$("${stock_env[@]}" python3 -c 'import os, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
print("(externally managed: PEP 668 in force)" if os.path.exists(marker) else "(not externally managed)")')"

echo "-- scripts/test.sh --tools"
"${stock_env[@]}" scripts/test.sh --tools

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "-- scripts/run-local.sh --invoke-port $port (log: target/stock-env/run-local.log)"
setsid timeout 900 "${stock_env[@]}" scripts/run-local.sh --ignore-changes \
  --invoke-address 127.0.0.1 --invoke-port "$port" >"$stock/run-local.log" 2>&1 &
run_local=$!
trap 'kill -TERM -- -"$run_local" 2>/dev/null || true; wait "$run_local" 2>/dev/null || true
  rm -rf "$stock/tools"' EXIT
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
