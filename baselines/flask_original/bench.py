"""Times the reconstructed Flask app (app.py) on the workloads of the Rust benchmarks.

- handler/{set,get,overlap}/N: the whole request path through Flask's test client (WSGI, no
  network), with the same data as benches/handler.rs: user123 holds N 40-minute intervals, one
  per hour from 2024-01-01; user456 the same 20 minutes later; set POSTs 3 slots.
- overlap_core/2_users/N: `find_overlap` alone on the data of benches/overlap_core.rs (the
  second user 1 minute later).

Each figure is the median of repeated calls (at least 1 s of calls, or one call when a single
call takes longer). A quadratic case projected to take more than --budget seconds for one call
is skipped and reported as skipped, not guessed.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone

import app as original

BASE = datetime(2024, 1, 1, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def hourly(count, offset, length):
    return [{"start_time": BASE + h * HOUR + offset, "end_time": BASE + h * HOUR + offset + length}
            for h in range(count)]


def timed(call, min_total=1.0, max_calls=200, after=lambda: None):
    samples = []
    started = time.perf_counter()
    while not samples or (time.perf_counter() - started < min_total and len(samples) < max_calls):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
        after()
    return statistics.median(samples), len(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,1000,100000")
    parser.add_argument("--core-sizes", default="1000,10000,100000")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="skip a quadratic case whose one call would take longer (s)")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    client = original.app.test_client()
    results = {}
    per_pair = None  # seconds per compared pair, from the last overlap measured

    def record(name, seconds, calls):
        results[name] = {"seconds": seconds, "calls": calls}
        print(f"flask {name:<28}{seconds * 1e6:>14.1f} µs  ({calls} calls)", flush=True)

    def skip(name, projected):
        results[name] = {"skipped": True, "projected_seconds": projected}
        print(f"flask {name:<28} skipped: one call projected at {projected:.0f} s", flush=True)

    for n in map(int, args.sizes.split(",")):
        mine, theirs = hourly(n, timedelta(0), 40 * MINUTE), hourly(n, 20 * MINUTE, 40 * MINUTE)
        original.availability_data.clear()
        original.availability_data.update({"user123": list(mine), "user456": theirs})
        body = {"availability": [
            {"start_time": (BASE + h * HOUR + 30 * MINUTE).isoformat(),
             "end_time": (BASE + h * HOUR + 50 * MINUTE).isoformat()}
            for h in (0, n // 2, n - 1)]}

        def post():
            assert client.post("/availability", json=body).status_code == 200

        def restore():
            del original.availability_data["user123"][n:]

        record(f"handler/set/{n}", *timed(post, after=restore))

        def get():
            assert client.get("/availability").status_code == 200

        record(f"handler/get/{n}", *timed(get))

        def overlap():
            assert client.get("/overlap/user456").status_code == 200

        projected = per_pair * n * n if per_pair else 0
        if projected > args.budget:
            skip(f"handler/overlap/{n}", projected)
        else:
            seconds, calls = timed(overlap)
            per_pair = seconds / (n * n)
            record(f"handler/overlap/{n}", seconds, calls)

    per_pair = None
    for n in map(int, args.core_sizes.split(",")):
        a, b = hourly(n, timedelta(0), 40 * MINUTE), hourly(n, MINUTE, 40 * MINUTE)
        projected = per_pair * n * n if per_pair else 0
        name = f"overlap_core/2_users/{n}"
        if projected > args.budget:
            skip(name, projected)
            continue
        seconds, calls = timed(lambda: original.find_overlap(a, b))
        per_pair = seconds / (n * n)
        record(name, seconds, calls)

    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
