#!/usr/bin/env python3
"""The first login as a new admin does it: a browser on another machine (this script runs in a
network namespace of its own, so the page's origin is the controller's network address, not
localhost) opens the admin over plain HTTP. Run by RemoteAdminTests.swift:

  remote_admin.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "new_password", "screenshots", "https"?}, where
"https" is {"url", "fingerprint", "pin"}: the admin's HTTPS listener, whose certificate the
browser trusts only by its public-key pin (no CA), as an admin who checked the fingerprint does.
Prints one `ok <what>` line per passed check and exits non-zero at the first failure, naming it.
"""
import json, os, subprocess, sys, tempfile
from urllib.parse import urlparse
from playwright.sync_api import sync_playwright, expect
import chromium
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Fixtures"))
import totp  # an authenticator app, written apart from the controller's TOTP

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]


def ok(what):
    print(f"ok {what}", flush=True)


def log_in(page, password):
    page.get_by_label("Email").fill(settings["email"])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


host = urlparse(url).hostname
if host in ("localhost", "127.0.0.1", "::1"):
    raise SystemExit("FAILED the page's origin must be another machine's address, not localhost")

with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright)

    page.goto(url + "/")
    banner = page.locator("#insecure-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("not encrypted")
    ok("the login page warns that the connection is not encrypted")

    log_in(page, settings["password"])
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    if "pp_access" not in cookies or cookies["pp_access"]["secure"] or not cookies["pp_access"]["httpOnly"]:
        raise SystemExit(f"FAILED the session cookie over plain HTTP: {cookies.get('pp_access')}")
    ok("logged in over plain HTTP from another machine")
    page.screenshot(path=f"{shots}/remote-dashboard-insecure.png")

    page.reload()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    ok("the session survives a reload")

    expect(banner).to_be_visible()
    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#insecure-banner")).to_have_count(0)
    ok("the banner can be dismissed and stays dismissed")

    page.get_by_role("link", name=f"{settings['email']} (admin)").click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(settings["new_password"])
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current-password-error")).to_contain_text("current_password")
    ok("a wrong current password is shown next to its field")
    page.get_by_label("Current password").fill(settings["password"])
    page.get_by_label("New password").fill(settings["new_password"])
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out this browser")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out the session from")).to_have_count(0)
    ok("the password was changed in the UI")
    page.screenshot(path=f"{shots}/account.png", full_page=True)

    page.get_by_role("button", name="Sign out everywhere").click()
    question = page.get_by_role("alertdialog", name="Sign out of every session, this one included?")
    expect(question.get_by_role("button", name="Cancel")).to_be_focused()
    question.get_by_role("button", name="Sign out of every session").click()
    expect(page.get_by_text("You signed out of every session.")).to_be_visible()
    page.goto(url + "/#/dashboard")
    # The page asks the API, finds no session and shows the login again; only then log in (a
    # login typed into the form it replaces would be lost).
    expect(page.get_by_text("Your session ended; log in again.")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    ok("signing out everywhere ends this session too")

    log_in(page, settings["password"])
    expect(page.get_by_text("Wrong email or password")).to_be_visible()
    log_in(page, settings["new_password"])
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    ok("the new password logs in and the old one does not")

    # Two-factor login: the QR code on the page is read back as a phone's camera would.
    page.get_by_role("link", name=f"{settings['email']} (admin)").click()
    page.get_by_label("Your password").fill(settings["new_password"])
    page.get_by_role("button", name="Set up two-factor login").click()
    qr = page.locator("#two-factor-qr")
    expect(qr).to_be_visible()
    with tempfile.TemporaryDirectory() as folder:
        picture = os.path.join(folder, "qr.png")
        qr.screenshot(path=picture)
        decoded = subprocess.run(["zbarimg", "--raw", "-q", picture], capture_output=True, text=True)
    uri = decoded.stdout.strip()
    key = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    if not uri.startswith("otpauth://totp/") or totp.secret_of(uri) != key:
        raise SystemExit(f"FAILED the QR code reads {uri!r}, the key shown is {key!r}")
    ok("the enrolment QR code reads back as the key shown beside it")
    page.screenshot(path=f"{shots}/two-factor-enrolment.png", full_page=True)
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#enrol-code-error")).to_contain_text("code")
    page.get_by_label("Code from the app").fill(totp.code(key))
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator("#backup-codes li")
    expect(codes).to_have_count(10)
    backup_codes = codes.all_inner_texts()
    page.get_by_role("button", name="I saved my backup codes").click()
    expect(page.get_by_text("backup codes left")).to_be_visible()
    ok("two-factor login turned on in the UI with ten backup codes")
    page.get_by_role("button", name="Log out").click()
    log_in(page, settings["new_password"])
    expect(page.get_by_label("Authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill(totp.code(key, 1))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()  # back where the admin logged out
    ok("logged in with the password and the authenticator's code")

    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()

    https = settings.get("https")
    if https:
        pin = https["pin"].removeprefix("sha256//")
        browser, context, page, errors = chromium.launch(playwright, [f"--ignore-certificate-errors-spki-list={pin}"])
        page.goto(https["url"] + "/")
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        expect(page.locator("#insecure-banner")).to_have_count(0)
        log_in(page, settings["new_password"])
        page.get_by_role("button", name="Use a backup code instead").click()
        page.get_by_label("Backup code").fill(backup_codes[0])
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        ok("logged in over HTTPS with a backup code")
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        if not cookies.get("pp_access", {}).get("secure"):
            raise SystemExit(f"FAILED the session cookie over HTTPS is not Secure: {cookies.get('pp_access')}")
        expect(page.locator("#insecure-banner")).to_have_count(0)
        ok("logged in over HTTPS with the certificate pinned by its key")
        page.get_by_role("navigation").get_by_role("link", name="Settings", exact=True).click()
        expect(page.locator("#tls-fingerprint")).to_have_text(https["fingerprint"])
        expect(page.get_by_text("encrypted", exact=True)).to_be_visible()
        ok("Settings shows the certificate's fingerprint and an encrypted connection")
        page.screenshot(path=f"{shots}/settings-https.png", full_page=True)
        if errors:
            raise SystemExit(f"FAILED the browser console reported errors over HTTPS: {errors[:5]}")
        browser.close()
