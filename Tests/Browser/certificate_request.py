#!/usr/bin/env python3
"""Certificates from the host form, in Debian's Chromium driven by Playwright at 1400×900 or 390×844,
against a real controller whose local Caddy obtains them from the Pebble ACME CA: a host asks
for a new certificate on save and its dialog follows the issuance until it is issued (then the
host answers over HTTPS with Pebble's certificate), a name the CA refuses shows the CA's error in
place, the Certificates page follows each automatic certificate the same way, and the
Certificates form uploads a PEM pair from files. Run by WebUITests.swift:

  certificate_request.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "caddy_https_port", "upstream_port", "pebble_root",
"upload": {"certificate", "key"}, "viewport": "desktop" | "phone", "screenshots"}. Prints one `ok <what>` line per passed check
and exits non-zero at the first failure, naming it.
"""
import json, re, subprocess, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import eventually, ok, open_page

settings = json.loads(sys.argv[1])
url, shots, https_port = settings["url"], settings["screenshots"], settings["caddy_https_port"]
token = steps.api(url, "POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]


def over_https(host):
    """The upstream's name when `host` answers over HTTPS with a certificate Pebble issued, else None."""
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--resolve", f"{host}:{https_port}:127.0.0.1", "--cacert", settings["pebble_root"],
         f"https://{host}:{https_port}/"], capture_output=True, text=True)
    return json.loads(result.stdout).get("upstream") if result.returncode == 0 else None


def add_host_requesting(page, domain):
    page.get_by_role("button", name="Add proxy host").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Domain names").fill(domain)
    dialog.get_by_label("Forward host").fill("127.0.0.1")
    dialog.get_by_label("Forward port").fill(str(settings["upstream_port"]))
    dialog.get_by_role("tab", name="SSL").click()
    dialog.get_by_label("Certificate", exact=True).select_option(label="Request a new certificate (ACME) for these domain names")
    dialog.get_by_label("Force HTTPS").check()
    dialog.get_by_role("button", name="Save").click()
    return dialog


with sync_playwright() as playwright:
    phone = settings.get("viewport") == "phone"
    browser, context, page, errors = chromium.launch(playwright, viewport=(390, 844) if phone else (1400, 900))
    steps.login(page, url, settings["email"], settings["password"])
    open_page(page, "Proxy Hosts")

    dialog = add_host_requesting(page, "secure.test")
    expect(dialog.get_by_role("heading", name="Certificate for secure.test")).to_be_visible()
    expect(dialog.locator("#issuance-summary")).to_have_text("Certificate issued: the host is served over HTTPS.", timeout=120_000)
    expect(dialog.get_by_role("listitem")).to_contain_text("secure.test issued")
    page.screenshot(path=f"{shots}/proxy-host-certificate-issued.png")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("tbody tr", has_text="secure.test").get_by_text("automatic")).to_be_visible()
    ok("a certificate requested from the host form is followed until it is issued")
    eventually(lambda: over_https("secure.test") == "certificate", "the host answers over HTTPS with the certificate Pebble issued")
    host = steps.api(url, "GET", "/api/proxy-hosts?q=secure.test", token=token)["items"][0]
    certificate = steps.api(url, "GET", f"/api/certificates/{host['certificate_id']}", token=token)
    if certificate["provider"] != "letsencrypt" or certificate["domain_names"] != ["secure.test"] or not host["ssl_forced"]:
        raise SystemExit(f"FAILED the host and its certificate were saved as {host} and {certificate}")

    dialog = add_host_requesting(page, "blocked.test")
    expect(dialog.locator("#issuance-summary")).to_contain_text("The certificate authority refused blocked.test", timeout=120_000)
    expect(dialog.get_by_role("listitem").locator(".error")).not_to_be_empty()
    page.screenshot(path=f"{shots}/proxy-host-certificate-refused.png")
    dialog.get_by_role("button", name="Close").click()
    ok("a name the CA refuses shows the CA's error in the host's dialog")

    # The Certificates page follows an automatic certificate's issuance too.
    open_page(page, "Certificates")
    page.locator("tbody tr", has_text="blocked.test").get_by_role("button", name="Issuance").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#issuance-summary")).to_contain_text("The certificate authority refused blocked.test", timeout=30_000)
    page.screenshot(path=f"{shots}/certificates-issuance.png")
    dialog.get_by_role("button", name="Close").click()
    page.locator("tbody tr", has_text="secure.test").get_by_role("button", name="Issuance").click()
    expect(page.get_by_role("dialog").locator("#issuance-summary")).to_have_text("Certificate issued: the host is served over HTTPS.", timeout=30_000)
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    ok("the Certificates page shows where each automatic certificate stands")

    # The Certificates form: PEM fields only for an uploaded certificate, filled from files.
    page.get_by_role("button", name="Add certificate").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Certificate chain (PEM)", exact=True)).to_be_hidden()
    expect(dialog.get_by_label("Domain names")).to_be_visible()
    dialog.get_by_label("Provider").select_option("other")
    expect(dialog.get_by_label("Domain names")).to_be_hidden()
    dialog.get_by_label("Read Certificate chain (PEM) from a file").set_input_files(settings["upload"]["certificate"])
    dialog.get_by_label("Read Private key (PEM; never shown again) from a file").set_input_files(settings["upload"]["key"])
    expect(dialog.get_by_label("Certificate chain (PEM)", exact=True)).to_have_value(re.compile("BEGIN CERTIFICATE"))
    page.screenshot(path=f"{shots}/certificate-upload.png")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("td[data-label=Domains]", has_text="uploaded.test")).to_be_visible()
    ok("an uploaded certificate's PEM files are read into its form, which shows only the fields of its kind")

    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
