#!/usr/bin/env python3
"""A client of Nginx Proxy Manager's API written the way NPM's own frontend calls it
(frontend/src/api/backend: `/api/tokens`, `Authorization: Bearer`, the forms' whole bodies on
create and update, `expand`, toggles, deletes), pointed at PosternProxy's `/npm` base URL. Every
answer is checked against NPM's published schema; each host it saves is then requested through
the controller's Caddy. Prints `ok <check>` per check and exits non-zero at the first failure.

Usage: npm_client.py BASE_URL EMAIL PASSWORD CADDY_HTTP_PORT UPSTREAM_PORT SECOND_UPSTREAM_PORT CADDY_HTTPS_PORT
"""
import http.client
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import npm_schema as schema

BASE, EMAIL, PASSWORD = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
CADDY_PORT, UPSTREAM, SECOND, CADDY_TLS_PORT = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
token = None


def ok(check):
    print(f"ok {check}", flush=True)


def call(method, path, body=None, bearer=True, query="", form=None):
    """(status, decoded JSON) of `method` `/api{path}`, as NPM's frontend sends it: a JSON body,
    or `form` as a multipart form of files (as the browser sends a FormData)."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        boundary = "----NPMFormBoundary7MA4YWxkTrZu0gW"
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        data = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.pem"\r\n'
            f"Content-Type: application/x-x509-ca-cert\r\n\r\n{text}\r\n".encode() for name, text in form.items()
        ) + f"--{boundary}--\r\n".encode()
    if bearer and token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{BASE}/api{path}{query}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def expect(condition, message):
    if not condition:
        raise SystemExit(f"FAILED {message}")


def refused(status, answer, code, words, what):
    """An error in NPM's shape: `{"error": {"code": <status>, "message": …}}` naming `words`."""
    expect(status == code, f"{what}: expected {code}, got {status} {answer}")
    schema.check(answer, schema.component("error"), what)
    expect(answer["error"]["code"] == code, f"{what}: error.code {answer['error']}")
    for word in words:
        expect(word in answer["error"]["message"], f"{what}: the message does not name {word!r}: {answer['error']['message']}")


def served(host, path="/", headers=None):
    """(status, upstream name or None, headers, the path the upstream saw) of a request for
    `host` through Caddy."""
    connection = http.client.HTTPConnection("127.0.0.1", CADDY_PORT, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        try:
            echo = json.loads(body)
            return response.status, echo.get("upstream"), response.headers, echo.get("path")
        except ValueError:
            return response.status, None, response.headers, None
    finally:
        connection.close()


def eventually(condition, what, seconds=40):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"FAILED never happened: {what}")


def main():
    global token
    status, health = call("GET", "/", bearer=False)
    expect(status == 200, f"GET /api: {status}")
    schema.check(health, schema.response_schema("", "get", 200), "GET /api")
    ok("the health check answers in NPM's shape")

    status, answer = call("POST", "/tokens", {"identity": EMAIL, "secret": "wrong password"}, bearer=False)
    refused(status, answer, 401, [], "a wrong password")
    status, answer = call("POST", "/tokens", {"identity": EMAIL, "secret": PASSWORD}, bearer=False)
    expect(status == 200, f"POST /api/tokens: {status} {answer}")
    schema.check(answer, schema.component("token-object"), "the token")
    token = answer["token"]
    expires = time.mktime(time.strptime(answer["expires"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    expect(20 * 3600 < expires - time.time() < 25 * 3600, f"the token lasts a day as NPM's do: {answer['expires']}")
    ok("login with identity and secret gives a token that lasts a day")

    status, me = call("GET", "/users/me", query="?expand=permissions")
    expect(status == 200, f"GET /api/users/me: {status} {me}")
    schema.check(me, schema.component("user-object"), "the user")
    expect(me["email"] == EMAIL and "admin" in me["roles"], f"the user: {me}")
    expect(me["permissions"]["proxy_hosts"] == "manage", f"permissions: {me['permissions']}")
    ok("the signed-in user and their permissions come in NPM's shape")

    old = token
    status, answer = call("GET", "/tokens")
    expect(status == 200, f"GET /api/tokens: {status} {answer}")
    schema.check(answer, schema.component("token-object"), "the refreshed token")
    token = answer["token"]
    expect(token != old, "refreshing gives a new token")
    token, stale = old, token
    status, answer = call("GET", "/users/me")
    refused(status, answer, 401, [], "the token replaced by a refresh")
    token = stale
    expect(call("GET", "/users/me")[0] == 200, "the refreshed token works")
    ok("GET /tokens refreshes the token and the old one stops working")

    status, document = call("GET", "/schema", bearer=False)
    expect(status == 200 and document["openapi"].startswith("3.") and document["servers"] == [{"url": "/npm/api"}],
           f"GET /api/schema: {status} {str(document)[:200]}")
    expect("/nginx/proxy-hosts" in document["paths"] and "$ref" not in json.dumps(document), "NPM's schema, every $ref resolved")
    ok("GET /api/schema answers NPM's published schema")

    proxy_hosts()
    certificates()
    access_lists()
    redirection_hosts()
    dead_hosts()
    streams()

    status, report = call("GET", "/reports/hosts")
    expect(status == 200, f"GET /api/reports/hosts: {status}")
    schema.check(report, schema.response_schema("reports/hosts", "get", 200), "the hosts report")
    expect(report == {"proxy": 1, "redirection": 1, "stream": 1, "dead": 1}, f"the hosts report counts: {report}")
    ok("the hosts report counts each kind")

    settings_and_audit_log()
    users()
    replay_examples()


def users():
    """NPM's user dialogs: create with a password, edit, permissions, a password reset, delete."""
    global token
    status, created = call("POST", "/users", {"name": "Bob Builder", "nickname": "Bob", "email": "bob@npm.test", "roles": [],
                                             "is_disabled": False, "auth": {"type": "password", "secret": "bob's first password"}})
    expect(status == 201, f"create a user: {status} {created}")
    schema.check(created, schema.component("user-object"), "the created user")
    expect(created["roles"] == [] and created["permissions"]["proxy_hosts"] == "view", f"a user without admin views: {created}")
    status, answer = call("POST", "/users", {"name": "Eve", "nickname": "Eve", "email": "eve@npm.test", "roles": ["root"],
                                            "auth": {"type": "password", "secret": "eve's password 1"}})
    refused(status, answer, 400, ["roles"], "a role NPM does not have")
    status, answer = call("POST", "/users", {"name": "Eve", "nickname": "Eve", "email": "eve@npm.test"})
    refused(status, answer, 400, ["auth.secret"], "a user without a password")
    status, updated = call("PUT", f"/users/{created['id']}", {"name": "Bob", "nickname": "Bob", "email": "bob@npm.test",
                                                             "roles": [], "is_disabled": False})
    expect(status == 200 and updated["name"] == "Bob", f"edit the user: {status} {updated}")
    status, answer = call("PUT", f"/users/{created['id']}/permissions", {"visibility": "all", "proxy_hosts": "manage",
                                                                         "redirection_hosts": "manage", "dead_hosts": "manage",
                                                                         "streams": "manage", "access_lists": "manage",
                                                                         "certificates": "manage"})
    expect(status == 200 and answer is True, f"permissions to manage everything: {status} {answer}")
    expect(call("GET", f"/users/{created['id']}", query="?expand=permissions")[1]["roles"] == ["admin"], "make the user an admin")
    status, answer = call("PUT", f"/users/{created['id']}/permissions", {"visibility": "user", "proxy_hosts": "manage",
                                                                         "redirection_hosts": "hidden"})
    refused(status, answer, 400, ["permissions"], "permissions finer than PosternProxy's roles")
    status, answer = call("PUT", f"/users/{created['id']}/auth", {"type": "password", "secret": "bob's second password"})
    expect(status == 200 and answer is True, f"reset the password: {status} {answer}")
    mine = token
    # An admin signs in as the user (NPM's "sign in as"): a token of the user's own, audited.
    status, signed_in = call("POST", f"/users/{created['id']}/login")
    expect(status == 200, f"sign in as the user: {status} {signed_in}")
    schema.check(signed_in, schema.response_schema("users/userID/login", "post", 200), "the sign-in as the user")
    token = signed_in["token"]
    expect(call("GET", "/users/me")[1]["email"] == "bob@npm.test", "the token is the user's")
    token = mine
    refused(*call("POST", "/users/999999/login"), 404, [], "a sign-in as a user that does not exist")
    status, bob = call("POST", "/tokens", {"identity": "bob@npm.test", "secret": "bob's second password"}, bearer=False)
    expect(status == 200, f"bob signs in with the new password: {status} {bob}")
    token = bob["token"]
    status, answer = call("PUT", "/users/me/auth", {"type": "password", "current": "wrong", "secret": "bob's third password"})
    refused(status, answer, 401 if status == 401 else 400, [], "one's own password changed without the current one")
    status, answer = call("PUT", "/users/me/auth", {"type": "password", "current": "bob's second password",
                                                   "secret": "bob's third password"})
    expect(status == 200 and answer is True, f"bob changes his own password: {status} {answer}")
    token = mine
    status, answer = call("DELETE", f"/users/{created['id']}")
    expect(status == 200 and answer is True, f"delete the user: {status} {answer}")
    refused(*call("GET", f"/users/{created['id']}"), 404, [], "a deleted user")
    ok("users are created, edited, promoted, given passwords, signed in as and deleted as NPM's dialogs do")


def settings_and_audit_log():
    status, listed = call("GET", "/settings")
    expect(status == 200, f"GET /api/settings: {status}")
    schema.check(listed, schema.component("setting-list"), "the settings")
    status, changed = call("PUT", "/settings/default-site", {"value": "redirect", "meta": {"redirect": "https://example.test/"}})
    expect(status == 200 and changed["value"] == "redirect", f"set the default site: {status} {changed}")
    schema.check(changed, schema.component("setting-object"), "the changed setting")
    eventually(lambda: served("nobody-serves-this.test")[2].get("Location") == "https://example.test/",
               "a name no host serves is redirected as the default site says")
    status, answer = call("PUT", "/settings/default-site", {"value": "html", "meta": {"html": "<p>hi</p>"}})
    refused(status, answer, 400, ["value"], "a default page of one's own HTML")
    status, answer = call("PUT", "/settings/default-site", {"value": "redirect", "meta": {"redirect": "javascript:alert(1)"}})
    refused(status, answer, 400, [], "a redirect that is not an http(s) URL")
    status, changed = call("PUT", "/settings/default-site", {"value": "404", "meta": {}})
    expect(status == 200 and changed["value"] == "404", f"set it back: {status} {changed}")
    eventually(lambda: served("nobody-serves-this.test")[0] == 404, "and names no host serves get 404 again")

    status, entries = call("GET", "/audit-log", query="?expand=user")
    expect(status == 200 and isinstance(entries, list), f"GET /api/audit-log: {status}")
    schema.check(entries, schema.component("audit-log-list"), "the audit log")
    expect(any(e["object_type"] == "proxy-host" and e["action"] == "created" and e["user"]["email"] == EMAIL for e in entries),
           f"the audit log names what the client did: {entries[:3]}")
    ok("the default-site setting and the audit log in NPM's shapes")


def proxy_host_form(domain, **changes):
    """The body NPM's proxy host form sends (ProxyHostModal's values, snake_cased)."""
    body = {
        "domain_names": [domain], "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": UPSTREAM,
        "access_list_id": 0, "caching_enabled": False, "block_exploits": True, "allow_websocket_upgrade": True,
        "locations": [], "certificate_id": 0, "ssl_forced": False, "http2_support": False, "hsts_enabled": False,
        "hsts_subdomains": False, "trust_forwarded_proto": False, "advanced_config": "",
        "meta": {"letsencrypt_agree": False, "dns_challenge": False},
    }
    body.update(changes)
    return body


def proxy_hosts():
    host_schema = schema.component("proxy-host-object")
    status, created = call("POST", "/nginx/proxy-hosts", proxy_host_form("npm-app.test"))
    expect(status == 201, f"create a proxy host: {status} {created}")
    schema.check(created, host_schema, "the created proxy host")
    expect(created["certificate_id"] == 0 and created["access_list_id"] == 0, f"0 means none: {created}")
    expect(created["owner"]["email"] == EMAIL, "the owner is expanded")
    eventually(lambda: served("npm-app.test")[1] == "app", "the created proxy host serves through Caddy")
    ok("a proxy host created with the form's body serves through Caddy")

    status, hosts = call("GET", "/nginx/proxy-hosts", query="?expand=owner,access_list,certificate")
    expect(status == 200 and isinstance(hosts, list), f"the list is a bare array: {status}")
    schema.check(hosts, schema.response_schema("nginx/proxy-hosts", "get", 200), "the proxy host list")
    expect([h["id"] for h in hosts] == [created["id"]], f"the list: {hosts}")
    status, found = call("GET", "/nginx/proxy-hosts", query="?query=npm-app")
    expect(status == 200 and len(found) == 1, f"query finds the host: {found}")
    status, found = call("GET", "/nginx/proxy-hosts", query="?query=nothing-like-it")
    expect(status == 200 and found == [], f"query leaves out others: {found}")
    ok("the list is a bare array with expansions and a search query")

    # The edit form: the host as read (expand=owner), its values sent back whole with a location.
    status, read = call("GET", f"/nginx/proxy-hosts/{created['id']}", query="?expand=owner")
    expect(status == 200, f"read the host: {status}")
    schema.check(read, host_schema, "the proxy host read back")
    form = {key: read[key] for key in [
        "domain_names", "forward_scheme", "forward_host", "forward_port", "access_list_id", "caching_enabled", "block_exploits",
        "allow_websocket_upgrade", "locations", "certificate_id", "ssl_forced", "http2_support", "hsts_enabled", "hsts_subdomains",
        "trust_forwarded_proto", "advanced_config", "meta"]}
    form["locations"] = [
        {"path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": SECOND, "forward_path": ""},
        {"path": "/old/", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": SECOND, "forward_path": "/v2/"},
    ]
    form["enabled"] = 1
    status, updated = call("PUT", f"/nginx/proxy-hosts/{created['id']}", form)
    expect(status == 200, f"update the host: {status} {updated}")
    schema.check(updated, host_schema, "the updated proxy host")
    eventually(lambda: served("npm-app.test", "/api/x")[1] == "second", "the location sends /api to its own upstream")
    expect(served("npm-app.test", "/other")[1] == "app", "other paths still go to the host's upstream")
    answer = served("npm-app.test", "/old/page?x=1")
    expect(answer[1] == "second" and answer[3] == "/v2/page?x=1", f"the location's forward_path replaces its path: {answer[3]}")
    expect(served("npm-app.test", "/api/x")[3] == "/api/x", "a location without forward_path keeps the path")
    ok("the edit form's body, sent whole with custom locations and a path on the upstream, is served")

    before = call("GET", "/nginx/proxy-hosts")[1]
    for changes, words, what in [
        ({"advanced_config": "location /x { return 200; }"}, ["advanced_config", "nginx"], "nginx advanced_config"),
        ({"trust_forwarded_proto": True}, ["trust_forwarded_proto"], "trust_forwarded_proto"),
        ({"certificate_id": "new"}, ["certificate_id"], "a certificate to request"),
        ({"meta": {"dns_challenge": True}}, ["dns_challenge"], "a DNS challenge"),
        ({"forward_port": "80"}, ["forward_port"], "a port as text"),
        ({"forward_host": "{env.HOME}"}, ["forward_host"], "a placeholder as the forward host"),
        ({"access_list_id": 999}, ["access_list_id"], "a missing access list"),
        ({"colour": "red"}, ["colour"], "an unknown member"),
        ({"locations": [{"path": "/a", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": SECOND,
                         "advanced_config": "proxy_set_header X 1;"}]}, ["locations[0].advanced_config"], "a location's nginx config"),
    ]:
        status, answer = call("POST", "/nginx/proxy-hosts", proxy_host_form("npm-refused.test", **changes))
        refused(status, answer, 404 if what == "a missing access list" else 400, words, what)
    expect(call("GET", "/nginx/proxy-hosts")[1] == before, "nothing was stored by the refused bodies")
    ok("what Caddy cannot honour or NPM would refuse is refused in NPM's error shape, naming the field, and nothing is stored")

    status, answer = call("POST", f"/nginx/proxy-hosts/{created['id']}/disable")
    expect(status == 200 and answer is True, f"disable: {status} {answer}")
    eventually(lambda: served("npm-app.test")[1] is None, "the disabled host stops being served")
    expect(call("GET", f"/nginx/proxy-hosts/{created['id']}")[1]["enabled"] is False, "it shows disabled")
    status, answer = call("POST", f"/nginx/proxy-hosts/{created['id']}/enable")
    expect(status == 200 and answer is True, f"enable: {status} {answer}")
    eventually(lambda: served("npm-app.test")[1] == "app", "the enabled host is served again")
    ok("disable and enable take the host off Caddy and back")

    status, spare = call("POST", "/nginx/proxy-hosts", proxy_host_form("npm-spare.test"))
    expect(status == 201, f"a second host: {status} {spare}")
    status, answer = call("DELETE", f"/nginx/proxy-hosts/{spare['id']}")
    expect(status == 200 and answer is True, f"delete: {status} {answer}")
    status, answer = call("GET", f"/nginx/proxy-hosts/{spare['id']}")
    refused(status, answer, 404, [], "a deleted host")
    ok("delete answers true and the host is gone")


def self_signed(name):
    """(certificate PEM, key PEM) of a new self-signed certificate for `name`."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", f"{folder}/key.pem", "-out", f"{folder}/cert.pem", "-days", "30", "-subj", f"/CN={name}",
                        "-addext", f"subjectAltName=DNS:{name}"], check=True, capture_output=True)
        return open(f"{folder}/cert.pem").read(), open(f"{folder}/key.pem").read()


def certificates():
    """NPM's custom certificate dialog (validate, create, upload), an automatic one, and a host
    served over HTTPS with the uploaded one."""
    certificate, key = self_signed("npm-tls.test")
    status, checked = call("POST", "/nginx/certificates/validate", form={"certificate": certificate, "certificate_key": key})
    expect(status == 200, f"validate: {status} {checked}")
    schema.check(checked, schema.response_schema("nginx/certificates/validate", "post", 200), "the validation")
    expect(checked["certificate"]["cn"] == "npm-tls.test" and checked["certificate_key"] is True, f"validation: {checked}")
    _, other_key = self_signed("npm-other.test")
    status, answer = call("POST", "/nginx/certificates/validate", form={"certificate": certificate, "certificate_key": other_key})
    refused(status, answer, 400, ["certificate_key"], "a key that is not the certificate's")
    status, answer = call("POST", "/nginx/certificates/validate", form={"certificate": certificate})
    refused(status, answer, 400, ["certificate_key"], "a form without the key")

    status, created = call("POST", "/nginx/certificates", {"provider": "other", "nice_name": "NPM TLS"})
    expect(status == 201, f"create a custom certificate: {status} {created}")
    schema.check(created, schema.component("certificate-object"), "the created certificate")
    status, uploaded = call("POST", f"/nginx/certificates/{created['id']}/upload", form={"certificate": certificate, "certificate_key": key})
    expect(status == 200 and uploaded["certificate"] == certificate, f"upload: {status} {uploaded}")
    schema.check(uploaded, schema.response_schema("nginx/certificates/certID/upload", "post", 200), "the upload's answer")
    expect("BEGIN" not in uploaded["certificate_key"], "the key is not shown back")
    status, read = call("GET", f"/nginx/certificates/{created['id']}", query="?expand=owner")
    schema.check(read, schema.component("certificate-object"), "the uploaded certificate")
    expect(read["domain_names"] == ["npm-tls.test"] and read["expires_on"], f"its names and expiry: {read}")

    status, host = call("POST", "/nginx/proxy-hosts", proxy_host_form("npm-tls.test", certificate_id=created["id"], ssl_forced=True,
                                                                     http2_support=True))
    expect(status == 201, f"a host with the certificate: {status} {host}")
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as trusted:
        trusted.write(certificate)
        trusted.flush()
        context = ssl.create_default_context(cafile=trusted.name)

        def presented():
            """Whether the host answers over TLS with SNI npm-tls.test, trusting only the uploaded certificate."""
            try:
                with socket.create_connection(("127.0.0.1", CADDY_TLS_PORT), 10) as raw, \
                        context.wrap_socket(raw, server_hostname="npm-tls.test") as tls:
                    tls.sendall(b"GET / HTTP/1.1\r\nHost: npm-tls.test\r\nConnection: close\r\n\r\n")
                    return b'"upstream": "app"' in b"".join(iter(lambda: tls.recv(65536), b""))
            except (OSError, ssl.SSLError):
                return False

        eventually(presented, "the host is served over HTTPS with the uploaded certificate")
    status, hosts = call("GET", "/nginx/proxy-hosts", query="?expand=owner,access_list,certificate")
    schema.check(hosts, schema.response_schema("nginx/proxy-hosts", "get", 200), "the list with certificates expanded")
    expect([h["certificate"]["id"] if h["certificate"] else None for h in hosts if h["id"] == host["id"]] == [created["id"]],
           "the certificate is expanded")

    status, automatic = call("POST", "/nginx/certificates", {"provider": "letsencrypt", "domain_names": ["npm-auto.test"],
                                                              "meta": {"letsencrypt_agree": True, "dns_challenge": False}})
    expect(status == 201 and automatic["provider"] == "letsencrypt", f"an automatic certificate: {status} {automatic}")
    schema.check(automatic, schema.component("certificate-object"), "the automatic certificate")
    status, answer = call("POST", "/nginx/certificates", {"provider": "letsencrypt", "domain_names": ["npm-dns.test"],
                                                           "meta": {"dns_challenge": True, "dns_provider": "cloudflare"}})
    refused(status, answer, 400, ["dns_challenge"], "a DNS challenge")
    status, answer = call("POST", f"/nginx/certificates/{automatic['id']}/renew")
    refused(status, answer, 400, ["renews"], "a renewal Caddy does by itself")
    status, answer = call("POST", f"/nginx/certificates/{automatic['id']}/upload", form={"certificate": certificate, "certificate_key": key})
    refused(status, answer, 400, ["provider"], "files uploaded to an automatic certificate")
    status, providers = call("GET", "/nginx/certificates/dns-providers")
    expect(status == 200 and providers == [], f"no DNS providers: {providers}")
    refused(*call("GET", f"/nginx/certificates/{automatic['id']}/download"), 400, ["keeps its key"], "downloading an automatic certificate")
    refused(*call("GET", f"/nginx/certificates/{created['id']}/download"), 400, ["Let's Encrypt"], "downloading an uploaded certificate")
    refused(*call("GET", "/nginx/certificates/test-http", query='?domains=["npm-tls.test"]'), 400, ["HTTP-01"],
            "testing HTTP reachability, which Caddy does when it obtains a certificate")
    status, listed = call("GET", "/nginx/certificates", query="?expand=owner")
    schema.check(listed, schema.response_schema("nginx/certificates", "get", 200), "the certificate list")
    expect(call("DELETE", f"/nginx/certificates/{automatic['id']}")[1] is True, "delete the automatic certificate")
    expect(call("DELETE", f"/nginx/proxy-hosts/{host['id']}")[1] is True, "delete the HTTPS host")
    expect(call("DELETE", f"/nginx/certificates/{created['id']}")[1] is True, "delete the custom certificate")
    ok("a custom certificate validated, created and uploaded as NPM's dialog does serves a host over HTTPS; automatic ones are requested")


def access_lists():
    """NPM's access list form: users and rules (`all` included), then a proxy host using it."""
    import base64
    form = {"name": "Staff", "satisfy_any": 0, "pass_auth": 0,
            "items": [{"username": "alice", "password": "alice secret"}],
            "clients": [{"address": "127.0.0.0/8", "directive": "allow"}, {"address": "all", "directive": "deny"}]}
    status, created = call("POST", "/nginx/access-lists", form)
    expect(status == 201, f"create an access list: {status} {created}")
    schema.check(created, schema.component("access-list-object"), "the created access list")
    status, host = call("POST", "/nginx/proxy-hosts", proxy_host_form("npm-staff.test", access_list_id=created["id"]))
    expect(status == 201 and host["access_list_id"] == created["id"], f"a host behind the list: {status} {host}")
    eventually(lambda: served("npm-staff.test")[0] == 401, "the list asks for a login")
    expect("Basic" in (served("npm-staff.test")[2].get("WWW-Authenticate") or ""), "the prompt is basic auth")
    alice = {"Authorization": "Basic " + base64.b64encode(b"alice:alice secret").decode()}
    expect(served("npm-staff.test", headers=alice)[1] == "app", "alice gets in from an allowed address")
    wrong = {"Authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()}
    expect(served("npm-staff.test", headers=wrong)[0] == 401, "a wrong password does not")

    status, read = call("GET", f"/nginx/access-lists/{created['id']}", query="?expand=owner,items,clients")
    expect(status == 200, f"read the access list: {status}")
    schema.check(read, schema.component("access-list-object"), "the access list read back")
    expect(read["proxy_host_count"] == 1, f"it counts the host using it: {read['proxy_host_count']}")
    expect(read["items"] == [{"username": "alice", "password": ""}], f"users without their passwords: {read['items']}")
    expect([c["address"] for c in read["clients"]] == ["127.0.0.0/8", "0.0.0.0/0", "::/0"], f"`all` is every address: {read['clients']}")
    # The edit form sends the users back with empty passwords: they are kept.
    status, updated = call("PUT", f"/nginx/access-lists/{created['id']}", {
        "name": "Staff only", "satisfy_any": False, "pass_auth": False, "items": read["items"],
        "clients": [{"address": "127.0.0.1", "directive": "allow"}, {"address": "all", "directive": "deny"}]})
    expect(status == 200 and updated["name"] == "Staff only", f"update the list: {status} {updated}")
    eventually(lambda: served("npm-staff.test", headers=alice)[1] == "app", "alice still gets in with her kept password")
    status, lists = call("GET", "/nginx/access-lists", query="?expand=owner,items,clients")
    # NPM's schema documents this list as a single object; NPM's backend answers an array of them.
    expect(status == 200 and isinstance(lists, list) and len(lists) == 1, f"the access list list: {status} {lists}")
    schema.check(lists[0], schema.component("access-list-object"), "an access list in the list")
    expect(lists[0]["proxy_host_count"] == 1, f"the list counts the host using it too: {lists[0]['proxy_host_count']}")
    status, hosts = call("GET", "/nginx/proxy-hosts", query="?expand=access_list")
    used = [h["access_list"] for h in hosts if h["access_list_id"] == created["id"]]
    expect(status == 200 and len(used) == 1 and used[0]["proxy_host_count"] == 1, f"an expanded access list counts its hosts: {used}")
    status, answer = call("POST", "/nginx/access-lists", dict(form, clients=[{"address": "everyone", "directive": "allow"}]))
    refused(status, answer, 400, ["clients[0].address"], "an address that is none")
    status, answer = call("DELETE", f"/nginx/access-lists/{created['id']}")
    refused(status, answer, 409, ["proxy_host"], "deleting a list a host uses")
    expect(call("DELETE", f"/nginx/proxy-hosts/{host['id']}")[1] is True, "the host using it is deleted")
    status, answer = call("DELETE", f"/nginx/access-lists/{created['id']}")
    expect(status == 200 and answer is True, f"delete the list: {status} {answer}")
    ok("an access list with users and rules (`all` included) guards a proxy host through Caddy and keeps passwords on edit")


def redirection_hosts():
    form = {
        "domain_names": ["npm-old.test"], "forward_scheme": "https", "forward_domain_name": "npm-new.test/archive",
        "forward_http_code": 303, "preserve_path": 1, "certificate_id": 0, "ssl_forced": 0, "hsts_enabled": 0,
        "hsts_subdomains": 0, "http2_support": 0, "block_exploits": 0, "advanced_config": "", "meta": {},
    }
    status, created = call("POST", "/nginx/redirection-hosts", form)
    expect(status == 201, f"create a redirection host: {status} {created}")
    schema.check(created, schema.component("redirection-host-object"), "the created redirection host")
    eventually(lambda: served("npm-old.test", "/a?b=c")[0] == 303, "the redirection answers 303")
    location = served("npm-old.test", "/a?b=c")[2]["Location"]
    expect(location == "https://npm-new.test/archive/a?b=c", f"the redirect keeps the target's path and the request's: {location}")
    status, hosts = call("GET", "/nginx/redirection-hosts", query="?expand=owner,certificate")
    schema.check(hosts, schema.response_schema("nginx/redirection-hosts", "get", 200), "the redirection host list")
    status, answer = call("POST", "/nginx/redirection-hosts", dict(form, domain_names=["npm-hsts.test"], hsts_enabled=1))
    refused(status, answer, 400, ["hsts_enabled"], "HSTS on a redirection host")
    for target in ["npm-new.test/{http.request.header.Cookie}", "npm-new.test/a b", "{env.HOME}/x"]:
        status, answer = call("POST", "/nginx/redirection-hosts", dict(form, domain_names=["npm-hostile.test"], forward_domain_name=target))
        refused(status, answer, 400, ["forward_domain_name"], f"the redirect target {target!r}")
    status, answer = call("POST", "/nginx/redirection-hosts", dict(form, domain_names=["npm-h2.test"], certificate_id=7))
    refused(status, answer, 400, ["http2_support"], "HTTP/2 off for a redirection host with a certificate")
    expect(len(call("GET", "/nginx/redirection-hosts")[1]) == 1, "nothing was stored by the refused bodies")
    ok("a redirection host with NPM's 303, 0/1 flags and a target path redirects through Caddy")


def dead_hosts():
    form = {"domain_names": ["npm-gone.test"], "certificate_id": 0, "ssl_forced": False, "hsts_enabled": False,
            "hsts_subdomains": False, "http2_support": False, "advanced_config": "", "meta": {}}
    status, created = call("POST", "/nginx/dead-hosts", form)
    expect(status == 201, f"create a dead host: {status} {created}")
    schema.check(created, schema.component("dead-host-object"), "the created dead host")
    status, hosts = call("GET", "/nginx/dead-hosts")
    schema.check(hosts, schema.response_schema("nginx/dead-hosts", "get", 200), "the dead host list")
    eventually(lambda: call("GET", f"/nginx/dead-hosts/{created['id']}")[1]["meta"]["nginx_online"] is True
               and served("npm-gone.test")[0] == 404, "the dead host answers 404")
    ok("a dead host is created in NPM's shape and answers 404")


def streams():
    form = {"incoming_port": 24000, "forwarding_host": "127.0.0.1", "forwarding_port": UPSTREAM, "tcp_forwarding": 1,
            "udp_forwarding": 0, "certificate_id": 0, "meta": {}}
    status, answer = call("POST", "/nginx/streams", dict(form, certificate_id=3))
    refused(status, answer, 400, ["certificate_id", "TLS"], "a stream that terminates TLS")
    # This controller's Caddy is the stock one, without layer4: only layer4 reaches an IPv6 target.
    status, answer = call("POST", "/nginx/streams", dict(form, forwarding_host="2001:db8::5"))
    refused(status, answer, 400, ["layer4", "IPv6"], "a stream to an IPv6 target on a Caddy without layer4")
    status, listed = call("GET", "/nginx/streams")
    expect(status == 200 and listed == [], f"no stream was stored: {listed}")
    ok("streams Caddy cannot carry here are refused saying why")
    # A plain TCP stream needs no layer4: the server's iptables step carries it.
    status, created = call("POST", "/nginx/streams", form)
    expect(status == 201, f"a plain stream without layer4: {status} {created}")
    schema.check(created, schema.component("stream-object"), "the stream created")
    status, listed = call("GET", "/nginx/streams")
    expect(status == 200 and [s["incoming_port"] for s in listed] == [24000], f"the stream is listed: {listed}")
    ok("a plain stream is accepted where Caddy lacks layer4")


def replay_examples():
    """NPM's documented request examples, sent as they are."""
    for path, kind in [("nginx/proxy-hosts", "proxy-host-object"), ("nginx/redirection-hosts", "redirection-host-object"),
                       ("nginx/dead-hosts", "dead-host-object")]:
        example = schema.request_example(path)
        status, created = call("POST", "/" + path, example)
        expect(status == 201, f"NPM's example for POST /api/{path}: {status} {created}")
        schema.check(created, schema.response_schema(path, "post", 201), f"the answer to NPM's example for {path}")
        schema.check(created, schema.component(kind), f"the answer to NPM's example for {path}")
        status, answer = call("DELETE", f"/{path}/{created['id']}")
        expect(status == 200 and answer is True, f"delete the example: {status}")
    example = schema.request_example("tokens")
    status, answer = call("POST", "/tokens", example, bearer=False)
    refused(status, answer, 401, [], "NPM's example login (an unknown user)")
    ok("NPM's documented request examples are taken and answered in NPM's documented shapes")


if __name__ == "__main__":
    main()
