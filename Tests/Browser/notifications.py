#!/usr/bin/env python3
"""Notifications in Settings, in Debian's Chromium driven by Playwright at 1400×900 or 390×844: an
admin adds a webhook for a receiver the test runs, a refused URL shows its error next to the
field, "Send test" reaches the receiver and the row shows the delivery; axe-core finds no serious
or critical violation in the card and its dialog. Run by NotificationTests.swift:

  notifications.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "receiver", "viewport", "screenshots"}. Prints one
`ok <what>` line per passed check; exits non-zero at the first failure, naming it.
"""
import json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import no_serious_violations, ok, open_page

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]



with sync_playwright() as playwright:
    phone = settings.get("viewport") == "phone"
    browser, context, page, errors = chromium.launch(playwright, viewport=(390, 844) if phone else (1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Settings")
    card = page.locator("section", has=page.get_by_role("heading", name="Notifications"))
    expect(card.get_by_text("No webhooks yet.")).to_be_visible()

    card.get_by_role("button", name="Add webhook").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("receiver")
    dialog.get_by_label("URL").fill(settings["receiver"])
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#webhook-url-error")).to_contain_text("leads to this machine")
    page.screenshot(path=f"{shots}/webhook-refused.png")
    ok("a refused URL shows its reason next to the field")

    dialog.get_by_label("Allow a target on this machine or a private network").check()
    dialog.get_by_label("Format").select_option("slack")
    no_serious_violations(page, "the webhook dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = card.locator("tbody tr", has_text="receiver")
    expect(row).to_contain_text("Slack")
    row.get_by_role("button", name="Send test").click()
    expect(card.locator("#notifications-status")).to_have_text("Test sent to receiver.")
    expect(card.locator("tbody tr", has_text="receiver")).to_contain_text("delivered")
    page.screenshot(path=f"{shots}/webhook-delivered.png", full_page=True)
    no_serious_violations(page, "the Settings page with a webhook")
    ok("a webhook is added and its test delivery shows in its row")
    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
