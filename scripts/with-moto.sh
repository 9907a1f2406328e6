#!/usr/bin/env bash
# Runs a command next to a local DynamoDB-compatible server: moto's server app on 127.0.0.1 and
# a free port. The AWS SDK is pointed at it (AWS_ENDPOINT_URL, dummy credentials, a region);
# the server stops when the command ends. Installs moto[server] into target/tools when no python3
# here has it (see scripts/lib/tools.sh).
#   scripts/with-moto.sh cargo nextest run --features dynamodb --test store
set -euo pipefail

# shellcheck source=scripts/lib/tools.sh
source "$(dirname "$0")/lib/tools.sh"
moto_python=$(python_for_tool moto moto.moto_server.werkzeug_app)

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
# moto's own `moto_server` serves each request on a thread, and its TransactWriteItems rolls a
# failed transaction back by restoring a copy of the whole table taken when it began: another
# write committed meanwhile vanishes (a lost update that DynamoDB never makes). The same app on
# one thread makes every request atomic, as DynamoDB's are; clients still race between requests.
"$moto_python" -c '
import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)
' "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$moto_pid" 2>/dev/null; then
    echo "the moto server did not start:" >&2
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
