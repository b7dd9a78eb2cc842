"""An AT Protocol PDS with the AppView reads a syndication client uses,
written from https://docs.bsky.app/docs/api/ and the lexicons: sessions
(create, refresh; access tokens that expire), handle resolution, a
did:plc directory, profiles, blobs, `app.bsky.feed.post` records checked
as the lexicon says (300 graphemes and 3,000 bytes of text, facets on
UTF-8 byte offsets that fall on character boundaries, at most four
images of at most 1,000,000 bytes each with alt text, one video of at most
100,000,000 bytes), record keys as TIDs, threads, likes and reposts.

Run: python3 pds.py PORT. Controls for tests live under /_fake/."""
import hashlib
import base64
import re
import secrets
import sys
import threading
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fakecommon import Controls, Handler, graphemes, serve  # noqa: E402

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
lock = threading.Lock()
controls = Controls()


def make_did():
    return "did:plc:" + base64.b32encode(secrets.token_bytes(15)).decode().lower()


users = {}  # did -> {handle, password, displayName, avatar}
by_handle = {}


def user(handle, password, display_name):
    did = make_did()
    users[did] = {"did": did, "handle": handle, "password": password, "displayName": display_name, "avatar": f"{BASE}/avatar/{handle}.png"}
    by_handle[handle] = did
    return did


OWNER = user("owner.test", "app-pass-" + secrets.token_hex(4), "The Owner")
user("friend.test", "unused", "A Friend")
access = {}  # token -> (did, expires)
refresh = {}  # token -> did
blobs = {}  # cid -> {mimeType, size, sha256}
records = {}  # (did, rkey) -> {record, cid, deleted, writes}
likes = {}  # uri -> [did]
reposts = {}
replies = []  # {uri, author, record, parent}


def session(did):
    token = "acc-" + secrets.token_hex(12)
    access[token] = (did, time.time() + 3600)
    renew = "ref-" + secrets.token_hex(12)
    refresh[renew] = did
    return {"accessJwt": token, "refreshJwt": renew, "handle": users[did]["handle"], "did": did, "active": True}


def actor(did):
    u = users[did]
    return {"did": did, "handle": u["handle"], "displayName": u["displayName"], "avatar": u["avatar"]}


def cid_of(data):
    return "bafkrei" + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]


class PDS(Handler):
    controls = controls

    def caller(self):
        header = self.headers.get("Authorization") or ""
        token = header[7:] if header.startswith("Bearer ") else ""
        found = access.get(token)
        if not found:
            self.send_json(401 if not token else 400, {"error": "InvalidToken" if token else "AuthenticationRequired", "message": "Bad token"})
            return None
        if found[1] < time.time():
            self.send_json(400, {"error": "ExpiredToken", "message": "Token has expired"})
            return None
        return found[0]

    def dispatch(self, method, path, query):
        if path.startswith("/_fake/"):
            return self.control(method, path[7:], query)
        if path.startswith("/did:plc:"):
            did = path[1:]
            if did not in users:
                return self.send_json(404, {"message": "DID not registered"})
            return self.send_json(
                200,
                {
                    "@context": ["https://www.w3.org/ns/did/v1"],
                    "id": did,
                    "alsoKnownAs": [f"at://{users[did]['handle']}"],
                    "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": BASE}],
                },
            )
        if path.startswith("/avatar/"):
            data = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if not path.startswith("/xrpc/"):
            return self.send_json(404, {"error": "NotFound"})
        if controls.take_rate_limit():
            reset = int(time.time()) + controls.retry_after
            return self.send_json(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset), "Retry-After": str(controls.retry_after)},
            )
        handler = getattr(self, "x_" + path[6:].replace(".", "_"), None)
        if not handler:
            return self.send_json(501, {"error": "MethodNotImplemented", "message": path[6:]})
        handler(query)

    # Identity and sessions

    def x_com_atproto_identity_resolveHandle(self, query):
        did = by_handle.get(query.get("handle", ""))
        if not did:
            return self.send_json(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
        self.send_json(200, {"did": did})

    def x_com_atproto_server_createSession(self, query):
        body = self.parsed()
        ident = body.get("identifier", "")
        did = ident if ident in users else by_handle.get(ident)
        if not did or users[did]["password"] != body.get("password"):
            return self.send_json(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
        self.send_json(200, session(did))

    def x_com_atproto_server_refreshSession(self, query):
        header = self.headers.get("Authorization") or ""
        did = refresh.pop(header[7:], None)
        if not did:
            return self.send_json(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        self.send_json(200, session(did))

    def x_app_bsky_actor_getProfile(self, query):
        if not self.caller():
            return
        wanted = query.get("actor", "")
        did = wanted if wanted in users else by_handle.get(wanted)
        if not did:
            return self.send_json(400, {"error": "InvalidRequest", "message": "Profile not found"})
        self.send_json(200, actor(did))

    # Writing

    def x_com_atproto_repo_uploadBlob(self, query):
        did = self.caller()
        if not did:
            return
        data = self.body_bytes()
        mime = self.headers.get("Content-Type") or "application/octet-stream"
        cid = cid_of(data)
        blobs[cid] = {"mimeType": mime, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "owner": did}
        self.send_json(200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}})

    def x_com_atproto_repo_putRecord(self, query):
        did = self.caller()
        if not did:
            return
        body = self.parsed()
        if body.get("repo") not in (did, users[did]["handle"]):
            return self.send_json(400, {"error": "InvalidRequest", "message": "repo is not the caller's"})
        if body.get("collection") != "app.bsky.feed.post":
            return self.send_json(400, {"error": "InvalidRequest", "message": "unsupported collection"})
        rkey = body.get("rkey", "")
        if not TID.match(rkey):
            return self.send_json(400, {"error": "InvalidRequest", "message": "rkey must be a TID"})
        problem = self.check_post(body.get("record") or {}, did)
        if problem:
            return self.send_json(400, {"error": "InvalidRecord", "message": problem})
        encoded = repr(body["record"]).encode()
        with lock:
            entry = records.setdefault((did, rkey), {"writes": 0})
            entry.update(record=body["record"], cid=cid_of(encoded), deleted=False)
            entry["writes"] += 1
        if controls.take_lost("record"):
            return self.drop()
        self.send_json(200, {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": entry["cid"]})

    def check_post(self, record, did):
        if record.get("$type") != "app.bsky.feed.post":
            return "record/$type must be app.bsky.feed.post"
        text = record.get("text")
        if not isinstance(text, str):
            return "record/text must be a string"
        if graphemes(text) > 300:
            return f"record/text must not be longer than 300 graphemes ({graphemes(text)})"
        encoded = text.encode("utf-8")
        if len(encoded) > 3000:
            return "record/text must not be longer than 3000 bytes"
        if not isinstance(record.get("createdAt"), str):
            return "record/createdAt is required"
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            if not (0 <= start < end <= len(encoded)):
                return f"facet {start}..{end} is outside the text"
            try:
                encoded[start:end].decode("utf-8")
            except UnicodeDecodeError:
                return f"facet {start}..{end} does not fall on character boundaries"
            for feature in facet["features"]:
                kind = feature.get("$type")
                if kind == "app.bsky.richtext.facet#mention" and feature.get("did") not in users:
                    return "a mention's did is unknown"
                if kind not in ("app.bsky.richtext.facet#link", "app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#mention"):
                    return f"unknown facet feature {kind}"
        embed = record.get("embed")
        if embed:
            kind = embed.get("$type")
            if kind == "app.bsky.embed.images":
                images = embed.get("images", [])
                if not 1 <= len(images) <= 4:
                    return "embed/images must have 1 to 4 images"
                for image in images:
                    if "alt" not in image:
                        return "embed/images/alt is required"
                    problem = self.check_blob(image.get("image"), "image/", 1_000_000, did)
                    if problem:
                        return problem
                    ratio = image.get("aspectRatio")
                    if ratio and not (ratio["width"] >= 1 and ratio["height"] >= 1):
                        return "aspectRatio must be positive"
            elif kind == "app.bsky.embed.video":
                return self.check_blob(embed.get("video"), "video/mp4", 100_000_000, did)
            elif kind == "app.bsky.embed.external":
                external = embed.get("external", {})
                if not all(isinstance(external.get(k), str) for k in ("uri", "title", "description")):
                    return "embed/external needs uri, title and description"
                if external.get("thumb"):
                    return self.check_blob(external["thumb"], "image/", 1_000_000, did)
            else:
                return f"unsupported embed {kind}"
        return None

    def check_blob(self, blob, mime, limit, did):
        if not isinstance(blob, dict) or blob.get("$type") != "blob":
            return "a blob reference is required"
        stored = blobs.get(blob["ref"]["$link"])
        if not stored or stored["owner"] != did:
            return "blob not found"
        if not stored["mimeType"].startswith(mime):
            return f"blob is {stored['mimeType']}, not {mime}"
        if stored["size"] > limit:
            return f"blob is {stored['size']} bytes; the limit is {limit}"
        return None

    def x_com_atproto_repo_deleteRecord(self, query):
        did = self.caller()
        if not did:
            return
        body = self.parsed()
        entry = records.get((did, body.get("rkey")))
        if entry:
            entry["deleted"] = True
        self.send_json(200, {})

    # Reading

    def x_app_bsky_feed_getPostThread(self, query):
        if not self.caller():
            return
        uri = query.get("uri", "")
        did, _, rkey = uri[5:].partition("/app.bsky.feed.post/")
        entry = records.get((did, rkey))
        if not entry or entry["deleted"]:
            return self.send_json(400, {"error": "NotFound", "message": f"Post not found: {uri}"})

        def node(post_uri, author, record):
            below = [node(r["uri"], r["author"], r["record"]) for r in replies if r["parent"] == post_uri]
            return {
                "$type": "app.bsky.feed.defs#threadViewPost",
                "post": {"uri": post_uri, "cid": cid_of(post_uri.encode()), "author": actor(author), "record": record, "indexedAt": record["createdAt"]},
                "replies": below,
            }

        self.send_json(200, {"thread": node(uri, did, entry["record"])})

    def x_app_bsky_feed_getLikes(self, query):
        if self.caller():
            self.send_json(200, {"uri": query.get("uri"), "likes": [{"actor": actor(d), "createdAt": "2026-01-01T00:00:00Z", "indexedAt": "2026-01-01T00:00:00Z"} for d in likes.get(query.get("uri"), [])]})

    def x_app_bsky_feed_getRepostedBy(self, query):
        if self.caller():
            self.send_json(200, {"uri": query.get("uri"), "repostedBy": [actor(d) for d in reposts.get(query.get("uri"), [])]})

    # Controls for tests

    def control(self, method, name, query):
        if name == "owner":
            u = users[OWNER]
            return self.send_json(200, {"did": OWNER, "handle": u["handle"], "password": u["password"]})
        if name == "records":
            out = []
            for (did, rkey), entry in records.items():
                record = dict(entry["record"])
                out.append({"did": did, "rkey": rkey, "record": record, "deleted": entry["deleted"], "writes": entry["writes"], "blobs": self.blob_sizes(record)})
            return self.send_json(200, out)
        if name == "requests":
            return self.send_json(200, [f"{m} {p}" for m, p in controls.requests])
        body = self.parsed() if method == "POST" else {}
        if name == "reply":
            author = by_handle.get(body["handle"]) or user(body["handle"], "unused", body.get("display_name", body["handle"]))
            uri = f"at://{author}/app.bsky.feed.post/{secrets.token_hex(6)}"
            replies.append({"uri": uri, "author": author, "record": {"$type": "app.bsky.feed.post", "text": body["text"], "createdAt": "2026-12-06T00:00:00.000Z"}, "parent": body["parent"]})
            return self.send_json(200, {"uri": uri})
        if name in ("like", "repost"):
            author = by_handle.get(body["handle"]) or user(body["handle"], "unused", body.get("display_name", body["handle"]))
            (likes if name == "like" else reposts).setdefault(body["uri"], []).append(author)
            return self.send_json(200, {})
        if name == "rate-limit":
            controls.rate_limited = int(body.get("count", 1))
            controls.retry_after = int(body.get("retry_after", 1))
            return self.send_json(200, {})
        if name == "lose-next-answer":
            controls.lose_next.add("record")
            return self.send_json(200, {})
        if name == "expire-sessions":
            for token, (did, _) in list(access.items()):
                access[token] = (did, 0)
            return self.send_json(200, {})
        if name == "revoke":
            access.clear()
            refresh.clear()
            users[OWNER]["password"] = "revoked-" + secrets.token_hex(4)
            return self.send_json(200, {})
        self.send_json(404, {"error": "no such control"})

    def blob_sizes(self, record):
        embed = record.get("embed") or {}
        refs = [i["image"] for i in embed.get("images", [])] + [embed.get("video")] + [(embed.get("external") or {}).get("thumb")]
        return [dict(blobs[r["ref"]["$link"]], cid=r["ref"]["$link"]) for r in refs if r]


serve(PDS, PORT)
