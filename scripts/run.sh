#!/usr/bin/env bash
# Sets up a fresh machine, builds PosternProxy in release mode and runs `posternproxy` with the
# built plugins. Arguments are passed on; without any, it lists the plugins the host loads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bin=$(scripts/build.sh release)
export POSTERNPROXY_PLUGINS_DIR="${POSTERNPROXY_PLUGINS_DIR:-$bin/plugins}"
if [ $# -eq 0 ]; then set -- plugins list; fi
exec "$bin/posternproxy" "$@"
