#!/usr/bin/env bash
# Builds every product and gathers the plugins into a `plugins` folder beside the executables,
# where `posternproxy` looks for them by default (PosternProxy's own only: a controller puts any
# other plugin found there into its catalog), the C example into `examples` (for
# `posternproxy pipeline run --dir`), and the plugin headers into `include` (where
# `posternproxy plugins new` finds them).
# Usage: scripts/build.sh [debug|release]   (prints the folder of the built executables)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-debug}"
swift build -c "$configuration" >&2
bin=$(swift build -c "$configuration" --show-bin-path)
mkdir -p "$bin/plugins"
chmod 0755 "$bin/plugins"
for product in PosternProxyCaddyL4 PosternProxyIptables PosternProxySSHProvisioner PosternProxyUFWHardening; do
    install -m 0755 "$bin/lib$product.so" "$bin/plugins/lib$product.so"
done
rm -f "$bin/plugins/libPosternProxyExampleMotd.so"
mkdir -p "$bin/examples"
install -m 0755 "$bin/libPosternProxyExampleMotd.so" "$bin/examples/libPosternProxyExampleMotd.so"
mkdir -p "$bin/include"
install -m 0644 Sources/PluginAPI/include/posternproxy_plugin.h Sources/PluginAPI/include/posternproxy_plugin_sdk.h "$bin/include/"
echo "$bin"
