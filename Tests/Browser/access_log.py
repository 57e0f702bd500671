#!/usr/bin/env python3
"""A host's access log in the UI, in Debian's Chromium driven by Playwright from another network
namespace at 1400×900: the admin opens it from the proxy host list, sees the request the test
made with an `Authorization` header, its headers redacted, filters by status, and follows the
log live while the script sends one more request through the host. axe-core finds no serious or
critical violation. Run by AccessLogTests.swift:

  access_log.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "host", "caddy", "screenshots"} (`caddy`: the base URL
of the Caddy serving the host, as this namespace reaches it). Prints one `ok <what>` line per
passed check; exits non-zero at the first failure, naming it.
"""
import json, sys, urllib.request
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import no_serious_violations, ok, open_page

settings = json.loads(sys.argv[1])
url, shots, host = settings["url"], settings["screenshots"], settings["host"]



with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, viewport=(1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Proxy Hosts")
    page.locator("tbody tr", has_text=host).get_by_role("button", name="Access log").click()
    dialog = page.get_by_role("dialog", name=f"Access log of {host}")
    row = dialog.locator("tbody tr", has_text="/secret")
    expect(row).to_be_visible()
    row.locator("summary").click()
    expect(row.locator("dl.headers").first).to_contain_text("REDACTED")
    if "do-not-show" in dialog.inner_text():
        raise SystemExit("FAILED a credential reached the page")
    page.screenshot(path=f"{shots}/access-log-redacted.png", full_page=True)
    no_serious_violations(page, "the access log dialog")
    ok("the request shows with its Authorization and Cookie values redacted")

    dialog.get_by_label("Status").select_option("4xx")
    dialog.get_by_role("button", name="Filter").click()
    expect(dialog.locator("tbody tr")).to_have_count(1)
    expect(dialog.locator("tbody tr")).to_contain_text("/status/404")
    ok("the status filter leaves the 4xx request alone")

    dialog.get_by_label("Status").select_option("")
    dialog.get_by_label("Live").check()
    request = urllib.request.Request(f"{settings['caddy']}/live-tail", headers={"Host": host})
    urllib.request.urlopen(request, timeout=10).read()
    expect(dialog.locator("tbody tr", has_text="/live-tail")).to_be_visible(timeout=20_000)
    page.screenshot(path=f"{shots}/access-log-live.png", full_page=True)
    ok("a new request appears while the log is followed live")
    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
