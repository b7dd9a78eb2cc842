"""A fediverse account on another server, played by the test: its own RSA
key, an actor document, an inbox that records what arrives and checks each
delivery's HTTP Signature with httpsig (an implementation independent of
Microcast's) against the sender's published key; and controls that make it
follow, unfollow, send any activity or GET any URL signed as Ann, or send
requests a server must refuse. A second account, Bea, says she is also Ann (the
account Ann moves to).

Run: python3 remote_actor.py PORT. Controls under /_fake/."""
import base64
import hashlib
import json
import struct
import sys
import threading
import urllib.request
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives import serialization
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from httpsig import HeaderSigner, HeaderVerifier

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
ACTOR = BASE + "/users/ann"
KEY = RSA.generate(2048)
OTHER_KEY = RSA.generate(2048)
received = []
photo_fetches = []
lock = threading.Lock()


def png(width, height, rgb):
    """A solid-colour PNG, written by hand: the fake needs no imaging library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PHOTO = png(200, 200, (200, 80, 40))


def actor_document():
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": ACTOR, "type": "Person", "preferredUsername": "ann", "name": "Ann Remote",
        "inbox": ACTOR + "/inbox", "outbox": ACTOR + "/outbox", "url": BASE + "/@ann",
        "endpoints": {"sharedInbox": BASE + "/inbox"},
        "icon": {"type": "Image", "mediaType": "image/png", "url": BASE + "/avatars/ann.png"},
        "publicKey": {"id": ACTOR + "#main-key", "owner": ACTOR, "publicKeyPem": KEY.publickey().export_key().decode()},
    }


def moved_document():
    """Bea: the account Ann moves to, naming Ann in alsoKnownAs."""
    document = actor_document()
    document.update({"id": BASE + "/users/bea", "preferredUsername": "bea", "name": "Bea (was Ann)",
                     "inbox": BASE + "/users/bea/inbox", "alsoKnownAs": [ACTOR]})
    document["publicKey"] = {"id": BASE + "/users/bea#main-key", "owner": BASE + "/users/bea",
                             "publicKeyPem": OTHER_KEY.publickey().export_key().decode()}
    return document


def fetch_key(key_id):
    request = urllib.request.Request(key_id.split("#")[0], headers={"Accept": "application/activity+json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["publicKey"]["publicKeyPem"]


def signed_post(inbox, activity, mode="good"):
    """POSTs an activity signed as Ann; `mode` spoils it the way an attacker or a broken server would."""
    body = json.dumps(activity).encode()
    target = urlsplit(inbox)
    date = formatdate(usegmt=True) if mode != "stale" else formatdate(timeval=0, usegmt=True)
    headers = {
        "Host": target.netloc, "Date": date,
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": "application/activity+json",
    }
    key = OTHER_KEY if mode == "wrongkey" else KEY
    if mode != "unsigned":
        signer = HeaderSigner(ACTOR + "#main-key", key.export_key().decode(), algorithm="rsa-sha256",
                              headers=["(request-target)", "host", "date", "digest"], sign_header="signature")
        headers = signer.sign(headers, method="POST", path=target.path)
    if mode == "digest":
        body = body + b" "
    request = urllib.request.Request(inbox, data=body, method="POST", headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def signed_get(url):
    """GETs a URL as Ann's server does in authorized-fetch mode: signed, without a body."""
    target = urlsplit(url)
    headers = {"Host": target.netloc, "Date": formatdate(usegmt=True), "Accept": "application/activity+json"}
    signer = HeaderSigner(ACTOR + "#main-key", KEY.export_key().decode(), algorithm="rsa-sha256",
                          headers=["(request-target)", "host", "date"], sign_header="signature")
    headers = signer.sign(headers, method="GET", path=target.path + ("?" + target.query if target.query else ""))
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Message:
    """What http-message-signatures reads of a request: its method, URL and headers."""

    def __init__(self, method, url, headers):
        self.method, self.url, self.headers = method, url, dict(headers)


def signed_post_rfc9421(inbox, activity):
    """POSTs an activity signed as Mastodon 4.5 signs: RFC 9421 over @method, @target-uri and Content-Digest."""
    body = json.dumps(activity).encode()
    private = serialization.load_pem_private_key(KEY.export_key(), password=None)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.RSA_V1_5_SHA256,
                               key_resolver=MappingKeyResolver(public_keys={}, private_keys={ACTOR + "#main-key": private}))
    message = Message("POST", inbox, {"Content-Type": "application/activity+json"})
    signer.sign(message, key_id=ACTOR + "#main-key", label="sig1", body=body,
                covered_component_ids=("@method", "@target-uri", "content-digest"))
    request = urllib.request.Request(inbox, data=body, method="POST", headers=message.headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


class Remote(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, value, kind="application/activity+json"):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/users/ann":
            return self.reply(200, actor_document())
        if path == "/users/bea":
            return self.reply(200, moved_document())
        if path == "/avatars/ann.png":
            with lock:
                photo_fetches.append(path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PHOTO)))
            self.end_headers()
            self.wfile.write(PHOTO)
            return
        if path == "/_fake/received":
            with lock:
                return self.reply(200, received, "application/json")
        if path == "/_fake/photo-fetches":
            with lock:
                return self.reply(200, {"count": len(photo_fetches)}, "application/json")
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path in ("/inbox", "/users/ann/inbox"):
            headers = {name: value for name, value in self.headers.items()}
            try:
                key_id = [part.split("=", 1)[1].strip('"') for part in headers.get("Signature", "").split(",") if part.strip().startswith("keyId")][0]
                verified = HeaderVerifier(headers, fetch_key(key_id), required_headers=["(request-target)", "host", "date", "digest"],
                                          method="POST", path=self.path, sign_header="signature").verify()
                digest_ok = headers.get("Digest") == "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
            except Exception as error:  # noqa: BLE001 - recorded as not verified
                verified, digest_ok = False, str(error)
            with lock:
                received.append({"path": path, "activity": json.loads(body or b"{}"), "verified": verified, "digestOK": digest_ok})
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        control = json.loads(body or b"{}")
        if path == "/_fake/follow":
            activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": ACTOR + "#follows/1", "type": "Follow",
                        "actor": ACTOR, "object": control["actor"]}
            status, reason = signed_post(control["inbox"], activity)
            return self.reply(200, {"status": status, "reason": reason}, "application/json")
        if path == "/_fake/unfollow":
            activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": ACTOR + "#undo/1", "type": "Undo", "actor": ACTOR,
                        "object": {"id": ACTOR + "#follows/1", "type": "Follow", "actor": ACTOR, "object": control["actor"]}}
            status, reason = signed_post(control["inbox"], activity)
            return self.reply(200, {"status": status, "reason": reason}, "application/json")
        if path == "/_fake/fetch":
            status, document = signed_get(control["url"])
            return self.reply(200, {"status": status, "document": document}, "application/json")
        if path == "/_fake/send":
            send = signed_post_rfc9421 if control.get("scheme") == "rfc9421" else signed_post
            status, reason = send(control["inbox"], control["activity"])
            return self.reply(200, {"status": status, "reason": reason}, "application/json")
        if path == "/_fake/spoiled":
            activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": ACTOR + "#follows/2", "type": "Follow",
                        "actor": ACTOR, "object": control["actor"]}
            status, reason = signed_post(control["inbox"], activity, control["mode"])
            return self.reply(200, {"status": status, "reason": reason}, "application/json")
        self.reply(404, {"error": "no such control"})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Remote)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
