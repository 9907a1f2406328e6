"""A webhook receiver for the tests, and the check of what it received with the Standard
Webhooks library (not the project's code).

  receiver.py serve PORT_FILE LOG_FILE STATUSES   answers each POST with the next of STATUSES
                                                  (comma-separated; 200 once they run out),
                                                  logging its headers and body, one JSON a line
  receiver.py verify SECRET LOG_FILE              verifies every logged request; prints one
                                                  JSON line each: {"ok", "id", "timestamp",
                                                  "payload" or "error"}
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(port_file, log_file, statuses):
    answers = [int(s) for s in statuses.split(",") if s]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(min(length, 1 << 20)).decode("utf-8")
            with lock:
                status = answers.pop(0) if answers else 200
                with open(log_file, "a", encoding="utf-8") as log:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    log.write(json.dumps({"path": self.path, "headers": headers,
                                          "body": body, "status": status,
                                          "received": time.time()}) + "\n")
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w", encoding="utf-8") as out:
        out.write(str(server.server_address[1]))
    import os
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


def verify(secret, log_file):
    from standardwebhooks.webhooks import Webhook

    webhook = Webhook(secret)
    with open(log_file, encoding="utf-8") as log:
        for line in log:
            request = json.loads(line)
            headers = request["headers"]
            result = {"id": headers.get("webhook-id"),
                      "timestamp": headers.get("webhook-timestamp"),
                      "status": request["status"]}
            try:
                result["payload"] = webhook.verify(request["body"], headers)
                result["ok"] = True
            except Exception as error:  # the library's WebhookVerificationError, or worse
                result["ok"] = False
                result["error"] = f"{type(error).__name__}: {error}"
            print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
