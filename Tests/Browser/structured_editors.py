#!/usr/bin/env python3
"""The resource forms' editors in a real browser (Debian's Chromium driven by Playwright), at a
desktop's 1400×900 or a phone's 390×844, against a real controller whose local Caddy serves what
they save. Run by WebUITests.swift, once at each size:

  structured_editors.py SETTINGS_JSON

SETTINGS_JSON: {"url", "email", "password", "caddy_port", "main_port", "api_port", "viewport": "desktop" | "phone",
"screenshots"}
(two test upstreams answering with their names "main" and "api"). Prints one `ok <what>` line
per passed check and exits non-zero at the first failure, naming it.
"""
import base64, json, sys
from playwright.sync_api import sync_playwright, expect
import chromium, steps
from steps import eventually, ok, open_page

settings = json.loads(sys.argv[1])
url, shots, caddy = settings["url"], settings["screenshots"], settings["caddy_port"]
main_port, api_port = settings["main_port"], settings["api_port"]


def api(method, path, body=None):
    return steps.api(url, method, path, body, token)


viewport = settings.get("viewport", "desktop")


def shot(page, name):
    page.screenshot(path=f"{shots}/{viewport}-{name}.png")


def row_of(page, text):
    """The list row (a card on a phone) that shows `text`."""
    return page.locator("tbody tr", has_text=text)


def upstream_of(host, path="/", headers=None):
    status, body, _ = steps.through_caddy(caddy, host, path, headers)
    return json.loads(body)["upstream"] if status == 200 else status


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def tags(dialog):
    return dialog.get_by_role("list", name="Entered names").get_by_role("listitem")


with sync_playwright() as playwright:
    browser, context, page, errors = chromium.launch(playwright, viewport=(390, 844) if viewport == "phone" else (1400, 900))
    token = steps.api(url, "POST", "/api/auth/login", {"email": settings["email"], "password": settings["password"]})["access_token"]
    steps.login(page, url, settings["email"], settings["password"])

    # Domain names as tags, each checked as it is entered by the API's rules.
    open_page(page, "Proxy Hosts")
    page.get_by_role("button", name="Add proxy host").click()
    dialog = page.get_by_role("dialog")
    names = dialog.get_by_label("Domain names")
    names.fill("editors.test")
    names.press("Enter")
    expect(tags(dialog)).to_have_text(["editors.test×"])
    names.fill("bad_name!")
    names.press("Enter")
    error = dialog.locator("#field-domain_names-error")
    expect(error).to_contain_text("domain_names[1]")
    expect(error).to_contain_text("is not a domain name")
    expect(names).to_have_value("bad_name!")
    expect(tags(dialog)).to_have_count(1)
    shot(page, "proxy-host-domain-refused")
    names.fill("EDITORS.test")
    names.press("Enter")
    expect(error).to_contain_text("`editors.test` is listed twice")
    names.fill("www.editors.test, api.editors.test")
    names.press(",")
    expect(error).to_be_empty()
    expect(tags(dialog)).to_have_count(3)
    dialog.get_by_role("button", name="Remove api.editors.test").click()
    expect(tags(dialog)).to_have_text(["editors.test×", "www.editors.test×"])
    ok("domain names are tags, each refused name shown at once with the API's reason")

    dialog.get_by_label("Forward host").fill("127.0.0.1")
    dialog.get_by_label("Forward port").fill(str(main_port))

    # Upstreams, locations, health checks and header rules as rows and fields, not JSON.
    dialog.get_by_role("tab", name="Upstreams").click()
    dialog.get_by_role("button", name="Add upstream").click()
    upstream = dialog.get_by_role("group", name="Upstream 1")
    upstream.get_by_label("Host").fill("127.0.0.1")
    upstream.get_by_label("Port").fill(str(main_port))
    expect(upstream.get_by_label("Weight")).to_have_value("1")
    upstream.get_by_label("Weight").fill("2")
    dialog.get_by_label("Load balancing").select_option("first")
    shot(page, "proxy-host-upstreams")

    dialog.get_by_role("tab", name="Locations").click()
    dialog.get_by_role("button", name="Add location").click()
    location = dialog.get_by_role("group", name="Location 1")
    location.get_by_label("Path", exact=True).fill("/api")
    location.get_by_label("Forward host").fill("127.0.0.1")
    location.get_by_label("Forward port").fill(str(api_port))
    location.get_by_text("Header rules and advanced").click()
    location.get_by_role("button", name="Add header rule").click()
    own = location.get_by_role("group", name="Header rule 1")
    own.get_by_label("Header name").fill("X-Location")
    own.get_by_label("Value").fill("api {method}")
    shot(page, "proxy-host-locations")

    dialog.get_by_role("tab", name="Health").click()
    checks = dialog.get_by_role("group", name="Health checks")
    checks.get_by_label("Active checks: request a path on every upstream").check()
    checks.get_by_label("Path", exact=True).fill("/health")
    checks.get_by_label("Every (seconds)").fill("10")
    shot(page, "proxy-host-health")

    dialog.get_by_role("tab", name="Headers").click()
    dialog.get_by_role("button", name="Security headers").click()
    expect(dialog.get_by_role("group", name="Header rule 3")).to_be_visible()
    dialog.get_by_role("button", name="Add header rule").click()
    rule = dialog.get_by_role("group", name="Header rule 4")
    rule.get_by_label("Direction").select_option("response")
    rule.get_by_label("Header name").fill("X-Served-For")
    rule.get_by_label("Value").fill("{host}")
    rule.get_by_role("button", name="Move up header rule").click()
    expect(dialog.get_by_role("group", name="Header rule 3").get_by_label("Header name")).to_have_value("X-Served-For")
    dialog.get_by_role("group", name="Header rule 3").get_by_role("button", name="Move up header rule").click()
    dialog.get_by_role("group", name="Header rule 2").get_by_role("button", name="Move up header rule").click()
    expect(dialog.get_by_role("group", name="Header rule 1").get_by_label("Header name")).to_have_value("X-Served-For")
    expect(dialog.get_by_role("group", name="Header rule 1").get_by_role("button", name="Move up header rule")).to_be_disabled()
    shot(page, "proxy-host-headers")

    # The JSON tab shows the whole record, checks what is typed, and gives it back to the tabs.
    dialog.get_by_role("tab", name="JSON").click()
    expert = dialog.get_by_label("The whole record as the API's JSON")
    record = json.loads(expert.input_value())
    own_rules = [{"direction": "request", "action": "set", "name": "X-Location", "value": "api {method}"}]
    if record["locations"] != [{"path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": api_port,
                                "forward_path": "", "headers": own_rules, "advanced_config": None}]:
        raise SystemExit(f"FAILED the JSON tab shows {record['locations']}")
    expert.fill(expert.input_value()[:-1])
    expect(dialog.locator("#field-json-error")).to_contain_text("not valid JSON")
    shot(page, "proxy-host-json-invalid")
    record["forward_scheme"] = "http"
    record["caching_enabled"] = True
    expert.fill(json.dumps(record, indent=2))
    expect(dialog.locator("#field-json-error")).to_be_empty()
    dialog.get_by_role("tab", name="Details").click()
    expect(dialog.get_by_label("Cache assets")).to_be_checked()
    ok("the JSON tab shows the record, refuses invalid JSON as it is typed and gives its values back to the tabs")
    dialog.get_by_role("tab", name="Advanced").click()
    advanced = dialog.get_by_label("Advanced (Caddy route JSON)")
    advanced.press_sequentially('[{"handle": ')
    expect(dialog.locator("#field-advanced_config-error")).to_contain_text("advanced_config is not valid JSON")
    advanced.fill("")
    advanced.press_sequentially("[]")
    expect(dialog.locator("#field-advanced_config-error")).to_be_empty()
    ok("the advanced JSON field is checked as it is typed")

    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    saved = api("GET", "/api/proxy-hosts?q=editors.test")["items"][0]
    expected = {
        "domain_names": ["editors.test", "www.editors.test"], "upstreams": [{"host": "127.0.0.1", "port": main_port, "weight": 2}],
        "load_balancing": "first", "caching_enabled": True,
        "locations": [{"path": "/api", "forward_scheme": "http", "forward_host": "127.0.0.1", "forward_port": api_port, "headers": own_rules}],
    }
    for key, value in expected.items():
        if saved[key] != value:
            raise SystemExit(f"FAILED {key} was saved as {saved[key]!r}, not {value!r}")
    if (saved["health_check"]["active_enabled"], saved["health_check"]["path"], saved["health_check"]["interval_seconds"]) != (True, "/health", 10):
        raise SystemExit(f"FAILED the health check was saved as {saved['health_check']}")
    if [rule["name"] for rule in saved["headers"]] != ["X-Served-For", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"]:
        raise SystemExit(f"FAILED the header rules were saved as {saved['headers']}")
    ok("the editors save the structure the API takes, in the order shown")
    eventually(lambda: upstream_of("editors.test") == "main" and upstream_of("editors.test", "/api/users") == "api",
               "the saved location sends /api to its own upstream through Caddy")
    _, body, _ = steps.through_caddy(caddy, "editors.test", "/api/users")
    if json.loads(body)["headers"].get("X-Location") != "api GET":
        raise SystemExit(f"FAILED the location's own header rule was not applied: {body}")
    ok("the location's own header rule is applied to its requests")
    _, _, answer = steps.through_caddy(caddy, "www.editors.test")
    if answer.get("X-Served-For") != "www.editors.test" or answer.get("X-Frame-Options") != "SAMEORIGIN":
        raise SystemExit(f"FAILED the header rules were not served: {dict(answer)}")
    ok("the header rules and the preset are served by Caddy")
    host_id = saved["id"]

    # Bad input in each editor: the refusal lands in the row and cell that caused it, nothing is saved.
    def refused(tab, fill, where, text, what, screenshot=None):
        page.get_by_role("button", name="Add proxy host").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Domain names").fill("refused.test")
        dialog.get_by_label("Forward host").fill("127.0.0.1")
        dialog.get_by_label("Forward port").fill(str(main_port))
        dialog.get_by_role("tab", name=tab).click()
        fill(dialog)
        dialog.get_by_role("button", name="Save").click()
        expect(where(dialog)).to_contain_text(text)
        if screenshot:
            shot(page, screenshot)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_have_count(0)
        ok(f"{what} is refused next to its row and field")

    def add_upstream(host, port):
        def fill(dialog):
            dialog.get_by_role("button", name="Add upstream").click()
            dialog.get_by_role("button", name="Add upstream").click()
            row = dialog.get_by_role("group", name="Upstream 2")
            row.get_by_label("Host").fill(host)
            row.get_by_label("Port").fill(port)
            dialog.get_by_role("group", name="Upstream 1").get_by_label("Host").fill("127.0.0.1")
            dialog.get_by_role("group", name="Upstream 1").get_by_label("Port").fill("8080")
        return fill

    def cell(group, label):
        return lambda dialog: dialog.get_by_role("group", name=group).locator(".cell.invalid .error")

    refused("Upstreams", add_upstream("bad host", "80"), cell("Upstream 2", "Host"), "Host must be a host name", "an upstream's bad host",
            "proxy-host-upstream-refused")
    refused("Upstreams", add_upstream("127.0.0.1", "0"), cell("Upstream 2", "Port"), "Port must be a port number, 1-65535", "an upstream's bad port")
    # Judged by the API alone: the cloud metadata address.
    refused("Upstreams", add_upstream("169.254.169.254", "80"), cell("Upstream 2", "Host"), "allow_reserved_upstream",
            "an upstream the API refuses")

    def location_path(dialog):
        dialog.get_by_role("button", name="Add location").click()
        row = dialog.get_by_role("group", name="Location 1")
        row.get_by_label("Path", exact=True).fill("api")
        row.get_by_label("Forward host").fill("127.0.0.1")
        row.get_by_label("Forward port").fill("80")
    refused("Locations", location_path, cell("Location 1", "Path"), "Path must start with /", "a location's path")

    def location_header(dialog):
        location_path(dialog)
        row = dialog.get_by_role("group", name="Location 1")
        row.get_by_label("Path", exact=True).fill("/api")
        row.get_by_text("Header rules and advanced").click()
        row.get_by_role("button", name="Add header rule").click()
        row.get_by_role("group", name="Header rule 1").get_by_label("Header name").fill("X Bad")
    refused("Locations", location_header, lambda dialog: dialog.get_by_role("group", name="Location 1").get_by_role("group", name="Header rule 1").locator(".cell.invalid .error"),
            "Header name is not a valid HTTP header name", "a location's own header rule", "proxy-host-location-header-refused")

    refused("Health", lambda dialog: dialog.get_by_label("Every (seconds)").fill("0"),
            lambda dialog: dialog.locator(".group .field.invalid .error"), "Every (seconds) must be 1-3600", "a health check interval")

    def rate(requests):
        def fill(dialog):
            dialog.get_by_label("Limit requests per client address").check()
            dialog.get_by_label("Requests", exact=True).fill(requests)
        return fill
    refused("Security", rate("0"), lambda dialog: dialog.locator(".group .field.invalid .error"), "Requests must be 1-1000000",
            "a rate limit")
    # The test's Caddy has no rate limit module: the API names the field.
    refused("Security", rate("100"), lambda dialog: dialog.locator("#field-rate_limit-error"), "rate_limit",
            "a rate limit this server's Caddy cannot apply")

    def header(name, value):
        def fill(dialog):
            dialog.get_by_role("button", name="Add header rule").click()
            row = dialog.get_by_role("group", name="Header rule 1")
            row.get_by_label("Header name").fill(name)
            row.get_by_label("Value").fill(value)
        return fill
    refused("Headers", header("Bad Header", "x"), cell("Header rule 1", "Header name"), "Header name is not a valid HTTP header name", "a header name")
    refused("Headers", header("X-Secret", "{env.SECRET}"), cell("Header rule 1", "Value"), "may use only the placeholders",
            "a header value with a placeholder that is not allowed", "proxy-host-header-refused")
    if api("GET", "/api/proxy-hosts")["total"] != 1:
        raise SystemExit("FAILED a refused form saved a host")
    ok("nothing was saved by the refused editors")

    # Access lists: ordered address rules and users with passwords that are never shown back.
    open_page(page, "Access Lists")
    page.get_by_role("button", name="Add access list").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("staff")
    dialog.get_by_role("button", name="Add address rule").click()
    dialog.get_by_role("group", name="Address rule 1").get_by_label("Address or range").fill("10.0.0.300")
    dialog.get_by_role("button", name="Add user").click()
    dialog.get_by_role("group", name="User 1").get_by_label("Username").fill("alice")
    dialog.get_by_role("button", name="Add user").click()
    dialog.get_by_role("group", name="User 2").get_by_label("Username").fill("alice")
    dialog.get_by_role("group", name="User 2").get_by_label("Password").fill("second secret")
    dialog.get_by_role("button", name="Save").click()
    expect(cell("Address rule 1", "Address or range")(dialog)).to_contain_text("is not an IP address or CIDR range")
    dialog.get_by_role("group", name="Address rule 1").get_by_label("Address or range").fill("127.0.0.0/8")
    dialog.get_by_role("button", name="Save").click()
    expect(cell("User 1", "Password")(dialog)).to_contain_text("Password is required for a new user")
    dialog.get_by_role("group", name="User 1").get_by_label("Password").fill("alice secret")
    dialog.get_by_role("button", name="Save").click()
    expect(cell("User 2", "Username")(dialog)).to_contain_text("Username is listed twice")
    shot(page, "access-list-refused")
    dialog.get_by_role("group", name="User 2").get_by_role("button", name="Remove user").click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    ok("access-list rules and users are refused next to their row, and saved once fixed")

    open_page(page, "Proxy Hosts")
    row_of(page, "editors.test").get_by_role("button", name="Edit", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="Security").click()
    dialog.get_by_label("Access list").select_option(label="staff")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    eventually(lambda: upstream_of("editors.test") == 401 and upstream_of("editors.test", headers=basic("alice", "alice secret")) == "main",
               "the access list asks for a login and lets alice in")

    # Editing: the password is not shown, is kept when nothing is typed, and the rules' order decides.
    open_page(page, "Access Lists")
    row_of(page, "staff").get_by_role("button", name="Edit", exact=True).click()
    dialog = page.get_by_role("dialog")
    password = dialog.get_by_role("group", name="User 1").get_by_label("Password")
    expect(password).to_have_value("")
    expect(password).to_have_attribute("placeholder", "(kept; type to replace)")
    dialog.get_by_role("button", name="Add address rule").click()
    rule = dialog.get_by_role("group", name="Address rule 2")
    rule.get_by_label("Action").select_option("deny")
    rule.get_by_label("Address or range").fill("127.0.0.1")
    rule.get_by_role("button", name="Move up address rule").click()
    expect(dialog.get_by_role("group", name="Address rule 1").get_by_label("Action")).to_have_value("deny")
    shot(page, "access-list-editor")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    eventually(lambda: upstream_of("editors.test", headers=basic("alice", "alice secret")) == 403,
               "a deny rule moved first decides before the allow rule")
    if [client["directive"] for client in api("GET", "/api/access-lists?q=staff")["items"][0]["clients"]] != ["deny", "allow"]:
        raise SystemExit("FAILED the rules were not saved in the order shown")
    row_of(page, "staff").get_by_role("button", name="Edit", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("group", name="Address rule 1").get_by_role("button", name="Remove address rule").click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    eventually(lambda: upstream_of("editors.test", headers=basic("alice", "alice secret")) == "main",
               "a password left untouched in the editor is kept")

    if errors:
        raise SystemExit(f"FAILED the browser console reported errors: {errors[:5]}")
    ok("no script errors")
    browser.close()
