"""A Mastodon server, as far as a syndication client sees it, written from
https://docs.joinmastodon.org/methods/ : apps, OAuth with PKCE, accounts,
instance limits, media (images at once, audio and video processed later),
statuses with Idempotency-Key, edits, deletes, context, favourites and
boosts. The server checks what the real one checks: tokens and their
scopes, the character limit counting every URL as 23, the attachment
count and sizes, the media's owner.

Run: python3 mastodon.py PORT [--max-characters N]. Controls for tests live
under /_fake/ (see `dispatch`)."""
import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import sys
import threading
import time
from urllib.parse import urlencode

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fakecommon import Controls, Handler, graphemes, serve  # noqa: E402

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
MAX_CHARACTERS = int(sys.argv[sys.argv.index("--max-characters") + 1]) if "--max-characters" in sys.argv else 500
MAX_ATTACHMENTS = 4
IMAGE_LIMIT = 16 * 1024 * 1024
VIDEO_LIMIT = 99 * 1024 * 1024
URL_RE = re.compile(r"https?://\S+")

lock = threading.Lock()
ids = itertools.count(110000000000000000)
controls = Controls()
apps = {}  # client_id -> app
codes = {}  # code -> (client_id, redirect_uri, challenge, scopes)
tokens = {}  # token -> (account id, scopes)
accounts = {}
statuses = {}  # id -> status (with "deleted")
media = {}  # id -> attachment (with "owner", "polls")
idempotency = {}  # (token, key) -> status id
favourites = {}  # status id -> [account ids]
reblogs = {}


def account(username, display_name):
    account_id = str(next(ids))
    accounts[account_id] = {
        "id": account_id,
        "username": username,
        "acct": username,
        "display_name": display_name,
        "url": f"{BASE}/@{username}",
        "avatar": f"{BASE}/avatars/{username}.png",
    }
    return account_id


OWNER = account("owner", "The Owner")
# A PNG of one pixel, for avatars.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def length(text):
    """Mastodon's count: graphemes, each URL as 23."""
    total = graphemes(text)
    for match in URL_RE.finditer(text):
        total += 23 - graphemes(match.group(0))
    return total


def rendered(status):
    out = dict(status)
    out["media_attachments"] = [public_media(media[i]) for i in status["media_ids"]]
    out["account"] = accounts[status["account_id"]]
    for key in ("media_ids", "account_id", "deleted", "history", "text"):
        out.pop(key, None)
    return out


def public_media(item):
    return {key: item[key] for key in ("id", "type", "url", "preview_url", "description", "meta")}


class Mastodon(Handler):
    controls = controls

    def who(self, scope):
        header = self.headers.get("Authorization") or ""
        token = header[7:] if header.startswith("Bearer ") else None
        if token not in tokens:
            self.send_json(401, {"error": "The access token is invalid"})
            return None
        account_id, scopes = tokens[token]
        if scope and scope not in scopes and scope.split(":")[0] not in scopes:
            self.send_json(403, {"error": "This action is outside the authorized scopes"})
            return None
        return account_id, token

    def dispatch(self, method, path, query):
        if path.startswith("/_fake/"):
            return self.control(method, path[7:], query)
        if path == "/favicon.ico":
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/avatars/"):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)
            return
        if path.startswith("/api/") and controls.take_rate_limit():
            reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + controls.retry_after))
            return self.send_json(
                429,
                {"error": "Too many requests"},
                {"Retry-After": str(controls.retry_after), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            )
        routes = [
            ("POST", r"/api/v1/apps", self.create_app),
            ("GET", r"/oauth/authorize", self.authorize_page),
            ("POST", r"/oauth/authorize", self.authorize),
            ("POST", r"/oauth/token", self.token),
            ("GET", r"/api/v1/accounts/verify_credentials", self.verify),
            ("GET", r"/api/v2/instance", self.instance),
            ("POST", r"/api/v2/media", self.upload),
            ("GET", r"/api/v1/media/(\d+)", self.media_status),
            ("POST", r"/api/v1/statuses", self.post_status),
            ("GET", r"/api/v1/statuses/(\d+)", self.get_status),
            ("PUT", r"/api/v1/statuses/(\d+)", self.edit_status),
            ("DELETE", r"/api/v1/statuses/(\d+)", self.delete_status),
            ("GET", r"/api/v1/statuses/(\d+)/context", self.context),
            ("GET", r"/api/v1/statuses/(\d+)/favourited_by", lambda q, i: self.people(favourites, i)),
            ("GET", r"/api/v1/statuses/(\d+)/reblogged_by", lambda q, i: self.people(reblogs, i)),
            ("GET", r"/api/v1/accounts/(\d+)/statuses", self.account_statuses),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return handler(query, *match.groups())
        self.send_json(404, {"error": "Record not found"})

    # Apps and OAuth

    def create_app(self, query):
        body = self.parsed()
        if not body.get("client_name") or not body.get("redirect_uris"):
            return self.send_json(422, {"error": "Validation failed: Name can't be blank"})
        client_id = secrets.token_urlsafe(16)
        app = {
            "id": str(next(ids)),
            "name": body["client_name"],
            "website": body.get("website"),
            "redirect_uri": body["redirect_uris"],
            "client_id": client_id,
            "client_secret": secrets.token_urlsafe(24),
            "scopes": body.get("scopes", "read").split(),
        }
        apps[client_id] = app
        self.send_json(200, app)

    def authorize_page(self, query):
        app = apps.get(query.get("client_id"))
        if not app or query.get("redirect_uri") != app["redirect_uri"] or query.get("response_type") != "code":
            return self.send_json(400, {"error": "invalid_request"})
        scopes = (query.get("scope") or "read").split()
        if any(scope not in app["scopes"] for scope in scopes):
            return self.send_json(400, {"error": "invalid_scope"})
        if query.get("code_challenge_method", "S256") != "S256" or not query.get("code_challenge"):
            return self.send_json(400, {"error": "invalid_request", "error_description": "PKCE (S256) is required"})
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
        )
        page = (
            f"<!doctype html><title>Authorize</title><h1>Authorize {html.escape(app['name'])}?</h1>"
            f"<p>It asks for: {html.escape(' '.join(scopes))}</p>"
            f'<form method="post" action="/oauth/authorize">{hidden}<button id="authorize">Authorize</button></form>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def authorize(self, query):
        form = self.parsed()
        app = apps.get(form.get("client_id"))
        if not app or form.get("redirect_uri") != app["redirect_uri"]:
            return self.send_json(400, {"error": "invalid_request"})
        code = secrets.token_urlsafe(16)
        codes[code] = (app["client_id"], form["redirect_uri"], form.get("code_challenge"), form.get("scope", "read").split())
        location = form["redirect_uri"] + ("&" if "?" in form["redirect_uri"] else "?") + urlencode(
            {"code": code, "state": form.get("state", "")}
        )
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def token(self, query):
        body = self.parsed()
        grant = codes.pop(body.get("code"), None)
        app = apps.get(body.get("client_id"))
        if not grant or not app or app["client_secret"] != body.get("client_secret") or grant[0] != app["client_id"]:
            return self.send_json(400, {"error": "invalid_grant"})
        if grant[1] != body.get("redirect_uri"):
            return self.send_json(400, {"error": "invalid_grant", "error_description": "redirect_uri differs"})
        verifier = body.get("code_verifier") or ""
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if grant[2] and challenge != grant[2]:
            return self.send_json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        token = secrets.token_urlsafe(24)
        tokens[token] = (OWNER, set(grant[3]))
        self.send_json(200, {"access_token": token, "token_type": "Bearer", "scope": " ".join(grant[3]), "created_at": int(time.time())})

    def verify(self, query):
        who = self.who("read:accounts")
        if who:
            self.send_json(200, accounts[who[0]])

    def instance(self, query):
        self.send_json(
            200,
            {
                "domain": f"127.0.0.1:{PORT}",
                "title": "Fake Mastodon",
                "version": "4.3.0",
                "configuration": {
                    "statuses": {"max_characters": MAX_CHARACTERS, "max_media_attachments": MAX_ATTACHMENTS, "characters_reserved_per_url": 23},
                    "media_attachments": {
                        "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "video/mp4", "audio/mpeg", "audio/mp4"],
                        "image_size_limit": IMAGE_LIMIT,
                        "image_matrix_limit": 33177600,
                        "video_size_limit": VIDEO_LIMIT,
                    },
                },
            },
        )

    # Media and statuses

    def upload(self, query):
        who = self.who("write:media")
        if not who:
            return
        form = self.parsed()
        file = form.get("file")
        if not isinstance(file, dict) or not file["data"]:
            return self.send_json(422, {"error": "Validation failed: File can't be blank"})
        kind = file["type"].split("/")[0]
        limit = IMAGE_LIMIT if kind == "image" else VIDEO_LIMIT
        if len(file["data"]) > limit:
            return self.send_json(422, {"error": f"Validation failed: File file size must be less than {limit} Bytes"})
        if kind not in ("image", "video", "audio"):
            return self.send_json(422, {"error": "Validation failed: File has contents that are not what they are reported to be"})
        media_id = str(next(ids))
        item = {
            "id": media_id,
            "type": kind,
            "url": None if kind != "image" else f"{BASE}/media/{media_id}",
            "preview_url": None,
            "description": form.get("description"),
            "meta": {"size": len(file["data"]), "mime": file["type"], "sha256": hashlib.sha256(file["data"]).hexdigest()},
            "owner": who[0],
            "attached": False,
        }
        with lock:
            media[media_id] = item
        # Images are ready at once; audio and video are processed, then ready.
        self.send_json(200 if kind == "image" else 202, public_media(item))

    def media_status(self, query, media_id):
        who = self.who("write:media")
        if not who:
            return
        item = media.get(media_id)
        if not item or item["owner"] != who[0]:
            return self.send_json(404, {"error": "Record not found"})
        # 206 while processing (the first look), 200 with its URL once done.
        if item["url"] is None:
            if item.get("polled"):
                item["url"] = f"{BASE}/media/{media_id}"
            else:
                item["polled"] = True
                return self.send_json(206, public_media(item))
        self.send_json(200, public_media(item))

    def check_status_body(self, body, who, status=None):
        text = body.get("status") or ""
        media_ids = body.get("media_ids") or []
        if not text and not media_ids:
            return "Validation failed: Text can't be blank"
        if length(text) > MAX_CHARACTERS:
            return f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"
        if len(media_ids) > MAX_ATTACHMENTS:
            return f"Validation failed: Media attachments limit of {MAX_ATTACHMENTS} exceeded"
        for media_id in media_ids:
            item = media.get(media_id)
            if not item or item["owner"] != who[0]:
                return "Validation failed: media not found"
            if item["url"] is None:
                return "Validation failed: media still processing"
            if item["attached"] and not (status and media_id in status["media_ids"]):
                return "Validation failed: media already attached"
        kinds = {media[i]["type"] for i in media_ids}
        if len(kinds) > 1 and kinds != {"image"}:
            return "Validation failed: Cannot attach a video to a post that already contains images"
        return None

    def post_status(self, query):
        who = self.who("write:statuses")
        if not who:
            return
        key = self.headers.get("Idempotency-Key")
        body = self.parsed()
        with lock:
            if key and (who[1], key) in idempotency:
                return self.send_json(200, rendered(statuses[idempotency[(who[1], key)]]))
            problem = self.check_status_body(body, who)
            if problem:
                return self.send_json(422, {"error": problem})
            status_id = str(next(ids))
            statuses[status_id] = self.new_status(status_id, who[0], body.get("status") or "", body.get("media_ids") or [], body.get("in_reply_to_id"))
            if key:
                idempotency[(who[1], key)] = status_id
        if controls.take_lost("status"):
            return self.drop()
        self.send_json(200, rendered(statuses[status_id]))

    def new_status(self, status_id, account_id, text, media_ids, in_reply_to=None):
        for media_id in media_ids:
            media[media_id]["attached"] = True
        username = accounts[account_id]["username"]
        return {
            "id": status_id,
            "uri": f"{BASE}/users/{username}/statuses/{status_id}",
            "url": f"{BASE}/@{username}/{status_id}",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "edited_at": None,
            "in_reply_to_id": in_reply_to,
            "visibility": "public",
            "content": "<p>" + "<br>".join(html.escape(line) for line in text.split("\n")) + "</p>",
            "text": text,
            "media_ids": list(media_ids),
            "account_id": account_id,
            "deleted": False,
            "history": [],
        }

    def find(self, status_id):
        status = statuses.get(status_id)
        if not status or status["deleted"]:
            self.send_json(404, {"error": "Record not found"})
            return None
        return status

    def get_status(self, query, status_id):
        status = self.find(status_id)
        if status:
            self.send_json(200, rendered(status))

    def edit_status(self, query, status_id):
        who = self.who("write:statuses")
        if not who:
            return
        with lock:
            status = self.find(status_id)
            if not status:
                return
            if status["account_id"] != who[0]:
                return self.send_json(403, {"error": "This action is not allowed"})
            body = self.parsed()
            problem = self.check_status_body(body, who, status)
            if problem:
                return self.send_json(422, {"error": problem})
            status["history"].append({"text": status["text"], "media_ids": status["media_ids"]})
            fresh = self.new_status(status_id, who[0], body.get("status") or "", body.get("media_ids") or [])
            for key in ("content", "text", "media_ids"):
                status[key] = fresh[key]
            status["edited_at"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        self.send_json(200, rendered(status))

    def delete_status(self, query, status_id):
        who = self.who("write:statuses")
        if not who:
            return
        status = self.find(status_id)
        if not status:
            return
        if status["account_id"] != who[0]:
            return self.send_json(403, {"error": "This action is not allowed"})
        status["deleted"] = True
        out = rendered(status)
        out["text"] = status["text"]
        self.send_json(200, out)

    def context(self, query, status_id):
        if self.headers.get("Authorization") and not self.who("read:statuses"):
            return
        if not self.find(status_id):
            return
        found, frontier = [], [status_id]
        while frontier:
            parent = frontier.pop(0)
            for status in statuses.values():
                if status["in_reply_to_id"] == parent and not status["deleted"]:
                    found.append(rendered(status))
                    frontier.append(status["id"])
        self.send_json(200, {"ancestors": [], "descendants": found})

    def people(self, table, status_id):
        if self.headers.get("Authorization") and not self.who("read:accounts"):
            return
        if not self.find(status_id):
            return
        self.send_json(200, [accounts[i] for i in table.get(status_id, [])])

    def account_statuses(self, query, account_id):
        listed = [rendered(s) for s in statuses.values() if s["account_id"] == account_id and not s["deleted"]]
        self.send_json(200, list(reversed(listed))[: int(query.get("limit", 20))])

    # Controls for tests

    def control(self, method, name, query):
        if name == "owner-token":
            # A new token each time, as the owner makes one in Preferences → Development.
            token = "owner-token-" + secrets.token_hex(8)
            tokens[token] = (OWNER, {"read:accounts", "read:statuses", "write:media", "write:statuses"})
            return self.send_json(200, {"token": token, "account": accounts[OWNER]})
        if name == "statuses":
            out = []
            for status in statuses.values():
                item = rendered(status)
                item["text"] = status["text"]
                item["deleted"] = status["deleted"]
                item["edits"] = len(status["history"])
                item["media_attachments"] = [dict(public_media(media[i]), meta=media[i]["meta"]) for i in status["media_ids"]]
                out.append(item)
            return self.send_json(200, out)
        if name == "requests":
            return self.send_json(200, [f"{m} {p}" for m, p in controls.requests])
        body = self.parsed() if method == "POST" else {}
        if name == "reply":
            author = next((a for a in accounts.values() if a["username"] == body["username"]), None)
            author_id = author["id"] if author else account(body["username"], body.get("display_name", body["username"]))
            status_id = str(next(ids))
            statuses[status_id] = self.new_status(status_id, author_id, body["text"], [], body["in_reply_to_id"])
            return self.send_json(200, rendered(statuses[status_id]))
        if name in ("favourite", "reblog"):
            author = next((a for a in accounts.values() if a["username"] == body["username"]), None)
            author_id = author["id"] if author else account(body["username"], body.get("display_name", body["username"]))
            (favourites if name == "favourite" else reblogs).setdefault(body["status_id"], []).append(author_id)
            return self.send_json(200, {})
        if name == "rate-limit":
            controls.rate_limited = int(body.get("count", 1))
            controls.retry_after = int(body.get("retry_after", 1))
            return self.send_json(200, {})
        if name == "lose-next-answer":
            controls.lose_next.add("status")
            return self.send_json(200, {})
        if name == "revoke":
            tokens.clear()
            return self.send_json(200, {})
        self.send_json(404, {"error": "no such control"})


serve(Mastodon, PORT)
