#!/usr/bin/env python3
"""Importing Nginx Proxy Manager from Settings, in Debian's Chromium driven by Playwright at
1400×900: the data folder named, Preview shows each item with what it becomes and why (the nginx
configuration that does not carry over verbatim, the refusals' reasons) and stores nothing;
Import stores it and the imported host answers through the test's Caddy; then the same
installation as a running NPM (npm_server.py): a refused sign-in is named, and its preview finds
what the folder brought already here. Run by WebUITests.swift:

  npm_import.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "screenshots", "caddy_port", "data_folder", "npm_url"}. Prints
one `ok <what>` line per passed check; exits non-zero at the first failure, naming it.
"""
import json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import ok, open_page

settings = json.loads(sys.argv[1])
url, shots, caddy = settings["url"], settings["screenshots"], settings["caddy_port"]

with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, viewport=(1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Settings")
    card = page.locator("section", has=page.get_by_role("heading", name="Import from Nginx Proxy Manager"))
    card.get_by_role("button", name="Preview").click()
    expect(card.get_by_role("alert")).to_contain_text("data folder")
    card.get_by_label("Data folder", exact=True).fill("/nonexistent/npm")
    card.get_by_role("button", name="Preview").click()
    expect(card.get_by_role("alert")).to_contain_text("is not a folder")
    expect(card.get_by_role("button", name="Import")).to_be_disabled()
    ok("a folder that is not NPM's is refused in the card, and nothing can be imported")

    card.get_by_label("Data folder", exact=True).fill(settings["data_folder"])
    card.get_by_role("button", name="Preview").click()
    summary = card.locator("#npm-import-summary")
    expect(summary).to_contain_text("Preview: Would create 14 items, 1 disabled; 0 already here, 8 refused")
    rows = card.locator("#npm-import-items tbody tr")
    custom = rows.filter(has_text="custom.npm.test")
    expect(custom).to_contain_text("create disabled")
    expect(custom.locator("pre")).to_contain_text("location /x {\n    return 418;\n}")
    expect(rows.filter(has_text="{env.HOME}.npm.test")).to_contain_text("refused")
    expect(rows.filter(has_text="port 24002")).to_contain_text("layer4")
    expect(rows.filter(has_text="port 24001")).to_contain_text("create")
    steps.no_serious_violations(page, "the import preview")
    page.screenshot(path=f"{shots}/npm-import-preview.png", full_page=True)
    if steps.through_caddy(caddy, "app.npm.test")[0] == 200:
        raise SystemExit("FAILED the preview stored something: app.npm.test answers")
    ok("Preview shows what each item becomes and why, the nginx configuration verbatim, and stores nothing")

    card.get_by_role("button", name="Import").click()
    expect(summary).to_contain_text("Imported: Created 14 items, 1 disabled; 0 already here, 8 refused")
    expect(card.get_by_role("button", name="Import")).to_be_disabled()
    steps.eventually(lambda: '"upstream": "app"' in steps.through_caddy(caddy, "app.npm.test")[1], "the imported host answers through Caddy")
    page.screenshot(path=f"{shots}/npm-import-done.png", full_page=True)

    # The same installation, running: NPM's address and its admin's sign-in.
    card.get_by_label("A running NPM").check()
    expect(card.get_by_label("Data folder", exact=True)).to_be_hidden()
    card.get_by_label("NPM address").fill(settings["npm_url"])
    card.get_by_label("NPM admin email").fill("admin@npm.test")
    card.get_by_label("Password", exact=True).fill("not the password")
    card.get_by_role("button", name="Preview").click()
    expect(card.get_by_role("alert")).to_contain_text("NPM refused the sign-in")
    expect(card.get_by_role("button", name="Import")).to_be_disabled()
    ok("a running NPM that refuses the sign-in is named in the card")

    card.get_by_label("Password", exact=True).fill("admin@npm.test npm password")
    card.get_by_role("button", name="Preview").click()
    expect(card.get_by_role("alert")).to_have_text("")
    expect(summary).to_contain_text("Preview: Would create")
    expect(rows.filter(has_text="staff.npm.test")).to_contain_text("already here")
    editor = rows.filter(has_text="editor@npm.test")
    expect(editor).to_contain_text("already here")
    expect(editor).not_to_contain_text("set this user's password")
    steps.no_serious_violations(page, "the running NPM's preview")
    page.screenshot(path=f"{shots}/npm-import-running.png", full_page=True)
    ok("a running NPM's preview finds what the folder brought already here")

    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
