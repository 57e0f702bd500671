import Controller
import Foundation
import Host

/// The result of `plugins list`: accepted plugins (duplicates of an earlier id refused) and
/// refusals, as a table or JSON.
struct PluginListing {
    private(set) var plugins: [PluginSummary] = []
    private(set) var refusals: [String] = []

    init(inspections: [PluginInspection]) {
        for inspection in inspections {
            switch inspection {
            case .accepted(let plugin):
                if let first = plugins.first(where: { $0.id == plugin.id }) {
                    let duplicate = PluginLoadError(file: plugin.file, reason: .duplicateID(id: plugin.id, firstFile: first.file))
                    refusals.append(duplicate.description)
                } else {
                    plugins.append(plugin)
                }
            case .refused(let reason):
                refusals.append(reason)
            }
        }
    }

    func table() -> String {
        let header = ["ID", "VERSION", "KINDS", "ABI", "INTERFACES", "FILE"]
        let rows = plugins.map {
            [$0.id, $0.version, $0.kinds, $0.abi, $0.interfaces.isEmpty ? "-" : $0.interfaces.joined(separator: ","), $0.file]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func json() throws -> String {
        struct Document: Encodable {
            var plugins: [PluginSummary]
            var refused: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Document(plugins: plugins, refused: refusals)), as: UTF8.self)
    }
}
