#!/usr/bin/env bash
# Runs a command next to a local DynamoDB-compatible server: moto in server mode on 127.0.0.1
# and a free port. The AWS SDK is pointed at it (AWS_ENDPOINT_URL, dummy credentials, a region);
# the server stops when the command ends. Installs moto[server] from PyPI when missing.
#   scripts/with-moto.sh cargo nextest run --features dynamodb --test store_contract
set -euo pipefail

if ! command -v moto_server >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]"
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "moto_server did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
unset AWS_SESSION_TOKEN AWS_PROFILE
"$@"
