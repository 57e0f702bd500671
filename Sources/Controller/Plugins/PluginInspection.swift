import Foundation
import Host

/// What loading one plugin file showed: passed from the `inspect` child to its parent as JSON.
public enum PluginInspection: Codable, Sendable {
    case accepted(PluginSummary)
    case refused(String)

    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A loaded plugin's descriptor, as the host saw it.
public struct PluginSummary: Codable, Equatable, Sendable {
    public var id: String
    public var version: String
    public var name: String
    public var summary: String
    public var kinds: String
    public var abi: String
    public var interfaces: [String]
    /// The plugin's declaration (config schema and needs) as JSON text, when it declares one.
    public var declaration: String?
    public var file: String

    public init(_ plugin: LoadedPlugin) {
        id = plugin.id
        version = plugin.version
        name = plugin.name
        summary = plugin.summary
        kinds = plugin.kinds.description
        abi = plugin.abi.description
        interfaces = plugin.providedInterfaces
        file = plugin.file
        declaration = plugin.declaration.map { String(decoding: $0.json.serialized(), as: UTF8.self) }
    }

    /// The multi-line report of `plugins check`.
    public func details() -> String {
        """
        id:          \(id)
        version:     \(version)
        name:        \(name)
        description: \(summary)
        kinds:       \(kinds)
        abi:         \(abi)
        interfaces:  \(interfaces.isEmpty ? "(none yet)" : interfaces.joined(separator: ", "))
        file:        \(file)
        """ + (declaration.map { "\ndeclares:    \($0)" } ?? "")
    }
}
