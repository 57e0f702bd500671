import Glibc
import JSONCore

/// The pipeline that applies a server's desired state, the same for the controller's
/// local server and for every agent: `[caddy, iptables]` unless configured otherwise.
///
/// Every step gets the same configuration: the settings of the data plane the host runs
/// (``Caddy``), as one JSON object. A step reads the members it needs and ignores the others, so
/// the host configures no step by its plugin id, and a step added to the list sees what the
/// first-party ones see.
public enum ApplyPipeline {
    /// Where the data plane's Caddy is and which ports it serves.
    public struct Caddy: Sendable {
        public var adminSocket: String
        public var binary: String
        public var httpPort: Int
        public var httpsPort: Int
        /// Caddy's modules when already known (``DataPlaneFacts``, from the step's
        /// `posternproxy.describe/1`), so the step need not list them at every apply.
        public var modules: [String]?
        /// PEM files of roots Caddy trusts when it talks to the ACME CA (a private CA such as
        /// step-ca, or a test CA); empty trusts the system's.
        public var acmeTrustedRoots: [String]
        /// A file of the machine Caddy writes its certificate manager's log to, where the step reads
        /// how its automatic certificates are doing (its folder must exist and Caddy must be
        /// able to write there); nil: no such log, and no certificate progress reported.
        public var certificateLog: String?
        /// Ports of this machine no upstream may lead to (the step resolves every upstream
        /// before it loads a config): Caddy's default admin port, and the controller's own.
        public var protectedPorts: [Int] = [2019]
        /// Ports of this machine no stream host may listen on: the controller's listeners, on
        /// the controller's own server.
        public var reservedPorts: [Int] = []
        /// Up to what size (KiB of JSON) the step keeps the last desired state it read, its text
        /// and each resource decoded, so that the next plan decodes only what changed: a plan
        /// after a change to one host of 10,000 decodes one. Kept, a state takes about twice its
        /// text in memory between applies (a host as the API stores it is some 0.7 KiB of text).
        /// 2 MiB by default, some 2,800 hosts, so an agent's memory grows by at most about 4 MiB;
        /// the controller keeps its own server's state whatever its size; 0 keeps none.
        public var keepStateUpToKiB = 2048
        /// Up to what size (KiB of JSON) a larger state is kept too while it changes: from a
        /// plan that found it changed until ``keepChangingStateSeconds`` have passed without
        /// another change, when the next plan (the agent's periodic re-apply makes one) lets it
        /// go. So the changes made while someone works on a server of 10,000 hosts each decode
        /// and render what changed, and an agent left alone holds no more than one without it.
        /// 64 MiB by default; 0 keeps none beyond ``keepStateUpToKiB``.
        public var keepChangingStateUpToKiB = 65536
        /// How long after its last change a state above ``keepStateUpToKiB`` is kept [900].
        public var keepChangingStateSeconds = 900

        public init(adminSocket: String, binary: String, httpPort: Int, httpsPort: Int, modules: [String]? = nil, acmeTrustedRoots: [String] = []) {
            self.adminSocket = adminSocket
            self.binary = binary
            self.httpPort = httpPort
            self.httpsPort = httpsPort
            self.modules = modules
            self.acmeTrustedRoots = acmeTrustedRoots
        }
    }

    /// The pipeline of `steps`, each configured with `caddy`'s settings:
    /// `admin_socket`, `caddy_binary`, `http_port`, `https_port`, `modules` (when known),
    /// `acme_trusted_roots` (when any), `certificate_log` (when set), `protected_ports`,
    /// `reserved_ports` (when any), `keep_state_up_to_kib`, `keep_changing_state_up_to_kib`,
    /// `keep_changing_state_seconds`.
    public static func definition(steps: [String], caddy: Caddy) -> PipelineDefinition {
        let config = [UInt8](JSON.object(settings(caddy)).serialized())
        return PipelineDefinition(name: "apply", steps: steps.map { PipelineDefinition.Step(plugin: $0, config: config) })
    }

    /// The pipeline a desired state names: each step's own config with `caddy`'s settings added
    /// (a step's config cannot use their names: ``hostSettingNames``).
    public static func definition(_ desired: DesiredPipeline, caddy: Caddy) -> PipelineDefinition {
        let settings = settings(caddy)
        return PipelineDefinition(
            name: "apply",
            steps: desired.steps.map { step in
                let own = (step.config.objectMembers ?? []).filter { !hostSettingNames.contains($0.0) }
                return PipelineDefinition.Step(plugin: step.plugin, config: JSON.object(own + settings).serialized())
            })
    }

    /// The config members every apply step gets from the host it runs on.
    public static let hostSettingNames: Set<String> = [
        "admin_socket", "caddy_binary", "http_port", "https_port", "modules", "acme_trusted_roots", "certificate_log",
        "protected_ports", "reserved_ports", "keep_state_up_to_kib", "keep_changing_state_up_to_kib", "keep_changing_state_seconds",
    ]

    private static func settings(_ caddy: Caddy) -> [(String, JSON)] {
        var settings: [(String, JSON)] = [
            ("admin_socket", .string(caddy.adminSocket)), ("caddy_binary", .string(caddy.binary)), ("http_port", .int(caddy.httpPort)),
            ("https_port", .int(caddy.httpsPort)),
        ]
        if let modules = caddy.modules { settings.append(("modules", .strings(modules))) }
        if !caddy.acmeTrustedRoots.isEmpty { settings.append(("acme_trusted_roots", .strings(caddy.acmeTrustedRoots))) }
        if let log = caddy.certificateLog { settings.append(("certificate_log", .string(log))) }
        settings.append(("protected_ports", .array(caddy.protectedPorts.map(JSON.int))))
        if !caddy.reservedPorts.isEmpty { settings.append(("reserved_ports", .array(caddy.reservedPorts.map(JSON.int)))) }
        settings.append(("keep_state_up_to_kib", .int(caddy.keepStateUpToKiB)))
        settings.append(("keep_changing_state_up_to_kib", .int(caddy.keepChangingStateUpToKiB)))
        settings.append(("keep_changing_state_seconds", .int(caddy.keepChangingStateSeconds)))
        return settings
    }
}
