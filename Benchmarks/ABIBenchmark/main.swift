// Measures what crossing the plugin ABI costs: one CaddyL4 render of a ~1 MB desired state,
// called through the C ABI (dlopen'ed plugin, borrowed input, output copied into a host sink)
// versus the same Swift function called directly, interleaved in one run. Prints the ratio.
//
// Usage: ABIBenchmark PLUGIN_SO [ITERATIONS]

import CaddyL4Rendering
import Foundation
import Host

/// A desired state of `hosts` proxy hosts, about 200 bytes each.
func desiredState(hosts: Int) -> [UInt8] {
    let items = (1...hosts).map { id in
        #"{"id": \#(id), "domain_names": ["app\#(id).example.test", "www.app\#(id).example.test"], "forward_scheme": "http", "forward_host": "10.0.\#(id / 250).\#(id % 250)", "forward_port": \#(8000 + id % 1000), "enabled": true}"#
    }
    return [UInt8](#"{"revision": 1, "proxy_hosts": [\#(items.joined(separator: ","))]}"#.utf8)
}

func median(_ samples: [Duration]) -> Duration {
    samples.sorted()[samples.count / 2]
}

func milliseconds(_ duration: Duration) -> String {
    String(format: "%.3f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1e3)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: ABIBenchmark PLUGIN_SO [ITERATIONS]\n".utf8))
    exit(2)
}
let iterations = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
let plugin = try PluginLoader(host: HostIdentity(name: "posternproxy-benchmark", version: HostIdentity.productVersion)).load(arguments[1])
let settings = [UInt8]("{}".utf8)
let input = desiredState(hosts: 6_000)  // just over 1 MB

// Same bytes both ways, or the comparison means nothing.
let direct = try CaddyRenderer.render(input: input, settings: settings)
guard try plugin.render(input, config: settings) == direct else {
    FileHandle.standardError.write(Data("the plugin's output differs from the direct call\n".utf8))
    exit(1)
}

let clock = ContinuousClock()
var directSamples: [Duration] = []
var abiSamples: [Duration] = []
for iteration in 0..<iterations {
    // Alternate which goes first so warm caches favour neither.
    let measureDirect = { directSamples.append(try clock.measure { _ = try CaddyRenderer.render(input: input, settings: settings) }) }
    let measureABI = { abiSamples.append(try clock.measure { _ = try plugin.render(input, config: settings) }) }
    if iteration.isMultiple(of: 2) {
        try measureDirect()
        try measureABI()
    } else {
        try measureABI()
        try measureDirect()
    }
}

let ratio =
    (Double(median(abiSamples).components.attoseconds) + Double(median(abiSamples).components.seconds) * 1e18)
    / (Double(median(directSamples).components.attoseconds) + Double(median(directSamples).components.seconds) * 1e18)
print("input \(input.count) bytes, output \(direct.count) bytes, \(iterations) iterations each")
print("direct Swift call: median \(milliseconds(median(directSamples)))")
print("through the ABI:   median \(milliseconds(median(abiSamples)))")
print(String(format: "ratio ABI/direct: %.3f (target < 1.05)", ratio))
