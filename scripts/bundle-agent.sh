#!/usr/bin/env bash
# Gathers the agent bundle a remote server needs (it has no Swift toolchain): the agent, its
# apply plugins, and every shared library they load from the toolchain, laid out as under
# /usr/local:
#   bin/posternproxy-agent
#   lib/posternproxy-agent/plugins/*.so
#   lib/posternproxy-agent/lib/*.so      (found through the agent's $ORIGIN-relative rpath)
# Usage: scripts/bundle-agent.sh [debug|release]   (prints the bundle's folder)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-release}"
bin=$(scripts/build.sh "$configuration")
bundle="$bin/agent-bundle"
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib/posternproxy-agent/plugins" "$bundle/lib/posternproxy-agent/lib"
install -m 0755 "$bin/posternproxy-agent" "$bundle/bin/posternproxy-agent"
for plugin in PosternProxyCaddyL4 PosternProxyIptables; do
    install -m 0755 "$bin/lib$plugin.so" "$bundle/lib/posternproxy-agent/plugins/lib$plugin.so"
done
toolchain=$(dirname "$(dirname "$(command -v swift)")")
for object in "$bundle/bin/posternproxy-agent" "$bundle"/lib/posternproxy-agent/plugins/*.so; do
    ldd "$object" | awk '$3 ~ /^\// { print $3 }' | while read -r library; do
        case "$library" in
            "$toolchain"/*|"$bin"/*) install -m 0755 "$library" "$bundle/lib/posternproxy-agent/lib/" ;;
        esac
    done
done
echo "$bundle"
