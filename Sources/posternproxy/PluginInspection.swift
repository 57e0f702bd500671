import Foundation
import Host

/// What loading one plugin file showed: passed from the `inspect` child to its parent as JSON.
enum PluginInspection: Codable {
    case accepted(PluginSummary)
    case refused(String)

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A loaded plugin's descriptor, as the host saw it.
struct PluginSummary: Codable, Equatable {
    var id: String
    var version: String
    var name: String
    var summary: String
    var kinds: String
    var abi: String
    var interfaces: [String]
    var file: String

    init(_ plugin: LoadedPlugin) {
        id = plugin.id
        version = plugin.version
        name = plugin.name
        summary = plugin.summary
        kinds = plugin.kinds.description
        abi = plugin.abi.description
        interfaces = plugin.providedInterfaces
        file = plugin.file
    }

    /// The multi-line report of `plugins check`.
    func details() -> String {
        """
        id:          \(id)
        version:     \(version)
        name:        \(name)
        description: \(summary)
        kinds:       \(kinds)
        abi:         \(abi)
        interfaces:  \(interfaces.isEmpty ? "(none yet)" : interfaces.joined(separator: ", "))
        file:        \(file)
        """
    }
}
