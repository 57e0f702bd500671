#!/usr/bin/env python3
"""A real OpenID Connect provider for the tests: django-oidc-provider (PyPI) behind HTTPS.

    provider.py --dir WORK --host 10.61.0.1 --port 9443 --redirect-uri URI [--redirect-uri URI ...]

Makes a CA and a certificate for HOST in WORK (ca.pem is what the controller and the browser
trust), a SQLite database with three accounts and one confidential client, then serves until
killed. Prints `READY <issuer>` once it answers.

Accounts (password `provider-pass-1`, emails verified): alice (group proxy-admins), bob (group
proxy-viewers), carol (no group). The client is `posternproxy` with secret
`client-secret-1`, no consent screen, RS256 ID tokens with the groups claim.

An attacker between the provider and the controller is played by WORK/tamper.json, read at
every token request:
    {"claims": {"aud": "someone-else"}}   claims replaced (null removes one) before signing
    {"signature": "foreign"}              the ID token re-signed by a key the provider does not publish
    {"alg": "none"} / {"alg": "HS256"}    the ID token unsigned, or MAC'd with the client secret
"""

import argparse
import datetime
import ipaddress
import json
import os
import socketserver
import ssl
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PASSWORD = "provider-pass-1"
CLIENT_ID = "posternproxy"
CLIENT_SECRET = "client-secret-1"
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = None


def make_certificates(work, host):
    """A CA and a server certificate for `host` (an address or a name), as PEM files."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PosternProxy test identity provider CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        alt = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(work, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(work, "server.pem"), "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(work, "server.key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def tamper():
    try:
        with open(os.path.join(WORK, "tamper.json")) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return {}


def userinfo(claims, user):
    """Standard claims: the account's name and email, which this provider has verified."""
    claims["name"] = user.get_full_name() or user.username
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


def idtoken_hook(id_token, user, **kwargs):
    """The groups claim, then whatever tamper.json replaces."""
    id_token["groups"] = sorted(group.name for group in user.groups.all())
    for name, value in tamper().get("claims", {}).items():
        if value is None:
            id_token.pop(name, None)
        else:
            id_token[name] = value
    return id_token


class TamperMiddleware:
    """Rewrites the token endpoint's ID token as tamper.json says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        rule = tamper()
        if not request.path.endswith("/token") or response.status_code != 200 or not ({"signature", "alg"} & rule.keys()):
            return response
        import jwt
        answer = json.loads(response.content)
        header = jwt.get_unverified_header(answer["id_token"])
        claims = jwt.decode(answer["id_token"], options={"verify_signature": False})
        if rule.get("signature") == "foreign":
            foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            answer["id_token"] = jwt.encode(claims, foreign, algorithm="RS256", headers={"kid": header.get("kid")})
        elif rule.get("alg") == "none":
            answer["id_token"] = jwt.encode(claims, None, algorithm="none", headers={"kid": header.get("kid")})
        elif rule.get("alg") == "HS256":
            answer["id_token"] = jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": header.get("kid")})
        response.content = json.dumps(answer).encode()
        return response


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("provider: " + (format % args) + "\n")


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def shutdown_request(self, request):
        """Ends TLS with close_notify, as a real server does (wsgiref just closes the socket)."""
        try:
            request.unwrap()
        except (OSError, ValueError):
            pass
        super().shutdown_request(request)


def main():
    global WORK
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redirect-uri", action="append", required=True)
    arguments = parser.parse_args()
    WORK = os.path.abspath(arguments.dir)
    os.makedirs(WORK, exist_ok=True)
    make_certificates(WORK, arguments.host)
    authority = f"[{arguments.host}]" if ":" in arguments.host else arguments.host
    site = f"https://{authority}:{arguments.port}"

    from django.conf import settings
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-provider-" + os.urandom(16).hex(),
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        SITE_URL=site,
        CSRF_TRUSTED_ORIGINS=[site],
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
        USE_TZ=True,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(WORK, "provider.sqlite")}},
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "oidc_provider"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware", f"{__name__}.TamperMiddleware"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [HERE], "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}],
        LOGIN_URL="/accounts/login/",
        OIDC_USERINFO=f"{__name__}.userinfo",
        OIDC_IDTOKEN_PROCESSING_HOOK=f"{__name__}.idtoken_hook",
        OIDC_IDTOKEN_INCLUDE_CLAIMS=True,
    )
    import django
    django.setup()
    from django.contrib.auth import views as auth_views
    from django.urls import include, path
    global urlpatterns
    urlpatterns = [
        path("accounts/login/", auth_views.LoginView.as_view(template_name="login.html")),
        path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    ]
    from django.core.management import call_command
    call_command("migrate", verbosity=0)

    from django.contrib.auth.models import Group, User
    from oidc_provider.models import Client, ResponseType, RSAKey
    for username, group in [("alice", "proxy-admins"), ("bob", "proxy-viewers"), ("carol", None)]:
        user = User.objects.create_user(username, f"{username}@example.test", PASSWORD, first_name=username.capitalize())
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    RSAKey.objects.create(key=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                                serialization.NoEncryption()).decode())
    client = Client.objects.create(name="PosternProxy", client_type="confidential", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                   jwt_alg="RS256", require_consent=False, reuse_consent=True)
    client.redirect_uris = arguments.redirect_uri
    client.scope = ["openid", "email", "profile"]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))

    from django.core.wsgi import get_wsgi_application
    server = make_server(arguments.host, arguments.port, get_wsgi_application(), server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(WORK, "server.pem"), os.path.join(WORK, "server.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"READY {site}/openid", flush=True)
    server.serve_forever()


urlpatterns = []

if __name__ == "__main__":
    main()
