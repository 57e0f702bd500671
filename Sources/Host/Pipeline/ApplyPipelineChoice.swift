/// How one host runs a desired state's apply pipeline, the agent's and the controller's own server
/// alike: the pipeline the state names (``DesiredPipeline``), its catalog plugins from the host's
/// ``PluginShelf`` in place of those it ships with and every step given the host's data plane
/// settings; or, when the state names none, the pipeline the host is configured with.
public struct ApplyPipelineChoice: Sendable {
    /// The plugins the host ships with.
    public let bundled: PluginCatalog
    public let shelf: PluginShelf
    /// The settings every apply step gets.
    public let caddy: ApplyPipeline.Caddy
    /// What runs when the state names no pipeline.
    public let configured: PipelineDefinition

    public init(bundled: PluginCatalog, shelf: PluginShelf, caddy: ApplyPipeline.Caddy, configured: PipelineDefinition) {
        self.bundled = bundled
        self.shelf = shelf
        self.caddy = caddy
        self.configured = configured
    }

    public struct Chosen: Sendable {
        public let pipeline: PipelineDefinition
        public let runner: PipelineRunner
        /// The pipeline the state named; nil when the configured one runs.
        public let desired: DesiredPipeline?
    }

    /// Why a state's pipeline cannot run here: it does not read, or a plugin it names does not load.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The pipeline `state` asks for, with the plugins it runs. Its catalog plugins must be on
    /// the shelf already.
    public func choose(for state: [UInt8]) throws(Problem) -> Chosen {
        try choose(try Self.desired(inState: state))
    }

    /// The pipeline `state` names (nil: none), read once for both preparing its plugins and
    /// choosing it (without a `pipeline` member, finding that out is a pass over the whole state).
    public static func desired(inState state: [UInt8]) throws(Problem) -> DesiredPipeline? {
        do { return try DesiredPipeline.read(fromState: state) } catch {
            throw Problem(description: "the desired state's pipeline: \(error)")
        }
    }

    /// The pipeline `desired` names (nil: the configured one), with the plugins it runs: for a
    /// host that has the state's pipeline without reading the state (the controller, which built it).
    public func choose(_ desired: DesiredPipeline?) throws(Problem) -> Chosen {
        guard let desired else { return Chosen(pipeline: configured, runner: PipelineRunner(catalog: bundled), desired: nil) }
        do {
            let catalog = try shelf.catalog(for: desired, over: bundled)
            return Chosen(pipeline: ApplyPipeline.definition(desired, caddy: caddy), runner: PipelineRunner(catalog: catalog), desired: desired)
        } catch { throw Problem(description: error.description) }
    }

    /// After a successful run of the pipeline `desired` named (nil: the configured one): keeps
    /// in `journals` what undoes its catalog steps and rolls back the steps it no longer names;
    /// returns why each that could not be undone was not.
    public func settle(_ journals: inout CatalogStepJournals, after report: PipelineReport, of desired: DesiredPipeline?, target: any Target) async
        -> [String]
    {
        if let desired { journals.record(report, of: desired) }
        return await journals.undoRemoved(from: desired, shelf: shelf, bundled: bundled, caddy: caddy, target: target)
    }
}
