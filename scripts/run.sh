#!/usr/bin/env bash
# Sets up a fresh machine, builds PosternProxy in release mode (with the agent bundle that
# provisioning installs on servers) and runs the controller with the built plugins (arguments are
# passed on: `scripts/run.sh plugins list` lists the plugins).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bundle=$(scripts/bundle-agent.sh release)
bin=$(dirname "$bundle")
export POSTERNPROXY_PLUGINS_DIR="${POSTERNPROXY_PLUGINS_DIR:-$bin/plugins}"
# The admin over HTTPS too, with a certificate made at first start (its fingerprint is printed
# under INITIAL SETUP); set POSTERNPROXY_TLS_LISTEN= (empty) to serve plain HTTP only.
export POSTERNPROXY_TLS_LISTEN="${POSTERNPROXY_TLS_LISTEN-0.0.0.0:8443}"
exec "$bin/posternproxy" "$@"
