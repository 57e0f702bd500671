#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: the format check, then `swift build` (the tests load the plugins'
# shared objects, run the `posternproxy` command it produces and provision servers with the
# agent bundle), then `swift test`, then the API fuzz run, then a short coverage-guided fuzz run of
# every parser that reads outside input (Tests/Fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
POSTERNPROXY_SETUP=test source scripts/setup.sh
# The code is formatted as .swift-format says (line length 150): `swift format --in-place
# --recursive Sources Plugins Tests Benchmarks Examples` fixes what this refuses.
swift format lint --strict --configuration .swift-format --recursive Sources Plugins Tests Benchmarks Examples
scripts/bundle-agent.sh debug >/dev/null
swift test
scripts/fuzz-api.sh
Tests/Fuzz/fuzz.sh 10
