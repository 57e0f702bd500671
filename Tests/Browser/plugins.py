#!/usr/bin/env python3
"""The Plugins page in Debian's Chromium driven by Playwright from another network namespace at
1400×900: the admin uploads a plugin's shared object and sees what it declares it needs, builds a
remote server's apply pipeline (a step added, dragged above another and moved back with the
buttons, its config in the form made from the plugin's schema), sees the API's refusal beside the
field it names, saves, and the step runs on the server. axe-core finds no serious or critical
violation. Run by WebUITests.swift:

  plugins.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "plugin" (a .so file), "server" (the remote server's
name), "motd" (the file the step is to write on it), "screenshots"}. Prints one `ok <what>` line
per passed check; exits non-zero at the first failure, naming it.
"""
import json, os, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import no_serious_violations, ok, open_page

settings = json.loads(sys.argv[1])
url, shots, motd = settings["url"], settings["screenshots"], settings["motd"]

with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, viewport=(1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Plugins")
    page.get_by_label("Shared object (.so)").set_input_files(settings["plugin"])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#plugins-message")).to_contain_text("com.example.motd 1.0.0 is in the catalog: writes /etc/motd")
    expect(page.locator("#plugin-catalog tbody tr", has_text="com.example.motd")).to_contain_text("writes /etc/motd")
    page.screenshot(path=f"{shots}/plugins-catalog.png", full_page=True)
    no_serious_violations(page, "the plugin catalog")
    ok("an uploaded plugin is listed with what it declares it needs")

    page.get_by_label("For", exact=True).select_option(label=settings["server"])
    expect(page.locator("#pipeline-heading")).to_be_visible()
    page.get_by_role("button", name="Add step").click()
    page.get_by_label("Step 1", exact=True).select_option("posternproxy.caddy")
    page.get_by_role("button", name="Add step").click()
    page.get_by_label("Step 2", exact=True).select_option("com.example.motd")
    # The form comes from the plugin's schema: its default is filled in.
    expect(page.locator("#step-1-path")).to_have_value("/etc/motd")
    page.locator("#step-1-path").fill(motd)
    # Dragged above the Caddy step, then moved back down with the button.
    page.locator(".pipeline-step").nth(1).drag_to(page.locator(".pipeline-step").nth(0))
    expect(page.get_by_label("Step 1", exact=True)).to_have_value("com.example.motd")
    page.get_by_role("button", name="Move step 1 down").click()
    expect(page.get_by_label("Step 1", exact=True)).to_have_value("posternproxy.caddy")
    expect(page.get_by_label("Step 2", exact=True)).to_have_value("com.example.motd")
    ok("steps are dragged into order and moved with the buttons")

    # The path survived the moves; the required text is missing, and the refusal sits beside it.
    expect(page.locator("#step-1-path")).to_have_value(motd)
    page.get_by_role("button", name="Save pipeline").click()
    expect(page.locator("#step-1-text-error")).to_contain_text("is required")
    expect(page.locator("#pipeline-error")).to_contain_text("steps[1].config.text")
    ok("a config the plugin's schema refuses is shown beside its field")

    page.locator("#step-1-text").fill("Managed from a browser")
    page.get_by_role("button", name="Save pipeline").click()
    expect(page.locator("#plugins-message")).to_contain_text("Saved")
    expect(page.get_by_role("button", name="Forget this pipeline")).to_be_visible()
    page.screenshot(path=f"{shots}/plugins-pipeline.png", full_page=True)
    no_serious_violations(page, "the pipeline editor")
    steps.eventually(lambda: os.path.exists(motd) and open(motd).read() == "Managed from a browser",
                     "the saved pipeline runs the step on the remote server", seconds=60)
    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
