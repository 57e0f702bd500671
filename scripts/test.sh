#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: `swift build` first (the tests load the plugins'
# shared objects, run the `posternproxy` command it produces and provision servers with the
# agent bundle), then `swift test`, then the API fuzz run, then a short coverage-guided fuzz run of
# every parser that reads outside input (Tests/Fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
POSTERNPROXY_SETUP=test source scripts/setup.sh
scripts/bundle-agent.sh debug >/dev/null
swift test
scripts/fuzz-api.sh
Tests/Fuzz/fuzz.sh 10
