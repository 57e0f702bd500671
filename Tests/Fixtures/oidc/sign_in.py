#!/usr/bin/env python3
"""Signs in to the controller through the test provider as a browser would, without one.

    sign_in.py '{"controller": "http://127.0.0.1:81", "ca": "WORK/ca.pem", "username": "alice",
                 "drop_binding": false, "replay": false}'

Follows every redirect by hand with its own cookie jar: the controller's start, the provider's
login form (filled in), the provider's redirect back, the controller's callback. Prints one JSON
object: where it ended (`final`), the `sso_error` if the controller refused, whether a session
cookie was set, and `/api/auth/me` with it. `drop_binding` loses the controller's binding cookie
before the callback (another browser); `replay` follows the same callback URL a second time
and reports that attempt instead.
"""

import http.cookiejar
import json
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "provider-pass-1"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    settings = json.loads(sys.argv[1])
    context = ssl.create_default_context(cafile=settings["ca"])
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar), urllib.request.HTTPSHandler(context=context))

    def fetch(url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            response = opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.headers, response.read().decode("utf-8", "replace")

    url = settings["controller"] + "/api/auth/oidc/start"
    callback = None
    for _ in range(20):
        status, headers, body = fetch(url)
        if url.startswith(settings["controller"] + "/api/auth/oidc/callback"):
            callback = url
        if status in (301, 302, 303, 307):
            url = urllib.parse.urljoin(url, headers["Location"])
            if url.startswith(settings["controller"] + "/api/auth/oidc/callback") and settings.get("drop_binding"):
                for cookie in list(jar):
                    if cookie.name == "pp_sso":
                        jar.clear(cookie.domain, cookie.path, cookie.name)
            continue
        if status == 200 and 'name="csrfmiddlewaretoken"' in body:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
            form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": settings["username"], "password": PASSWORD,
                                           "next": re.search(r'name="next" value="([^"]*)"', body).group(1).replace("&amp;", "&")}).encode()
            origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
            status, headers, body = fetch(url, form, {"Referer": url, "Origin": origin, "Content-Type": "application/x-www-form-urlencoded"})
            if status in (301, 302, 303):
                url = urllib.parse.urljoin(url, headers["Location"])
                continue
            print(json.dumps({"stuck_at": url, "status": status, "body": body[:2000]}))
            return 1
        break
    if settings.get("replay") and callback:
        status, headers, body = fetch(callback)
        url = urllib.parse.urljoin(callback, headers.get("Location", ""))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    session = any(cookie.name == "pp_access" and cookie.value for cookie in jar)
    result = {"final": url, "status": status, "sso_error": query.get("sso_error", [None])[0], "session": session, "callback": callback}
    if session:
        status, _, body = fetch(settings["controller"] + "/api/auth/me")
        result["me"] = json.loads(body) if status == 200 else {"status": status}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
