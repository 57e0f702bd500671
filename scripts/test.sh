#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: `swift build` first (the tests load the plugins'
# shared objects and run the `posternproxy` command it produces), then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
scripts/build.sh debug >/dev/null
swift test
scripts/fuzz-api.sh
