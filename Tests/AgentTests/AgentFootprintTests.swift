import Foundation
import Testing
import TestSupport

/// What the agent brings onto a server: it runs on every managed host beside Caddy, so it links
/// no Foundation library at all. Foundation proper maps ICU's tables and code (some 5 MiB
/// resident), FoundationEssentials 3.3 MiB more, the moment one file of the agent, its plugins or
/// the libraries they share (Host, JSONCore, PluginKit) imports it.
struct AgentFootprintTests {
    @Test(arguments: ["posternproxy-agent", "libPosternProxyCaddyL4.so", "libPosternProxyIptables.so"])
    func theAgentAndItsPluginsLinkNoFoundation(binary: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = ["\(TestEnvironment.buildFolder)/\(binary)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let linked = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(linked.contains("libswiftCore.so"), "\(linked)")
        for library in ["libFoundation.so", "libFoundationEssentials.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            #expect(!linked.contains(library), "\(binary) links \(library)")
        }
    }
}
