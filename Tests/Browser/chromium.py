"""Debian's Chromium through Playwright, as the browser tests start it: no sandbox (tests run as
root), a desktop-sized window, every script error and console error collected (other than the
network log of refusals a test provokes), and waits long enough for a loaded CI machine, where
a login's bcrypt check alone can take seconds while other suites run beside it."""
from playwright.sync_api import expect


def launch(playwright, extra_args=(), viewport=(1280, 900), color_scheme="light"):
    """Returns (browser, context, page, errors); `errors` fills while the page runs."""
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", *extra_args])
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, color_scheme=color_scheme)
    page = context.new_page()
    page.set_default_timeout(30_000)
    expect.set_options(timeout=20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    return browser, context, page, errors
