import JSONCore

/// What a host keeps to undo a catalog plugin's step once its apply pipeline stops naming it:
/// for each such step (by plugin id), the journal of its first apply since it joined the
/// pipeline, which takes the target back to how it was before the step ran, and the plugin file
/// and config that last ran it. Removing a step from a server's pipeline then rolls its change
/// back, as a failed apply would. Kept in a file beside the applied state, so a restart keeps it.
public struct CatalogStepJournals: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var sha256: String
        /// The step's own config (JSON text), without the host's settings.
        public var config: String
        /// Base64 of the journal.
        public var journal: String
    }

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    public static func load(_ path: String) -> CatalogStepJournals {
        guard let bytes = try? LocalFiles.read(path), let json = try? JSONParser.parse(bytes),
            let journals = try? JSONValueDecoder(unknownMembers: .ignore).decode(CatalogStepJournals.self, from: json)
        else { return CatalogStepJournals() }
        return journals
    }

    public func save(_ path: String) throws {
        try LocalFiles.replace(path, with: try JSONValueEncoder().encode(self).serialized(), mode: 0o600)
    }

    /// Notes a successful run of `desired`: a catalog step that applied keeps its first journal;
    /// every catalog step's file and config become the ones that last ran.
    public mutating func record(_ report: PipelineReport, of desired: DesiredPipeline) {
        for (index, step) in desired.steps.enumerated() {
            guard let sha256 = step.sha256 else { continue }
            let config = String(decoding: step.config.serialized(), as: UTF8.self)
            let journal: [UInt8]? =
                if index < report.steps.count, case .applied = report.steps[index].outcome { report.steps[index].result ?? [] } else { nil }
            if var entry = entries[step.plugin] {
                entry.sha256 = sha256
                entry.config = config
                entries[step.plugin] = entry
            } else if let journal {
                entries[step.plugin] = Entry(sha256: sha256, config: config, journal: Base64.encode(journal))
            }
        }
    }

    /// The steps kept here that `desired` no longer names (all of them when the state names no pipeline).
    public func removed(from desired: DesiredPipeline?) -> [(id: String, entry: Entry)] {
        let named = Set(desired?.steps.map(\.plugin) ?? [])
        return entries.filter { !named.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public mutating func forget(_ id: String) { entries[id] = nil }

    /// The plugin files the kept steps need to be undone.
    public var files: Set<String> { Set(entries.values.map(\.sha256)) }
}

extension CatalogStepJournals {
    /// Rolls back each kept step `desired` no longer names, with the plugin file and config that
    /// last ran it, and forgets it; returns why each step that could not be undone was not (it
    /// is kept, and tried again at the next apply).
    public mutating func undoRemoved(
        from desired: DesiredPipeline?, shelf: PluginShelf, bundled: PluginCatalog, caddy: ApplyPipeline.Caddy, target: any Target
    ) async -> [String] {
        var problems: [String] = []
        for (id, entry) in removed(from: desired) {
            do {
                let plugin = try shelf.plugin(entry.sha256, id: id)
                let config = try JSONParser.parse(Array(entry.config.utf8))
                let step = ApplyPipeline.definition(DesiredPipeline(steps: [.init(plugin: id, sha256: entry.sha256, config: config)]), caddy: caddy)
                    .steps[0]
                let outcome = try await PipelineRunner(catalog: bundled.choosing([plugin])).rollBack(
                    step, pipeline: "apply", journal: Base64.decode(entry.journal) ?? [], target: target)
                switch outcome {
                case .rolledBack, .unsupported: forget(id)
                case .failed(let message): problems.append("\(id): rolling back after its removal from the pipeline failed: \(message)")
                }
            } catch {
                problems.append("\(id): cannot be rolled back after its removal from the pipeline: \(error)")
            }
        }
        return problems
    }
}
