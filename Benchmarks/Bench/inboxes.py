"""Many fediverse inboxes on one loopback port, for `bench deliver`: every
POST to /i/N/inbox is taken (202) and counted with the time it arrived;
GET /_count answers {"count", "first", "last", "paths"}. Nothing is checked:
the test suite verifies signatures; this measures delivery.

Run: python3 inboxes.py PORT"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"count": 0, "first": None, "last": None, "paths": set()}


class Inboxes(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        now = time.time()
        with lock:
            state["count"] += 1
            state["first"] = state["first"] or now
            state["last"] = now
            state["paths"].add(self.path)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = json.dumps({"count": state["count"], "first": state["first"], "last": state["last"],
                               "paths": len(state["paths"])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Inboxes)
server.daemon_threads = True
server.request_queue_size = 256
server.serve_forever()
