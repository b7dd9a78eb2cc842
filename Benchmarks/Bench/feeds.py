"""Many followed feeds on one loopback port, for `bench follow`: GET /f/N.xml
is an RSS feed of ten items with an ETag, answered 304 when the ETag comes
back unchanged; GET /_bump?every=K gives every Kth feed a new item (a new
ETag); GET /_count answers {"requests", "notModified"} since the last count.

Run: python3 feeds.py PORT FEEDS"""
import json
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
feeds = int(sys.argv[2])
versions = [1] * feeds
counts = {"requests": 0, "notModified": 0}
start = time.time()


def feed(n, version):
    items = []
    for i in range(version + 9, version - 1, -1):
        date = formatdate(start - (version + 9 - i) * 3600 - n, usegmt=True)
        items.append(f"<item><title>Feed {n}, post {i}</title><guid>f{n}-{i}</guid><link>http://example.com/{n}/{i}</link>"
                     f"<pubDate>{date}</pubDate><description>&lt;p&gt;Post {i} of feed {n}, with a few words.&lt;/p&gt;</description></item>")
    return f"<rss version=\"2.0\"><channel><title>Feed {n}</title><link>http://example.com/{n}</link>{''.join(items)}</channel></rss>"


class Feeds(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_bump":
            every = int(parse_qs(url.query).get("every", ["10"])[0])
            with lock:
                for n in range(0, feeds, every):
                    versions[n] += 1
            return self.answer(200, b"{}")
        if url.path == "/_count":
            with lock:
                body = json.dumps(counts).encode()
                counts["requests"] = counts["notModified"] = 0
            return self.answer(200, body, [("Content-Type", "application/json")])
        n = int(url.path.split("/")[-1].split(".")[0])
        with lock:
            version = versions[n]
            counts["requests"] += 1
            etag = f'"v{version}"'
            unchanged = self.headers.get("If-None-Match") == etag
            if unchanged:
                counts["notModified"] += 1
        if unchanged:
            return self.answer(304, headers=[("ETag", etag)])
        self.answer(200, feed(n, version).encode(), [("Content-Type", "application/rss+xml"), ("ETag", etag)])


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Feeds).serve_forever()
