#!/usr/bin/env python3
"""The UI says when changes cannot be saved, in Debian's Chromium driven by Playwright at 1400×900:
the test makes the controller's database immutable while the page is open; a banner appears
without a reload, a save is refused with the controller's message in the form, and the banner
goes away by itself once the database can be written again. Run by StorageFaultTests.swift:

  storage_banner.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "screenshots"}. Prints `make the database read-only`
and `make the database writable` when the test is to do so, and one `ok <what>` line per passed
check; exits non-zero at the first failure, naming it.
"""
import json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import ok, open_page

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]

with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, viewport=(1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Proxy Hosts")
    banner = page.locator("#storage-banner")
    expect(banner).to_be_hidden()

    print("make the database read-only", flush=True)
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("Changes cannot be saved")
    page.get_by_role("button", name="Add proxy host").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Domain names").fill("refused.test")
    dialog.get_by_label("Forward host").fill("127.0.0.1")
    dialog.get_by_label("Forward port").fill("8080")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator(".form-error")).to_contain_text("cannot be written", timeout=10_000)
    page.screenshot(path=f"{shots}/storage-not-writable.png")
    dialog.get_by_role("button", name="Cancel").click()
    ok("a database that cannot be written shows a banner and refuses a save with its reason")

    print("make the database writable", flush=True)
    expect(banner).to_be_hidden(timeout=20_000)
    page.screenshot(path=f"{shots}/storage-writable-again.png")
    ok("the banner goes away by itself when the database can be written again")
    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
