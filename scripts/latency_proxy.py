"""A forwarding HTTP proxy that adds a fixed delay to every request and counts what passes.

Used by scripts/store-bench.sh between the DynamoDB store and a local moto server, so that a
request's round trips show in its wall time as they would against a real, remote table.
`GET /__stats` answers the counts since the last call (requests, bytes each way, and the most
requests in flight at once) and resets them.

    python3 latency_proxy.py LISTEN_PORT UPSTREAM_URL DELAY_MS
"""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

listen_port, upstream, delay_ms = int(sys.argv[1]), sys.argv[2].rstrip("/"), float(sys.argv[3])
lock = threading.Lock()
stats = {"requests": 0, "bytes_sent": 0, "bytes_received": 0, "max_in_flight": 0}
in_flight = 0


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__stats":
            with lock:
                body = json.dumps(stats).encode()
                for key in stats:
                    stats[key] = 0
            self.reply(200, {"content-type": "application/json"}, body)
        else:
            self.forward()

    def do_POST(self):
        self.forward()

    def forward(self):
        global in_flight
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length) if length else None
        with lock:
            in_flight += 1
            stats["max_in_flight"] = max(stats["max_in_flight"], in_flight)
        try:
            self.forward_body(length, body)
        finally:
            with lock:
                in_flight -= 1

    def forward_body(self, length, body):
        time.sleep(delay_ms / 1000)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        request = urllib.request.Request(upstream + self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request) as answer:
                status, answer_headers, answer_body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, answer_body = error.code, error.headers, error.read()
        with lock:
            stats["requests"] += 1
            stats["bytes_sent"] += length
            stats["bytes_received"] += len(answer_body)
        kept = {k: v for k, v in answer_headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")}
        self.reply(status, kept, answer_body)

    def reply(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    # A request's loads may all connect at once (up to 100); the default backlog of 5 would
    # refuse most of them.
    request_queue_size = 512


server = Server(("127.0.0.1", listen_port), Proxy)
server.daemon_threads = True
server.serve_forever()
