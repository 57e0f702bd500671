#!/usr/bin/env python3
"""The web UI in a real browser (Debian's Chromium driven by Playwright), against a real
controller whose local Caddy serves what the UI saves. Run by WebUITests.swift:

  ui_walkthrough.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "caddy_port", "upstream_port", "screenshots",
"ssh": {"host", "port", "user", "key"}}. Prints one `ok <what>` line per passed check and exits
non-zero at the first failure, naming it.
"""
import json, re, sys, urllib.error
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import eventually, ok, open_page

settings = json.loads(sys.argv[1])
url, shots = settings["url"], settings["screenshots"]


def through_caddy(host):
    return steps.through_caddy(settings["caddy_port"], host)[:2]


def api(method, path, body=None, token=None):
    return steps.api(url, method, path, body, token)


def login(page, email, password):
    steps.login(page, url, email, password)


def cell(page, text):
    """The list cell that shows exactly `text` (on a phone, a line of a card)."""
    return page.locator("tbody td").filter(has_text=re.compile(f"^{re.escape(text)}$"))


def row_of(page, text):
    """The list row (on a phone, the card) with a cell showing exactly `text`."""
    return page.locator("tbody tr").filter(has=page.locator("td").filter(has_text=re.compile(f"^{re.escape(text)}$")))


with sync_playwright() as playwright:
    # Script errors, and console errors other than the network log of expected refusals (the
    # 401 before logging in, 400s of the refused forms, the viewer's 403s).
    phone = settings.get("viewport") == "phone"
    browser, context, page, errors = chromium.launch(playwright, viewport=(390, 844) if phone else (1400, 900))

    login(page, settings["email"], settings["password"])
    ok("logged in with the first-start password")

    # A proxy host through the nine-tab form; a request through Caddy reaches its upstream.
    open_page(page, "Proxy Hosts")
    page.get_by_role("button", name="Add proxy host").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("tab")).to_have_count(10)
    dialog.get_by_label("Domain names").fill("ui.test")
    dialog.get_by_label("Forward host").fill("127.0.0.1")
    dialog.get_by_label("Forward port").fill(str(settings["upstream_port"]))
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(cell(page, "ui.test")).to_be_visible()
    eventually(lambda: through_caddy("ui.test")[0] == 200, "a host saved in the UI answers through Caddy from its upstream")

    # Another admin's change, made through the API while this page stays open, shows in it
    # without a reload, down to the apply status of its removal.
    row = row_of(page, "ui.test")
    expect(row.get_by_text("applied", exact=True)).to_be_visible(timeout=10000)
    token = api("POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
    host_id = api("GET", "/api/proxy-hosts?q=ui.test", token=token)["items"][0]["id"]
    page.evaluate("window.notReloaded = true")
    api("POST", f"/api/proxy-hosts/{host_id}/disable", {}, token=token)
    expect(row.get_by_text("disabled", exact=True)).to_be_visible(timeout=10000)
    expect(row.get_by_text("applied", exact=True)).to_be_visible(timeout=10000)
    api("POST", f"/api/proxy-hosts/{host_id}/enable", {}, token=token)
    expect(row.get_by_text("enabled", exact=True)).to_be_visible(timeout=10000)
    expect(row.get_by_text("applied", exact=True)).to_be_visible(timeout=10000)
    if not page.evaluate("window.notReloaded === true"):
        raise SystemExit("FAILED the page was reloaded")
    ok("a change made elsewhere shows in the open list without a reload, with its apply status")

    # Field errors next to the field; nothing saved.
    for field, value, label in [("Domain names", "not a domain!", "bad domain"), ("Forward port", "70000", "bad port")]:
        page.get_by_role("button", name="Add proxy host").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Domain names").fill("second.test")
        dialog.get_by_label("Forward host").fill("127.0.0.1")
        dialog.get_by_label("Forward port").fill("8080")
        dialog.get_by_label(field).fill(value)
        dialog.get_by_role("button", name="Save").click()
        message = dialog.locator(".field.invalid .error")
        expect(message).to_be_visible()
        expect(message).to_contain_text("domain_names" if field == "Domain names" else "forward_port")
        expect(dialog.locator(".field.invalid").get_by_label(field)).to_be_visible()
        dialog.get_by_role("button", name="Cancel").click()
        ok(f"the {label} error is shown next to its field")
    expect(page.locator("tbody tr")).to_have_count(1)
    ok("nothing was saved by the refused forms")

    # Disable → 404; enable and attach a deny-all access list → 403.
    page.get_by_role("button", name="Disable", exact=True).click()
    eventually(lambda: through_caddy("ui.test")[0] == 404, "a disabled host answers 404")
    open_page(page, "Access Lists")
    page.get_by_role("button", name="Add access list").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("nobody")
    dialog.get_by_role("button", name="Add address rule").click()
    rule = dialog.get_by_role("group", name="Address rule 1")
    rule.get_by_label("Action").select_option("deny")
    rule.get_by_label("Address or range").fill("0.0.0.0/0")
    dialog.get_by_role("button", name="Save").click()
    expect(cell(page, "nobody")).to_be_visible()
    expect(cell(page, "1 address rule, 0 users")).to_be_visible()
    ok("counts are written with their noun in the right number")
    expect(page.locator("thead th").filter(has_text=re.compile("^Server$"))).to_have_count(0)
    ok("access lists, used by hosts on any server, show no server of their own")
    page.get_by_label("Search").fill("no-such-list")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_text("No access lists match “no-such-list”.")).to_be_visible()
    ok("a search without a match says so")
    open_page(page, "Proxy Hosts")
    page.get_by_role("button", name="Enable", exact=True).click()
    page.get_by_role("button", name="Edit", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="Security").click()
    dialog.get_by_label("Access list").select_option(label="nobody")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    eventually(lambda: through_caddy("ui.test")[0] == 403, "an attached access list answers 403")

    # A server added in the wizard: provisioning lines arrive in the terminal panel.
    ssh = settings["ssh"]
    open_page(page, "Servers")
    page.get_by_role("button", name="Add server").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("sandbox")
    dialog.get_by_label("Hostname or IP").fill(ssh["host"])
    dialog.get_by_label("SSH port").fill(str(ssh["port"]))
    dialog.get_by_label("SSH user (root or passwordless sudo)").fill(ssh["user"])
    # A server whose provisioning is refused (no credentials) is not kept.
    dialog.get_by_role("button", name="Provision", exact=True).click()
    expect(dialog.locator("#server-password-error")).to_contain_text("password")
    token = api("POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
    if any(server["name"] == "sandbox" for server in api("GET", "/api/servers", token=token)["items"]):
        raise SystemExit("FAILED a server whose provisioning was refused was kept")
    ok("a server whose provisioning is refused is not kept")
    # The password is masked; the key's fields show only for a key.
    expect(dialog.get_by_label("SSH password (empty: use kept credentials)")).to_have_attribute("type", "password")
    expect(dialog.get_by_label("Key passphrase")).to_be_hidden()
    dialog.get_by_label("Authentication").select_option("key")
    expect(dialog.get_by_label("SSH password (empty: use kept credentials)")).to_be_hidden()
    expect(dialog.get_by_label("Key passphrase")).to_be_visible()
    ok("the server dialog masks the password and shows the key's fields only for a key")
    # A refused port is shown next to its field, and goes once fixed.
    dialog.get_by_label("SSH port").fill("70000")
    dialog.get_by_label("Private key, PEM (empty: use kept credentials)").fill(ssh["key"])
    dialog.get_by_role("button", name="Provision", exact=True).click()
    expect(dialog.locator("#server-ssh_port-error")).not_to_be_empty()
    dialog.get_by_label("SSH port").fill(str(ssh["port"]))
    dialog.get_by_role("button", name="Provision", exact=True).click()
    expect(dialog.locator("#server-ssh_port-error")).to_be_empty()
    ok("a fixed error leaves the server dialog")
    terminal = dialog.get_by_role("log", name="Provisioning output")
    expect(terminal).to_contain_text(f"connecting to {ssh['user']}@{ssh['host']}", timeout=20000)
    expect(terminal).to_contain_text("pinned", timeout=20000)
    ok("provisioning lines arrive in the terminal panel")
    page.screenshot(path=f"{shots}/servers-provisioning.png")
    dialog.get_by_role("button", name="Close").click()

    # Its host key: a scan (no credentials sent) shows what the server offers beside what is pinned.
    page.get_by_role("button", name="Host key of sandbox").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Scan").click()
    expect(dialog.locator("#host-key-scanned")).to_have_text(ssh["fingerprint"])
    expect(dialog.locator("#host-key-pinned")).to_have_text(ssh["fingerprint"])
    expect(dialog.get_by_role("alert")).to_contain_text("offers the pinned key")
    ok("a host key scan shows the server's fingerprint beside the pinned one")
    dialog.get_by_role("button", name="Close").click()

    # The server selector filters the lists.
    open_page(page, "Proxy Hosts")
    page.get_by_label("Server", exact=True).select_option(label="sandbox")
    expect(page.get_by_text("No proxy hosts on sandbox yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Add the first proxy host")).to_be_visible()
    page.get_by_label("Server", exact=True).select_option(label="All servers")
    expect(cell(page, "ui.test")).to_be_visible()
    ok("the server selector filters the lists, and an empty one offers to add the first")

    # Settings on one form: a refusal next to its field, a confirmation once fixed.
    open_page(page, "Settings")
    settings_form = page.get_by_role("form", name="Settings")
    expect(settings_form.get_by_role("button", name="Save settings")).to_have_count(1)
    settings_form.get_by_label("ACME email").fill("not an email")
    settings_form.get_by_role("button", name="Save settings").click()
    expect(settings_form.locator("#setting-acme_email-error")).to_contain_text("acme_email")
    expect(settings_form.get_by_role("status")).to_contain_text("1 setting refused")
    settings_form.get_by_label("ACME email").fill("ops@example.test")
    settings_form.get_by_role("button", name="Save settings").click()
    expect(settings_form.get_by_role("status")).to_have_text("Saved 1 setting.")
    expect(settings_form.locator("#setting-acme_email-error")).to_be_empty()
    ok("settings are saved from one form, a refusal shown next to its field")

    # A backup downloaded from Settings, and a restore that shows what it holds before anything is replaced.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download backup").click()
    archive = f"{shots}/../ui-backup.tar"
    download.value.save_as(archive)
    page.get_by_label("Restore from a backup file").set_input_files(archive)
    dialog = page.get_by_role("dialog", name="Restore this backup?")
    expect(dialog).to_contain_text("1 proxy host")
    expect(dialog).to_contain_text("ends every session, yours too")
    page.screenshot(path=f"{shots}/settings-restore-preview.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    ok("a backup downloads, and a restore shows what the backup holds before replacing anything")

    # Questions are the page's own accessible dialogs: focus on Cancel, Escape cancels.
    open_page(page, "Proxy Hosts")
    page.get_by_role("button", name="Delete", exact=True).click()
    question = page.get_by_role("alertdialog", name="Delete this proxy host?")
    expect(question.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(question).to_have_count(0)
    expect(cell(page, "ui.test")).to_be_visible()
    ok("a question is an accessible dialog that Escape cancels")

    # A viewer, and a screenshot of every page as the admin.
    open_page(page, "Users")
    page.get_by_role("button", name="Add user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Vera Viewer")
    dialog.get_by_label("Email").fill("viewer@example.test")
    dialog.get_by_label("Password").fill("viewer password 1")
    dialog.get_by_role("button", name="Save").click()
    expect(cell(page, "viewer@example.test")).to_be_visible()
    # An admin edits the account and resets its password; the viewer logs in with the new one below.
    page.get_by_role("button", name="Edit viewer@example.test").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Name")).to_have_value("Vera Viewer")
    dialog.get_by_label("Name").fill("Vera V.")
    dialog.get_by_label("New password (empty: unchanged)").fill("viewer password 2")
    dialog.get_by_role("button", name="Save").click()
    expect(cell(page, "Vera V.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("password was reset")
    ok("an admin edits a user and resets their password")

    # Sessions, one by one: an admin signs out the viewer's script; the admin signs out every
    # other session of their own and keeps this browser.
    def still_valid(token):
        try:
            api("GET", "/api/auth/me", token=token)
            return True
        except urllib.error.HTTPError as error:
            return error.code != 401
    viewer_token = api("POST", "/api/auth/login", {"email": "viewer@example.test", "password": "viewer password 2"})["access_token"]
    page.get_by_role("button", name="Sessions of viewer@example.test").click()
    dialog = page.get_by_role("dialog", name="Sessions of viewer@example.test")
    dialog.get_by_role("button", name="Sign out the session from").click()
    expect(dialog.get_by_text("No sessions: nobody is signed in with this account.")).to_be_visible()
    page.screenshot(path=f"{shots}/user-sessions.png")
    dialog.get_by_role("button", name="Close").click()
    if still_valid(viewer_token):
        raise SystemExit("FAILED the signed-out session still works")
    ok("an admin signs out one session of another user")
    admin_token = api("POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
    page.get_by_role("link", name=f"{settings['email']} (admin)").click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    others = page.get_by_role("button", name="Sign out the session from")
    while others.count() > 0:
        before = others.count()
        others.first.click()
        expect(others).to_have_count(before - 1)
    expect(page.get_by_role("button", name="Sign out this browser")).to_be_visible()
    page.screenshot(path=f"{shots}/account-sessions.png", full_page=True)
    if still_valid(admin_token):
        raise SystemExit("FAILED a session signed out from the account page still works")
    open_page(page, "Users")
    ok("every other session is signed out one by one, and this browser stays signed in")
    # Deleting a server says what becomes of its hosts first, and deletes them when asked to.
    token = api("POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
    sandbox_id = next(server["id"] for server in api("GET", "/api/servers", token=token)["items"] if server["name"] == "sandbox")
    api("POST", "/api/proxy-hosts", {"domain_names": ["on-sandbox.test"], "forward_host": "127.0.0.1", "forward_port": 8080,
                                     "server_id": sandbox_id}, token=token)
    open_page(page, "Servers")
    page.locator("tbody tr", has_text="sandbox").get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog", name="Delete sandbox?")
    expect(dialog).to_contain_text("proxy host on-sandbox.test")
    expect(dialog).to_contain_text("forward_host 127.0.0.1 meant the removed server itself")
    expect(dialog).to_contain_text("may answer 502")
    page.screenshot(path=f"{shots}/server-delete.png")
    dialog.get_by_label("Delete them with the server").check()
    dialog.get_by_role("button", name="Delete sandbox").click()
    done = page.get_by_role("dialog", name="Uninstall commands")
    expect(done).to_contain_text("1 resource deleted with it.")
    expect(done.locator("#uninstall-commands")).to_contain_text("posternproxy-agent")
    page.screenshot(path=f"{shots}/server-deleted.png")
    done.get_by_role("button", name="Done").click()
    if api("GET", "/api/proxy-hosts?q=on-sandbox.test", token=token)["total"] != 0:
        raise SystemExit("FAILED the host was not deleted with its server")
    ok("deleting a server shows what becomes of its hosts and their upstreams first, and deletes them when asked")

    titles = ["Dashboard", "Proxy Hosts", "Redirection Hosts", "Stream Hosts", "Dead Hosts", "Port Forwarding", "Access Lists",
              "Certificates", "Users", "Access Tokens", "Audit Log", "Servers", "Settings"]
    for title in titles:
        open_page(page, title)
        page.screenshot(path=f"{shots}/{title.lower().replace(' ', '-')}.png", full_page=True)
    open_page(page, "Proxy Hosts")
    page.get_by_role("button", name="Edit", exact=True).click()
    page.screenshot(path=f"{shots}/proxy-host-form.png")
    expect(page.get_by_role("dialog")).not_to_contain_text("null")
    expect(page.get_by_role("dialog")).not_to_contain_text("undefined")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    ok("a screenshot of every page")

    page.get_by_role("button", name="Log out").click()
    login(page, "viewer@example.test", "viewer password 2")
    mutating = ["Add", "Edit", "Delete", "Disable", "Enable", "Save", "Create", "Revoke", "Provision", "Re-Provision", "Update Agent", "Deactivate",
                "Sign out", "Reset two-factor"]
    expect(page.get_by_role("navigation").get_by_role("link", name="Users", exact=True)).to_have_count(0)
    page.goto(url + "/#/users")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    ok("a viewer is shown no link to a page only admins may use, and its address leads to the dashboard")
    for title in [title for title in titles if title != "Users"]:
        open_page(page, title)
        page.wait_for_timeout(300)
        for button in page.get_by_role("button").all():
            text = button.inner_text().strip()
            if any(text == word or text.startswith(word + " ") for word in mutating) and button.is_enabled():
                raise SystemExit(f"FAILED the viewer sees an enabled '{text}' on {title}")
        # Searches and filters of what is shown change nothing stored.
        for field in page.locator("main input:not([type=search]), main select, main textarea").all():
            if field.is_enabled() and field.get_attribute("id") not in ("server-selector", "server-status"):
                raise SystemExit(f"FAILED the viewer can edit {field.get_attribute('id')} on {title}")
    ok("a viewer finds no enabled control that changes anything")
    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
