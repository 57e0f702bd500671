#!/usr/bin/env bash
# Gathers the agent bundle a remote server needs (it has no Swift toolchain): the agent, its
# apply plugins, and every shared library they load from the toolchain, laid out as under
# /usr/local:
#   bin/posternproxy-agent
#   lib/posternproxy-agent/plugins/*.so
#   lib/posternproxy-agent/lib/*.so      (found through the agent's $ORIGIN-relative rpath)
# A release bundle is built for size (-Osize, in .build-agent/): every page of code the agent
# maps counts in its resident memory on every server. A debug bundle (the tests) reuses the
# debug build.
# Usage: scripts/bundle-agent.sh [debug|release]   (prints the bundle's folder)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-release}"
bin=$(scripts/build.sh "$configuration")
products=(posternproxy-agent PosternProxyCaddyL4 PosternProxyIptables)
if [ "$configuration" = release ]; then
    for product in "${products[@]}"; do
        swift build -c release --scratch-path .build-agent -Xswiftc -Osize --product "$product" >&2
    done
    built=$(swift build -c release --scratch-path .build-agent --show-bin-path)
else
    built="$bin"
fi
bundle="$bin/agent-bundle"
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib/posternproxy-agent/plugins" "$bundle/lib/posternproxy-agent/lib"
install -m 0755 "$built/posternproxy-agent" "$bundle/bin/posternproxy-agent"
for plugin in "${products[@]:1}"; do
    install -m 0755 "$built/lib$plugin.so" "$bundle/lib/posternproxy-agent/plugins/lib$plugin.so"
done
toolchain=$(dirname "$(dirname "$(command -v swift)")")
for object in "$bundle/bin/posternproxy-agent" "$bundle"/lib/posternproxy-agent/plugins/*.so; do
    ldd "$object" | awk '$3 ~ /^\// { print $3 }' | while read -r library; do
        case "$library" in
            "$toolchain"/*|"$bin"/*|"$built"/*) install -m 0755 "$library" "$bundle/lib/posternproxy-agent/lib/" ;;
        esac
    done
done
echo "$bundle"
