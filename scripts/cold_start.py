#!/usr/bin/env python3
"""Cold start, invocation time and memory of Lambda function binaries, run locally.

A small stand-in of the Lambda Runtime API (the part a function talks to: `invocation/next`,
`invocation/{id}/response`, the error routes) serves events to each binary. For every binary and
repetition it starts a fresh process and measures, from the stand-in's side:

- init: from just before exec to the arrival of the first `GET .../invocation/next`;
- first and warm invocation: from the event written to the function to its response received;
- peak RSS (`VmHWM` in /proc/PID/status) after those invocations.

With --load-intervals it also fills one process with that many stored intervals (POSTs of 1000
slots, 100,000 per user) and reports peak RSS before and after, per stored interval.

Standard library only. Figures are medians over --reps fresh processes.
"""

import argparse
import copy
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/2018-06-01/runtime"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Run:
    """What the stand-in knows about the process being measured."""

    def __init__(self):
        self.events = queue.Queue()
        self.first_poll = None
        self.polled = threading.Event()
        self.handed_out = {}
        self.responses = queue.Queue()


class StandIn(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real Runtime API
    run = None  # set on a subclass per process, so a late request can't reach another's run

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        if self.path != f"{API}/invocation/next":
            return self.reply(404)
        run = self.run
        if run.first_poll is None:
            run.first_poll = time.perf_counter()
            run.polled.set()
        request_id, body = run.events.get()
        deadline = int(time.time() * 1000) + 30_000
        self.reply(
            200,
            body,
            [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", request_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:eu-west-1:123456789012:function:bench"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
            ],
        )
        run.handed_out[request_id] = time.perf_counter()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        received = time.perf_counter()
        parts = self.path[len(API):].strip("/").split("/")
        self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
        if len(parts) == 3 and parts[0] == "invocation":
            self.run.responses.put((parts[1], parts[2], received, body))
        elif parts[:2] == ["init", "error"]:
            self.run.responses.put((None, "init-error", received, body))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A process stopped while it polled for its next event: expected, not worth a trace.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def lambda_env(runtime_api, extra):
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/09/27/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AUTH_MODE": "jwt",  # as template.yaml deploys it
        "RUST_LOG": "info",
    })
    env.update(extra)
    return env


def status_kib(pid, field):
    """`VmHWM` (peak resident set) or `VmRSS` (resident now) from /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field}")


class Process:
    """One fresh function process served by its own stand-in on its own port."""

    def __init__(self, binary, env):
        self.run = Run()
        handler = type("StandInForOne", (StandIn,), {"run": self.run})
        self.server = Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        runtime_api = f"127.0.0.1:{self.server.server_address[1]}"
        self.count = 0
        self.log = open(os.devnull, "wb")  # Lambda would ship these lines to CloudWatch
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen([binary], env=lambda_env(runtime_api, env),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if not self.run.polled.wait(30):
            self.stop()
            raise RuntimeError(f"{binary} never polled for an event")
        self.init = self.run.first_poll - self.spawned

    def invoke(self, event):
        self.count += 1
        request_id = f"req-{self.count}"
        self.run.events.put((request_id, json.dumps(event).encode()))
        got_id, kind, received, body = self.run.responses.get(timeout=60)
        if got_id != request_id or kind != "response":
            raise RuntimeError(f"expected a response to {request_id}, got {kind}: {body[:300]!r}")
        return received - self.run.handed_out[request_id], json.loads(body)

    def peak_rss_kib(self):
        return status_kib(self.proc.pid, "VmHWM")

    def rss_kib(self):
        return status_kib(self.proc.pid, "VmRSS")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()
        self.server.shutdown()
        self.server.server_close()


def load_event(name):
    with open(os.path.join(ROOT, "events", name)) as f:
        return json.load(f)


def as_user(event, user):
    event = copy.deepcopy(event)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    return event


def post(template, user, body):
    event = as_user(template, user)
    event["requestContext"]["http"]["method"] = "POST"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/availability"
    event["headers"]["content-type"] = "application/json"
    event["body"] = json.dumps(body)
    return event


def rfc3339(millis):
    return datetime.fromtimestamp(millis / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def measure(binaries, reps, warm):
    # `sub` = user123, GET /availability: a small read the deployed function answers.
    event = load_event("http-api-jwt-authorizer.json")
    results = {name: [] for name in binaries}
    for rep in range(reps):
        # Alternate the order so that drift in machine load hits every binary alike.
        order = list(binaries.items())
        for name, binary in (order if rep % 2 == 0 else order[::-1]):
            p = Process(binary, {})
            try:
                first, reply = p.invoke(event)
                if reply.get("statusCode") != 200:
                    raise RuntimeError(f"{name}: {reply}")
                warm_times = [p.invoke(event)[0] for _ in range(warm)]
                results[name].append({
                    "init_ms": p.init * 1e3,
                    "first_ms": first * 1e3,
                    "warm_ms": statistics.median(warm_times) * 1e3,
                    "peak_rss_kib": p.peak_rss_kib(),
                })
            finally:
                p.stop()
    return results


def load_memory(binary, intervals):
    per_user, per_post = 100_000, 1000
    users = max(1, intervals // per_user)
    template = load_event("http-api-jwt-authorizer.json")
    p = Process(binary, {})
    try:
        p.invoke(template)
        empty = p.peak_rss_kib()
        base = 1_704_067_200_000  # 2024-01-01T00:00:00Z, one 40-minute interval per hour
        hour = 3_600_000
        stored = 0
        for user in range(users):
            for first in range(0, min(per_user, intervals - stored), per_post):
                slots = [{"start_time": rfc3339(base + h * hour),
                          "end_time": rfc3339(base + h * hour + 2_400_000)}
                         for h in range(first, first + per_post)]
                _, reply = p.invoke(post(template, f"user{user}", {"availability": slots}))
                if reply["statusCode"] != 200:
                    raise RuntimeError(reply["body"])
            stored += per_user
        loaded, resident = p.peak_rss_kib(), p.rss_kib()
        # Read one user's 100,000 back: checks the data is there, and shows what a read that
        # large adds to the peak (its response exists several times over on the way out).
        _, reply = p.invoke(as_user(template, "user0"))
        shown = len(json.loads(reply["body"])["availability"])
        count = users * per_user
        return {"intervals": count, "users": users, "user0_intervals": shown,
                "empty_peak_rss_kib": empty, "loaded_peak_rss_kib": loaded,
                "loaded_rss_kib": resident, "after_large_read_peak_rss_kib": p.peak_rss_kib(),
                "bytes_per_interval": (loaded - empty) * 1024 / count,
                "bytes_per_interval_after_large_read": (p.peak_rss_kib() - empty) * 1024 / count}
    finally:
        p.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", help="NAME=PATH of each release binary")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--warm", type=int, default=20, help="warm invocations per process")
    parser.add_argument("--load-intervals", type=int, default=0,
                        help="also measure memory with this many stored intervals "
                             "(first binary)")
    parser.add_argument("--json", help="write every sample here")
    args = parser.parse_args()
    binaries = dict(b.split("=", 1) for b in args.binaries)

    results = measure(binaries, args.reps, args.warm)
    print(f"{'function':<18}{'init ms':>10}{'first ms':>10}{'warm ms':>10}{'peak RSS KiB':>14}"
          f"   (medians of {args.reps} fresh processes, {args.warm} warm calls each)")
    for name, samples in results.items():
        med = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        print(f"{name:<18}{med['init_ms']:>10.2f}{med['first_ms']:>10.3f}{med['warm_ms']:>10.3f}"
              f"{med['peak_rss_kib']:>14.0f}")
    names = list(results)
    if len(names) == 2:
        a, b = (statistics.median(s["init_ms"] for s in results[n]) for n in names)
        print(f"init ratio {names[0]}/{names[1]}: {a / b:.2f}")

    memory = None
    if args.load_intervals:
        name, binary = next(iter(binaries.items()))
        memory = load_memory(binary, args.load_intervals)
        print(f"{name} with {memory['intervals']:,} stored intervals ({memory['users']} users, "
              f"loaded by {memory['intervals'] // 1000:,} POSTs of 1000 slots):\n"
              f"  peak RSS {memory['empty_peak_rss_kib']} KiB empty -> "
              f"{memory['loaded_peak_rss_kib']} KiB loaded "
              f"(RSS now {memory['loaded_rss_kib']} KiB) = "
              f"{memory['bytes_per_interval']:.1f} bytes per stored interval\n"
              f"  after also reading 100,000 intervals back in one GET: peak "
              f"{memory['after_large_read_peak_rss_kib']} KiB = "
              f"{memory['bytes_per_interval_after_large_read']:.1f} bytes per stored interval")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": results, "memory": memory}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
