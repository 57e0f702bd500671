#!/usr/bin/env python3
"""Serves Nginx Proxy Manager's API over the data folder npm_installation.py builds, for the
import from a running NPM: the parts of NPM's API an import reads, answered from NPM's own
`database.sqlite` as NPM's backend answers them (backend/internal, backend/models at NPM
a62c2a6d): rows that are not deleted, `is_deleted` left out, the models' boolean columns as
booleans and JSON columns parsed, access-list passwords blanked and hinted as `maskItems` does,
two-factor sign-in through a challenge token, certbot's certificates given out as a ZIP of
their live folder's files under their archive names. Every JSON answer is checked against NPM's
published schema (Tests/Fixtures/npm-schema) before it is sent: one that does not conform is a
500 naming why, so this server cannot drift from NPM's contract.

NPM itself cannot run here (its backend's packages come from the npm registry, and there is no
Docker engine): this is the closest stand-in.

Usage: npm_server.py DATA_FOLDER PORT   (prints READY when it listens)
"""
import base64
import hashlib
import hmac
import io
import json
import os
import secrets
import sqlite3
import struct
import sys
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import bcrypt
import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npm_schema  # noqa: E402

FOLDER, PORT = sys.argv[1], int(sys.argv[2])

# backend/models/*.js: each model's boolean fields and JSON attributes.
BOOLEANS = {
    "proxy_host": ["ssl_forced", "caching_enabled", "block_exploits", "allow_websocket_upgrade", "http2_support", "enabled",
                   "hsts_enabled", "hsts_subdomains", "trust_forwarded_proto"],
    "redirection_host": ["enabled", "preserve_path", "ssl_forced", "block_exploits", "hsts_enabled", "hsts_subdomains", "http2_support"],
    "dead_host": ["ssl_forced", "http2_support", "enabled", "hsts_enabled", "hsts_subdomains"],
    "stream": ["enabled", "tcp_forwarding", "udp_forwarding"],
    "access_list": ["satisfy_any", "pass_auth"],
    "user": ["is_disabled"],
    "certificate": [],
}
JSON_COLUMNS = ["domain_names", "meta", "locations", "roles"]
LISTS = {
    "/api/nginx/proxy-hosts": ("proxy_host", "nginx/proxy-hosts"),
    "/api/nginx/redirection-hosts": ("redirection_host", "nginx/redirection-hosts"),
    "/api/nginx/dead-hosts": ("dead_host", "nginx/dead-hosts"),
    "/api/nginx/streams": ("stream", "nginx/streams"),
    "/api/nginx/access-lists": ("access_list", "nginx/access-lists"),
    "/api/nginx/certificates": ("certificate", "nginx/certificates"),
    "/api/users": ("user", "users"),
}
TOKENS, CHALLENGES = {}, {}


def database():
    db = sqlite3.connect(os.path.join(FOLDER, "database.sqlite"))
    db.row_factory = sqlite3.Row
    return db


def shaped(table, row):
    """A row as NPM's model gives it out."""
    row = dict(row)
    row.pop("is_deleted", None)
    for name in BOOLEANS[table]:
        if name in row:
            row[name] = bool(row[name])
    for name in JSON_COLUMNS:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    if table == "proxy_host" and row.get("locations") is None:
        row["locations"] = []
    return row


def rows(db, table, where="", arguments=()):
    live = "is_deleted = 0" if table != "access_list_auth" and table != "access_list_client" else "1"
    return [shaped(table, r) if table in BOOLEANS else dict(r)
            for r in db.execute(f"select * from `{table}` where {live} {where} order by id", arguments)]


def password_auth(db, user_id):
    auth = db.execute("select * from auth where user_id = ? and type = 'password' and is_deleted = 0", (user_id,)).fetchone()
    return (auth["secret"], json.loads(auth["meta"] or "{}")) if auth else (None, {})


def totp(secret, at):
    """RFC 6238 with NPM's otplib defaults: SHA-1, 6 digits, 30 s steps."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def certificate_zip(certificate_id):
    """backend/internal/certificate.js `download`: the live folder's .pem files, each under the
    name of the archive file it links to."""
    live = os.path.join(FOLDER, "letsencrypt", "live", f"npm-{certificate_id}")
    if not os.path.isdir(live):
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(os.listdir(live)):
            if name.endswith(".pem"):
                real = os.path.realpath(os.path.join(live, name))
                archive.write(real, os.path.basename(real))
    return out.getvalue()


# Values NPM's input rules refuse but its database can hold (the fixture's hostile rows, which an
# import must refuse): NPM gives out what it stores, so these are not a breach of the answer's shape.
VALUE_RULES = {"pattern", "maxLength", "minLength", "format"}


def nonconformity(answer, schema):
    """Why `answer` breaks `schema`'s shape, or None. NPM publishes its access-list list as one
    object: a list is checked item by item against it."""
    items = answer if isinstance(answer, list) and schema.get("type") == "object" else [answer]
    for item in items:
        for error in jsonschema.Draft7Validator(schema).iter_errors(item):
            if error.validator not in VALUE_RULES:
                return f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, schema=None, content_type="application/json"):
        if content_type == "application/json":
            broken = nonconformity(body, schema) if schema is not None else None
            if broken:
                status, body = 500, {"error": {"code": 500, "message": f"answer does not conform to NPM's schema: {broken}"}}
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message):
        self.send(status, {"error": {"code": status, "message": message}})

    def body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")

    def user(self):
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        return TOKENS.get(token)

    def do_POST(self):
        db = database()
        body = self.body()
        if self.path == "/api/tokens":
            user = db.execute("select * from user where email = ? and is_deleted = 0", (str(body.get("identity", "")).lower(),)).fetchone()
            secret, meta = password_auth(db, user["id"]) if user else (None, {})
            if not secret or not bcrypt.checkpw(str(body.get("secret", "")).encode(), secret.encode()):
                return self.error(401, "Invalid email or password")
            if meta.get("totp_enabled"):
                challenge = secrets.token_hex(16)
                CHALLENGES[challenge] = user["id"]
                return self.send(200, {"requires_2fa": True, "challenge_token": challenge})
            return self.signed_in(user["id"])
        if self.path == "/api/tokens/2fa":
            user_id = CHALLENGES.get(body.get("challenge_token"))
            if user_id is None:
                return self.error(401, "Invalid challenge token")
            _, meta = password_auth(db, user_id)
            now = time.time()
            if str(body.get("code")) not in {totp(meta["totp_secret"], now + drift) for drift in (-30, 0, 30)}:
                return self.error(401, "Invalid verification code")
            del CHALLENGES[body["challenge_token"]]
            return self.signed_in(user_id)
        return self.error(404, "Not Found")

    def signed_in(self, user_id):
        token = secrets.token_hex(24)
        TOKENS[token] = user_id
        expires = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 86400))
        self.send(200, {"token": token, "expires": expires}, npm_schema.response_schema("tokens", "post", 200))

    def do_GET(self):
        user_id = self.user()
        if user_id is None:
            return self.error(401, "Permission Denied")
        db = database()
        path, _, query = self.path.partition("?")
        expand = next((part[len("expand="):].split(",") for part in query.split("&") if part.startswith("expand=")), [])
        if path in LISTS:
            table, schema = LISTS[path]
            answer = rows(db, table)
            if table == "access_list":
                for row in answer:
                    row["proxy_host_count"] = db.execute(
                        "select count(*) from proxy_host where access_list_id = ? and is_deleted = 0", (row["id"],)).fetchone()[0]
                    if "items" in expand:
                        row["items"] = rows(db, "access_list_auth", "and access_list_id = ?", (row["id"],))
                        for item in row["items"]:
                            # maskItems: the first character, then stars; the password blanked.
                            item["hint"] = item["password"][:1] + "*" * max(len(item["password"]) - 1, 0)
                            item["password"] = ""
                            item["meta"] = json.loads(item["meta"])
                    if "clients" in expand:
                        row["clients"] = rows(db, "access_list_client", "and access_list_id = ?", (row["id"],))
                        for client in row["clients"]:
                            client["meta"] = json.loads(client["meta"])
            return self.send(200, answer, npm_schema.response_schema(schema, "get", 200))
        if path == "/api/users/me":
            me = rows(db, "user", "and id = ?", (user_id,))[0]
            return self.send(200, me, npm_schema.response_schema("users/userID", "get", 200))
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["api", "users"] and parts[3] == "2fa" and parts[2].isdigit():
            _, meta = password_auth(db, int(parts[2]))
            enabled = meta.get("totp_enabled") is True
            status = {"enabled": enabled, "backup_codes_remaining": len(meta.get("backup_codes", [])) if enabled else 0}
            return self.send(200, status, npm_schema.response_schema("users/userID/2fa", "get", 200))
        if len(parts) == 5 and parts[:3] == ["api", "nginx", "certificates"] and parts[4] == "download" and parts[3].isdigit():
            found = rows(db, "certificate", "and id = ?", (int(parts[3]),))
            if not found:
                return self.error(404, "Not Found")
            if found[0]["provider"] != "letsencrypt":
                return self.error(400, "Only Let'sEncrypt certificates can be downloaded")
            archive = certificate_zip(found[0]["id"])
            if archive is None:
                return self.error(404, f"Certificate {found[0]['nice_name']} does not exists")
            return self.send(200, archive, content_type="application/zip")
        return self.error(404, "Not Found")


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("READY", flush=True)
server.serve_forever()
