"""What both fakes share: a threaded HTTP server, JSON and form bodies,
multipart parsing, and controls the tests use to script the network
(rate limits, a lost answer, revoked credentials)."""
import json
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class Controls:
    """Scripted misbehaviour, each used up as it happens."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rate_limited = 0  # answers of 429 still to give
        self.retry_after = 1
        self.lose_next = set()  # names of writes whose answer is dropped once
        self.requests = []  # (method, path) of every request

    def take_rate_limit(self):
        with self.lock:
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return True
            return False

    def take_lost(self, name):
        with self.lock:
            if name in self.lose_next:
                self.lose_next.discard(name)
                return True
            return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    controls = None

    def log_message(self, *args):
        pass

    def body_bytes(self):
        return self.raw_body

    def parsed(self):
        """A JSON or form body as a dict (form values: last wins, `x[]` as lists)."""
        raw = self.body_bytes()
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json":
            return json.loads(raw or b"{}")
        if kind == "multipart/form-data":
            return multipart(raw, self.headers.get("Content-Type"))
        out = {}
        for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
            if key.endswith("[]"):
                out.setdefault(key[:-2], []).append(value)
            else:
                out[key] = value
        return out

    def send_json(self, status, value, headers=None):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, header in (headers or {}).items():
            self.send_header(name, header)
        self.end_headers()
        self.wfile.write(data)

    def drop(self):
        """The work is done but the answer never arrives: the connection just ends."""
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def route(self, method):
        # Read whole before anything answers: a body left unread would be
        # taken for the next request on the kept-alive connection.
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query))
        self.controls.requests.append((method, split.path))
        try:
            self.dispatch(method, split.path, query)
        except BrokenPipeError:
            pass

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")


def multipart(raw, content_type):
    boundary = content_type.split("boundary=")[1].strip().strip('"').encode()
    out = {}
    for part in raw.split(b"--" + boundary):
        if not part or part.startswith(b"--"):
            continue
        head, _, body = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        body = body[:-2] if body.endswith(b"\r\n") else body
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        fields = dict(
            item.strip().split("=", 1) for item in disposition.split(";")[1:] if "=" in item
        )
        name = fields.get("name", "").strip('"')
        if "filename" in fields:
            out[name] = {"filename": fields["filename"].strip('"'), "type": headers.get("content-type", ""), "data": body}
        else:
            out[name] = body.decode()
    return out


def graphemes(text):
    """Extended grapheme clusters, closely enough for a fake: combining marks,
    variation selectors, skin tones and zero-width-joined emoji stay with
    what they follow; regional indicators pair into flags."""
    count = 0
    previous = None
    join_next = False
    regional_open = False
    for char in text:
        code = ord(char)
        extends = unicodedata.category(char) in ("Mn", "Me", "Mc") or 0xFE00 <= code <= 0xFE0F \
            or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
        regional = 0x1F1E6 <= code <= 0x1F1FF
        if previous is not None and (code == 0x200D or extends):
            join_next = join_next or code == 0x200D
        elif previous is not None and join_next:
            join_next = False
        elif regional and regional_open:
            regional_open = False
        elif previous == "\r" and char == "\n":
            pass
        else:
            count += 1
            regional_open = regional
        previous = char
    return count


def serve(handler, port):
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()
