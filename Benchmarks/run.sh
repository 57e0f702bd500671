#!/usr/bin/env bash
# Runs the benchmarks in release mode and prints ratios measured within one run.
# Usage: Benchmarks/run.sh [ABI_ITERATIONS] [DATA_PLANE_ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ABIBenchmark
swift build -c release --product PosternProxyCaddyL4
bin=$(swift build -c release --show-bin-path)
echo "== ABI crossing: CaddyL4 render, ~1 MB desired state, through dlopen + C ABI vs direct Swift call"
"$bin/ABIBenchmark" "$bin/libPosternProxyCaddyL4.so" "${1:-200}"
swift build -c release --product DataPlaneBenchmark
echo
echo "== data plane: render times, and apply-to-answer against Caddy's own /load (needs caddy on PATH)"
"$bin/DataPlaneBenchmark" "$bin/libPosternProxyCaddyL4.so" "${2:-200}"
swift build -c release --product posternproxy
echo
echo "== controller API with 10,000 proxy hosts: list and create against a trivial route"
python3 Benchmarks/api-benchmark.py "$bin/posternproxy" "${3:-10000}" "${4:-300}"
swift build -c release --product TrafficBenchmark
echo
echo "== traffic: ingestion of a status report of 10,000 active hosts, its write, stored bytes per host per day"
"$bin/TrafficBenchmark" "${5:-10000}" "${6:-200}"
