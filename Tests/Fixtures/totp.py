#!/usr/bin/env python3
"""An authenticator app, for the tests: the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of a base32
secret, written apart from the controller's own implementation.

  totp.py SECRET [STEP_OFFSET]       prints the code of the current step (+ offset)
  totp.py --uri OTPAUTH_URI [OFFSET] the same for the secret in an otpauth:// URI
"""
import base64, hashlib, hmac, struct, sys, time
from urllib.parse import parse_qs, urlparse


def code(secret, offset=0, now=None):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = int((time.time() if now is None else now) // 30) + offset
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    start = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[start:start + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def secret_of(uri):
    return parse_qs(urlparse(uri).query)["secret"][0]


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[0] == "--uri":
        arguments = [secret_of(arguments[1])] + arguments[2:]
    print(code(arguments[0], int(arguments[1]) if len(arguments) > 1 else 0))
