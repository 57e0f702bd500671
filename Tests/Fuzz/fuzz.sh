#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of every parser that reads outside
# input. Each target is built with `swiftc -sanitize=fuzzer,address` from the parser's own
# source files (nothing else of its module), then run for SECONDS against its corpus.
#
#   Tests/Fuzz/fuzz.sh [SECONDS] [TARGET...]     (default: 10 seconds each, every target)
#
# The test command runs it for a short, bounded time; before a release run it for longer
# (Tests/Fuzz/README.md). New inputs that reach new code go to .build/fuzz/new/TARGET, not
# into the repository's corpus; a crash leaves its input in .build/fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
shift || true
out=.build/fuzz
mkdir -p "$out/modules" "$out/new" "$out/crashes"
flags=(-sanitize=fuzzer,address -parse-as-library -g -Onone)

# The sources each target is built from, besides its own file, Tests/Fuzz/Targets/FuzzTARGET.swift.
validation="Sources/Controller/Validation/FieldRules.swift Sources/Controller/Validation/IPAddress.swift Sources/Controller/Validation/Punycode.swift
    Sources/Controller/Validation/ValidationFailure.swift Sources/Controller/Validation/AddressPolicy.swift Sources/Controller/AdminAccess/HostAddresses.swift"
declare -A sources=(
    [JSON]="Sources/JSONCore/*.swift"
    [AgentMessages]="Sources/Host/AgentProtocol/*.swift Sources/Host/Pipeline/ResourceOutcome.swift Sources/Host/Support/Base64.swift"
    [Tar]="Sources/Controller/Backup/TarArchive.swift"
    [DomainNames]="$validation"
    [Addresses]="$validation"
    [HTTPResponse]="Sources/Host/Targets/UnixSocketHTTPClient.swift Sources/Host/Targets/HTTPBodyDecoder.swift Sources/Host/Targets/HTTPRequest.swift Sources/Host/Targets/Target.swift"
    [ConfigEnv]="Sources/posternproxy-agent/ConfigEnvFile.swift"
    [TrafficLog]="Plugins/CaddyL4/Plugin/Traffic/TrafficLogReading.swift Plugins/CaddyL4/Plugin/Traffic/HostTraffic.swift Plugins/CaddyL4/Rendering/TrafficLog.swift"
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(JSON AgentMessages Tar DomainNames Addresses HTTPResponse ConfigEnv TrafficLog)

# The agent messages and the traffic log's reader import JSONCore: it is built once as a module of its
# own, instrumented too.
if [[ " ${targets[*]} " == *" AgentMessages "* || " ${targets[*]} " == *" TrafficLog "* ]]; then
    swiftc "${flags[@]}" -emit-library -static -emit-module -module-name JSONCore Sources/JSONCore/*.swift \
        -emit-module-path "$out/modules/JSONCore.swiftmodule" -o "$out/modules/libJSONCore.a" > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 2; }
fi

failed=()
for target in "${targets[@]}"; do
    [ -n "${sources[$target]:-}" ] || { echo "fuzz: no target $target" >&2; exit 2; }
    extra=()
    [ "$target" = AgentMessages ] || [ "$target" = TrafficLog ] && extra=(-I "$out/modules" "$out/modules/libJSONCore.a")
    # shellcheck disable=SC2086
    # (The gold linker warns about every sanitizer symbol it cannot export; the log keeps that noise.)
    swiftc "${flags[@]}" -module-name "Fuzz$target" ${sources[$target]} "Tests/Fuzz/Targets/Fuzz$target.swift" "${extra[@]}" -o "$out/$target" \
        > "$out/$target.build.log" 2>&1 || { grep -v "ld.gold: warning" "$out/$target.build.log" >&2; exit 2; }
    mkdir -p "$out/new/$target"
    echo "fuzz: $target for ${seconds}s"
    if ! "$out/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$target-" "$out/new/$target" "Tests/Fuzz/Corpus/$target" > "$out/$target.log" 2>&1; then
        tail -40 "$out/$target.log" >&2
        failed+=("$target")
    else
        grep -E "^stat::number_of_executed_units|^Done" "$out/$target.log" | tr '\n' ' ' || true
        echo
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED ${failed[*]}; inputs in $out/crashes/ (make each a unit test, then fix)" >&2
    exit 1
fi
