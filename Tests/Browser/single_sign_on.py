#!/usr/bin/env python3
"""Single sign-on as an admin sets it up and people use it, from another machine (this script
runs in a network namespace of its own). Run by SingleSignOnTests.swift:

  single_sign_on.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "issuer", "client_id", "client_secret",
"provider_password", "provider_certificate", "screenshots"}. The browser trusts the provider's
certificate by its public-key pin, as a browser trusts a company's own CA.
Prints one `ok <what>` line per passed check and exits non-zero at the first failure.
"""
import base64, hashlib, json, sys
from urllib.parse import urlparse
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import sync_playwright, expect
import chromium

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]
if urlparse(url).hostname in ("localhost", "127.0.0.1", "::1"):
    raise SystemExit("FAILED the page's origin must be another machine's address, not localhost")
with open(settings["provider_certificate"], "rb") as f:
    spki = x509.load_pem_x509_certificate(f.read()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()


def ok(what):
    print(f"ok {what}", flush=True)


def sign_in_at_provider(page, username):
    page.get_by_role("link", name="Sign in with Test ID").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    if not page.url.startswith(settings["issuer"].rsplit("/openid", 1)[0]):
        raise SystemExit(f"FAILED the button did not lead to the provider: {page.url}")
    page.locator("#provider-username").fill(username)
    page.locator("#provider-password").fill(settings["provider_password"])
    page.locator("#provider-submit").click()


with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, [f"--ignore-certificate-errors-spki-list={pin}"])

    # The admin sets single sign-on up in Settings.
    page.goto(url + "/")
    page.get_by_label("Email").fill(settings["email"])
    page.get_by_label("Password").fill(settings["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto(url + "/#/settings")
    card = page.locator("#single-sign-on")
    expect(card).to_be_visible()
    expect(card.locator("#sso-callback-url")).to_have_text(f"{url}/api/auth/oidc/callback")
    card.get_by_label("Sign in through an OpenID Connect provider").check()
    card.get_by_label("Issuer URL").fill(settings["issuer"].replace("https://", "http://"))
    card.get_by_label("Client ID").fill(settings["client_id"])
    card.get_by_label("Client secret").fill(settings["client_secret"])
    card.get_by_role("tab", name="Roles").click()
    card.get_by_label("Values that make an admin").fill("proxy-admins")
    card.get_by_label("Values that make a viewer").fill("proxy-viewers")
    card.get_by_role("tab", name="Login page").click()
    card.get_by_label("Button label").fill("Sign in with Test ID")
    card.get_by_role("button", name="Save single sign-on").click()
    # A plain-HTTP issuer is refused next to its field, on its tab.
    expect(card.locator("#field-issuer-error")).to_contain_text("https://")
    ok("an http:// issuer is refused next to its field")
    card.get_by_label("Issuer URL").fill(settings["issuer"])
    card.get_by_role("button", name="Save single sign-on").click()
    expect(card.locator("#sso-status")).to_contain_text("the provider answered")
    ok("single sign-on set up in Settings; the provider answered")
    page.screenshot(path=f"{shots}/single-sign-on-settings.png", full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Sign in with Test ID")).to_be_visible()
    ok("the login page offers the provider's button")
    page.screenshot(path=f"{shots}/single-sign-on-login.png")

    # Someone in the admins' group signs in through the provider.
    sign_in_at_provider(page, "alice")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name="alice@example.test (admin)")).to_be_visible()
    ok("signed in through the provider as an admin")
    page.reload()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    ok("the session survives a reload")
    page.screenshot(path=f"{shots}/single-sign-on-dashboard.png")

    # Someone in no group is told why, on the login page, and is not signed in.
    page.get_by_role("button", name="Log out").click()
    context.clear_cookies()
    page.goto(url + "/")
    sign_in_at_provider(page, "carol")
    expect(page.locator(".login .form-error")).to_contain_text("no role here")
    if "sso_error" in page.url:
        raise SystemExit(f"FAILED the address bar keeps the refusal: {page.url}")
    ok("someone with no group is refused with the reason")

    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
