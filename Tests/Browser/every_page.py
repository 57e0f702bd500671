#!/usr/bin/env python3
"""Every page and every resource form of the web UI, at a desktop's 1400×900 and a phone's
390×844, in Debian's Chromium driven by Playwright: axe-core (PyPI's axe-playwright-python)
finds no serious or critical accessibility violation, nothing is wider than the screen, the
phone's sections fold behind a Menu button and its tables become cards, and the keyboard reaches
the content with a visible focus. Run by WebUITests.swift:

  every_page.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "caddy_port", "upstream_port", "screenshots"}. Saves
`<viewport>-<page>.png` and `<viewport>-<page>-form.png`; prints one `ok <what>` line per passed
check and exits non-zero at the first failure, naming it.
"""
import json, sys
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import ok

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]
token = steps.api(url, "POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
axe = Axe()

PAGES = ["Dashboard", "Proxy Hosts", "Redirection Hosts", "Stream Hosts", "Dead Hosts", "Port Forwarding", "Access Lists",
         "Certificates", "Users", "Access Tokens", "Audit Log", "Servers", "Plugins", "Settings"]
FORMS = {"Proxy Hosts": "Add proxy host", "Redirection Hosts": "Add redirection host", "Stream Hosts": "Add stream host",
         "Dead Hosts": "Add dead host", "Port Forwarding": "Add port forward", "Access Lists": "Add access list",
         "Certificates": "Add certificate", "Users": "Add user", "Servers": "Add server"}


def seed():
    """One of each resource, so lists show rows (and phones show cards)."""
    def post(path, body):
        steps.api(url, "POST", path, body, token)
    upstream = {"forward_host": "127.0.0.1", "forward_port": settings["upstream_port"]}
    post("/api/access-lists", {"name": "office", "clients": [{"address": "10.0.0.0/8", "directive": "allow"}],
                               "items": [{"username": "alice", "password": "alice secret"}]})
    post("/api/proxy-hosts", {"domain_names": ["pages.test", "www.pages.test"], **upstream,
                              "locations": [{"path": "/api", "forward_scheme": "http", **upstream}]})
    post("/api/redirection-hosts", {"domain_names": ["old.pages.test"], "forward_domain_name": "pages.test"})
    post("/api/dead-hosts", {"domain_names": ["gone.pages.test"]})


def violations(page, what):
    """Fails on any serious or critical axe-core violation of the page as it is shown."""
    results = axe.run(page)
    found = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    if found:
        details = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in found)
        raise SystemExit(f"FAILED accessibility of {what}: {details}")


def fits(page, what):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        wide = page.evaluate("""[...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-3).map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""")
        raise SystemExit(f"FAILED {what} is {overflow}px wider than the screen: {wide}")


def open_section(page, title, phone):
    """Opens a section (steps.open_page goes through Menu on a phone); on a phone the sections fold again."""
    steps.open_page(page, title)
    if phone:
        expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


def name_of(title):
    return title.lower().replace(" ", "-")


seed()
with sync_playwright() as playwright:
    for viewport, size in [("desktop", (1400, 900)), ("phone", (390, 844))]:
        phone = viewport == "phone"
        browser, context, page, errors = chromium.launch(playwright, viewport=size)
        steps.login(page, url, settings["email"], settings["password"])
        if phone:
            expect(page.get_by_role("navigation", name="Sections")).to_be_hidden()
            log_out = page.get_by_role("button", name="Log out")
            if log_out.bounding_box()["height"] > 48:
                raise SystemExit("FAILED Log out wraps on a phone")
            ok("on a phone the sections fold behind Menu and the header fits one line per control")
        for title in PAGES:
            open_section(page, title, phone)
            page.wait_for_timeout(200)
            violations(page, f"{title} ({viewport})")
            fits(page, f"{title} ({viewport})")
            page.screenshot(path=f"{shots}/{viewport}-{name_of(title)}.png", full_page=True)
            if title in FORMS:
                page.get_by_role("button", name=FORMS[title]).click()
                dialog = page.get_by_role("dialog")
                expect(dialog).to_be_visible()
                violations(page, f"the {title} form ({viewport})")
                fits(page, f"the {title} form ({viewport})")
                page.screenshot(path=f"{shots}/{viewport}-{name_of(title)}-form.png")
                page.keyboard.press("Escape")
                expect(dialog).to_have_count(0)
        page.get_by_role("link", name=f"{settings['email']} (admin)").click()
        expect(page.get_by_role("heading", name="Account")).to_be_visible()
        violations(page, f"Account ({viewport})")
        fits(page, f"Account ({viewport})")
        page.screenshot(path=f"{shots}/{viewport}-account.png", full_page=True)
        ok(f"every page and form has no serious or critical accessibility violation ({viewport})")
        ok(f"no page or form is wider than the screen ({viewport})")

        if phone:
            open_section(page, "Proxy Hosts", phone)
            card = page.locator("tbody tr").first
            if card.evaluate("row => getComputedStyle(row).display") != "block":
                raise SystemExit("FAILED a list row is not a card on a phone")
            expect(card.locator("td[data-label='Domains']")).to_contain_text("pages.test")
            ok("on a phone each list row is a card labelled by its columns")
        else:
            # The keyboard: the first Tab reaches "Skip to content", which moves focus to the page,
            # and focus is always drawn.
            open_section(page, "Proxy Hosts", phone)
            page.keyboard.press("Tab")
            skip = page.get_by_role("link", name="Skip to content")
            expect(skip).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("main")).to_be_focused()
            page.keyboard.press("Tab")
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            if outline in ("none", ""):
                raise SystemExit("FAILED the focused control has no visible outline")
            ok("the keyboard skips to the content and focus is visible")
        if errors:
            raise SystemExit(f"FAILED the browser console reported errors ({viewport}): {errors[:5]}")
        browser.close()
    ok("no script errors")
