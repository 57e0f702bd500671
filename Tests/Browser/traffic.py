#!/usr/bin/env python3
"""Traffic in the UI, in Debian's Chromium driven by Playwright from another network namespace, at
1400×900 or 390×844, in the light or the dark theme: the proxy host list shows a host's last 24
hours as a sparkline with its numbers, its traffic dialog shows the totals, charts whose data
tables add up to the requests the test sent, and the per-server table; the dashboard lists the
host among the top hosts by requests and by errors. axe-core finds no serious or critical
violation. Run by TrafficTests.swift:

  traffic.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "host", "server", "requests", "status_4xx",
"status_5xx", "viewport", "theme", "screenshots"}. Prints one `ok <what>` line per passed
check; exits non-zero at the first failure, naming it.
"""
import json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import no_serious_violations, ok, open_page

settings = json.loads(sys.argv[1])
url, shots, host = settings["url"], settings["screenshots"], settings["host"]
requests, errors4, errors5 = settings["requests"], settings["status_4xx"], settings["status_5xx"]
name = f"{settings['viewport']}-{settings['theme']}"



def column_sum(table, column):
    """The sum of a data table's column, by its header's text."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    index = headers.index(column)
    cells = table.locator(f"tbody tr > :nth-child({index + 1})").all_inner_texts()
    return sum(int(cell) for cell in cells if cell.strip().isdigit())


with sync_playwright() as playwright:
    phone = settings["viewport"] == "phone"
    browser, context, page, errors = chromium.launch(
        playwright, viewport=(390, 844) if phone else (1400, 900), color_scheme=settings["theme"])
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Proxy Hosts")
    cell = page.get_by_role("button", name=f"Traffic of {host}: {requests} requests, {errors4 + errors5} errors in 24 hours")
    expect(cell).to_be_visible()
    expect(cell.locator("svg.sparkline")).to_be_visible()
    page.screenshot(path=f"{shots}/traffic-list-{name}.png", full_page=True)
    ok("the host list shows the host's requests and errors with a sparkline")

    cell.click()
    dialog = page.get_by_role("dialog", name=f"Traffic of {host}")
    expect(dialog.locator(".totals")).to_contain_text(f"{requests} requests, {errors4} 4xx, {errors5} 5xx")
    requests_chart = dialog.locator("figure").filter(has_text="Requests per second: the numbers")
    requests_chart.get_by_text("Requests per second: the numbers").click()
    if column_sum(requests_chart.locator("table"), "Requests") != requests:
        raise SystemExit("FAILED the requests chart's table does not add up to the requests sent")
    errors_chart = dialog.locator("figure").filter(has_text="Errors per second: the numbers")
    errors_chart.get_by_text("Errors per second: the numbers").click()
    table = errors_chart.locator("table")
    if (column_sum(table, "4xx"), column_sum(table, "5xx")) != (errors4, errors5):
        raise SystemExit("FAILED the errors chart's table does not add up to the errors sent")
    server_row = dialog.locator("table", has=page.get_by_role("columnheader", name="p95")).locator("tbody tr", has_text=settings["server"])
    expect(server_row).to_contain_text(str(requests))
    page.screenshot(path=f"{shots}/traffic-dialog-{name}.png", full_page=True)
    no_serious_violations(page, "the traffic dialog")
    ok("the traffic dialog's totals, chart tables and per-server table hold the requests sent")

    dialog.get_by_role("button", name="24 hours").click()
    expect(dialog.get_by_role("button", name="24 hours")).to_have_attribute("aria-pressed", "true")
    expect(dialog.locator(".totals")).to_contain_text(f"{requests} requests")
    dialog.get_by_role("button", name="90 days").click()
    expect(dialog.locator(".totals")).to_contain_text(f"{requests} requests")
    ok("the other ranges hold the same requests")
    dialog.get_by_role("button", name="Close").click()

    open_page(page, "Dashboard")
    top = page.locator("table", has=page.get_by_text("Top hosts by requests"))
    expect(top.locator("tbody tr", has_text=host)).to_contain_text(str(requests))
    by_errors = page.locator("table", has=page.get_by_text("Top hosts by errors"))
    expect(by_errors.locator("tbody tr", has_text=host)).to_be_visible()
    page.screenshot(path=f"{shots}/traffic-dashboard-{name}.png", full_page=True)
    no_serious_violations(page, "the dashboard")
    ok("the dashboard lists the host among the top hosts by requests and by errors")
    if errors:
        raise SystemExit(f"FAILED script errors: {errors}")
    ok("no script errors")
    browser.close()
