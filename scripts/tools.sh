#!/usr/bin/env bash
# Installs the named Python tools the way the other scripts do (see scripts/lib/tools.sh) and
# prints the line that puts them on PATH, for commands the scripts do not wrap, e.g.
#   eval "$(scripts/tools.sh sam cargo-lambda)" && sam build
# Tools: cargo-lambda (brings zig), cfn-lint, sam, schemathesis, moto.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/tools.sh
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/tools.sh TOOL... (cargo-lambda, cfn-lint, sam, schemathesis, moto)" >&2
  exit 2
fi
for tool in "$@"; do
  need_python_tool "$tool"
done
# shellcheck disable=SC2016 # $PATH is for the caller's shell to expand
printf 'export PATH="%s:$PATH"\n' "$tools_dir/bin"
