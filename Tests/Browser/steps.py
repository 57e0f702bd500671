"""What the browser tests share: reporting a passed check, the controller's API called as a tool
calls it, a request through the test's Caddy, waiting for a condition, logging in and opening a
page from the sidebar."""
import json, time, urllib.error, urllib.request
from playwright.sync_api import expect


def ok(what):
    print(f"ok {what}", flush=True)


def api(url, method, path, body=None, token=None):
    """The controller's API as a tool calls it: JSON, a bearer token."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def through_caddy(port, host, path="/", headers=None):
    """(status, body, response headers) of a request to Caddy on loopback for `host`."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers
    except OSError:
        return 0, "", {}


def eventually(check, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return ok(what)
        time.sleep(0.3)
    raise SystemExit(f"FAILED {what}")


def login(page, url, email, password):
    """Logs in from the start page; its first load may be slow while a CI machine runs other
    suites beside this one (the browser starting, the page's modules, the controller's answers)."""
    failed = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.goto(url + "/", timeout=90_000)
    try:
        expect(page.get_by_label("Email")).to_be_visible(timeout=45_000)
    except AssertionError:
        # Still "Loading…": say which requests failed, then load the page once more, as a person would.
        print(f"warning: the start page did not load in 45 s (failed requests: {failed}); reloading", flush=True)
        page.reload(timeout=90_000)
        expect(page.get_by_label("Email")).to_be_visible(timeout=45_000)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def open_page(page, title):
    """Opens a section from the sidebar (on a phone, through the Menu button first)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("navigation").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def no_serious_violations(page, what):
    """Exits naming `what` when axe-core finds a serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    if serious:
        raise SystemExit(f"FAILED {what}: {[(v['id'], v['help'], [n['target'] for n in v['nodes']][:3]) for v in serious]}")
