#!/usr/bin/env bash
# One benchmark run and its report: `cargo bench` (criterion), then the reconstruction of the
# original Flask app (baselines/flask_original; Flask installed with pip into target/flask-venv)
# on the same workloads, then Markdown tables of both with their ratios and the plot docs/bench.svg.
#
#   scripts/bench-report.sh             # everything (~6 min on 2 cores)
#   scripts/bench-report.sh --no-bench  # reuse the last `cargo bench` results in target/criterion
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if [ "${1:-}" != "--no-bench" ]; then
  echo "== cargo bench" >&2
  cargo bench --locked --bench handler --bench overlap_core >&2
fi

echo "== Flask reconstruction (baselines/flask_original)" >&2
if [ ! -x target/flask-venv/bin/python ]; then
  python3 -m venv target/flask-venv
  target/flask-venv/bin/pip install --quiet --disable-pip-version-check flask
fi
(cd baselines/flask_original && ../../target/flask-venv/bin/python bench.py --json ../../target/flask-bench.json) >&2

echo "== report (load now: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
python3 scripts/bench_report.py --criterion target/criterion --flask target/flask-bench.json --svg docs/bench.svg
