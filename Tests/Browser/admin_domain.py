#!/usr/bin/env python3
"""The admin at its own domain, from another machine: Chromium (in a network namespace of its
own) opens https://admin.test, which the namespace resolves to the controller's host, where the
controller's Caddy serves the admin with a certificate from the Pebble ACME CA. The browser
trusts that certificate by its public key, as one that has Pebble's root would. Run by
AdminDomainTests.swift:

  admin_domain.py SETTINGS_JSON

SETTINGS_JSON: {"url", "address", "pin", "email", "password", "screenshots"}. Prints one
`ok <what>` line per passed check and exits non-zero at the first failure, naming it.
"""
import json, sys
from urllib.parse import urlparse
from playwright.sync_api import sync_playwright, expect
import chromium

settings = json.loads(sys.argv[1])
url = settings["url"]


def ok(what):
    print(f"ok {what}", flush=True)


with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, [
        f"--host-resolver-rules=MAP {urlparse(url).hostname} {settings['address']}",
        f"--ignore-certificate-errors-spki-list={settings['pin']}",
    ])
    page.goto(url + "/")
    page.get_by_label("Email").fill(settings["email"])
    page.get_by_label("Password").fill(settings["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#insecure-banner")).to_have_count(0)
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    if not cookies.get("pp_access", {}).get("secure"):
        raise SystemExit(f"FAILED the session cookie at the admin domain is not Secure: {cookies.get('pp_access')}")
    ok("logged in at the admin domain with Secure cookies")
    page.get_by_role("navigation").get_by_role("link", name="Settings", exact=True).click()
    expect(page.locator("#admin-domain-link")).to_have_text(url + "/")
    expect(page.get_by_text("encrypted", exact=True)).to_be_visible()
    expect(page.get_by_text(f"from {settings['browser_address']}")).to_be_visible()
    ok("Settings shows the domain, an encrypted connection and the browser's own address")
    page.screenshot(path=f"{settings['screenshots']}/settings-admin-domain.png", full_page=True)
    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
