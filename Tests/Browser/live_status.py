#!/usr/bin/env python3
"""The dashboard follows the servers live, on a phone's 390×844 or a desktop's 1400×900 screen, in Debian's Chromium
driven by Playwright: a remote server (its real agent and Caddy in a network namespace) and the
local server both report their upstreams' health; when the test kills the agent, the page shows
the server offline and its upstreams' health unknown without being reloaded. Run by
WebUITests.swift:

  live_status.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "remote", "viewport": "phone" | "desktop", "screenshots"}. Prints `kill the agent`
when the test is to kill the remote server's agent, and one `ok <what>` line per passed check;
exits non-zero at the first failure, naming it.
"""
import json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import ok

settings = json.loads(sys.argv[1])
url, shots, remote = settings["url"], settings["screenshots"], settings["remote"]

with sync_playwright() as playwright:
    phone = settings.get("viewport", "phone") == "phone"
    browser, context, page, errors = chromium.launch(playwright, viewport=(390, 844) if phone else (1400, 900))
    size = "phone" if phone else "desktop"
    steps.login(page, url, settings["email"], settings["password"])
    page.evaluate("window.notReloaded = true")
    status = page.locator("tbody tr").filter(has=page.locator("td[data-label='Routes']")).filter(has_text=remote).locator("td[data-label='Status']")
    health = page.locator("tbody tr").filter(has=page.locator("td[data-label='Upstream']"))
    remote_health = health.filter(has=page.locator("td[data-label='Server']", has_text=remote)).locator("td[data-label='Status']")
    local_health = health.filter(has=page.locator("td[data-label='Server']", has_text="local")).locator("td[data-label='Status']")
    expect(status).to_have_text("online", timeout=30_000)
    expect(remote_health.first).to_have_text("healthy", timeout=30_000)
    expect(local_health.first).to_have_text("healthy", timeout=30_000)
    page.screenshot(path=f"{shots}/{size}-dashboard-online.png", full_page=True)
    ok("the dashboard shows both servers' upstreams healthy, the local server's too")

    print("kill the agent", flush=True)
    expect(status).to_have_text("offline", timeout=30_000)
    expect(remote_health.first).to_have_text("unknown", timeout=10_000)
    expect(local_health.first).to_have_text("healthy")
    if not page.evaluate("window.notReloaded === true"):
        raise SystemExit("FAILED the page was reloaded")
    page.screenshot(path=f"{shots}/{size}-dashboard-offline.png", full_page=True)
    ok("a killed agent turns its server offline and its upstreams unknown without a reload")
    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
