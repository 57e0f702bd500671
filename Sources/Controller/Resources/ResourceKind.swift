import Foundation
import JSONCore

/// One kind of resource (proxy host, redirection, dead and stream host, port forward, access list, certificate): how its API input is
/// validated and stored, what it holds exclusively on its server, and how it is shown.
protocol ResourceKind: Sendable {
    /// The stored, validated fields (snake_case JSON, Nginx Proxy Manager's names).
    associatedtype Payload: Codable & Sendable

    /// `proxy_host`: the type column, the audit log's resource type, and the `@id` prefix.
    static var type: String { get }
    /// `proxy-hosts`: the API path.
    static var path: String { get }
    /// `proxy_hosts`: the member of a server's desired state.
    static var stateKey: String { get }
    /// The JSON members a client may send.
    static var fields: Set<String> { get }
    /// The member by which other resources refer to one of this kind (`access_list_id`); nil
    /// when nothing refers to it. A referenced resource goes into the desired state of every
    /// server whose resources refer to it.
    static var referenceField: String? { get }

    /// Normalizes and validates new input. `previous` is the stored payload on update (to keep
    /// secrets the client did not resend).
    static func prepare(_ input: Payload, previous: Payload?, context: ValidationContext) throws -> Payload
    /// Whether ``prepare(_:previous:context:)`` may wait for this input (resolve a name, hash
    /// a password, read a certificate file): then it runs on the thread pool, and otherwise
    /// where it is called, saving two thread hops. True unless the kind knows better.
    static func prepareMayWait(_ input: Payload, context: ValidationContext) -> Bool
    /// What an enabled resource holds exclusively on its server (`domain:a.example`, `port:tcp:2222`).
    static func claims(_ payload: Payload) -> [String]
    /// Resources it refers to, which must exist: (type, id, field).
    static func references(_ payload: Payload) -> [(type: String, id: Int64, field: String)]
    /// Refuses members of the request body that only the stored form may have (hashes).
    static func checkInputOnly(_ body: JSON) throws(ValidationFailure)
    /// Caddy modules an enabled resource needs on its server, with the field that needs each and
    /// why.
    static func requiredModules(_ payload: Payload) -> [(module: String, field: String, why: String)]
    /// Whether the API shows members derived from the resource's server (``serverDerived(_:caddyModules:)``).
    static var derivesFromServer: Bool { get }
    /// Members the API shows beside the payload that depend on the resource's server: what its
    /// Caddy's modules (nil until reported) make of it.
    static func serverDerived(_ payload: Payload, caddyModules: [String]?) -> [(String, JSON)]
    /// Lower-cased text that `q` searches.
    static func searchText(_ payload: Payload) -> String
    /// True when the stored payload holds secrets that ``publicJSON(_:)`` removes; otherwise
    /// the stored JSON is shown as it is, without decoding it.
    static var storesSecrets: Bool { get }
    /// The payload as the API shows it: secrets removed.
    static func publicJSON(_ payload: Payload) throws -> JSON
    /// The hosts the resource's server dials (its upstreams), each with the field naming it.
    static func upstreamHosts(_ payload: Payload) -> [(host: String, field: String)]
}

extension ResourceKind {
    static var referenceField: String? { nil }
    static func prepareMayWait(_ input: Payload, context: ValidationContext) -> Bool { true }
    static var storesSecrets: Bool { false }
    static func checkInputOnly(_ body: JSON) throws(ValidationFailure) {}
    static func requiredModules(_ payload: Payload) -> [(module: String, field: String, why: String)] { [] }
    static var derivesFromServer: Bool { false }
    static func serverDerived(_ payload: Payload, caddyModules: [String]?) -> [(String, JSON)] { [] }
    static func references(_ payload: Payload) -> [(type: String, id: Int64, field: String)] { [] }
    static func publicJSON(_ payload: Payload) throws -> JSON { try JSONValueEncoder().encode(payload) }
    static func upstreamHosts(_ payload: Payload) -> [(host: String, field: String)] { [] }
}

/// What validation may depend on besides the input itself.
struct ValidationContext: Sendable {
    /// The caller may set admin-only fields (`advanced_config`, reserved upstreams).
    var isAdmin: Bool
    /// The controller's own port, refused as an upstream on this host.
    var controllerPort: Int
    /// Checks uploaded certificates.
    var certificates: CertificateInspector
    /// Where a host a user names may lead.
    var addresses: AddressPolicy
    /// The `unrestricted_advanced_config` setting: raw Caddy routes may read the host.
    var unrestrictedAdvancedConfig = false

    init(isAdmin: Bool, controllerPort: Int, certificates: CertificateInspector, addresses: AddressPolicy? = nil) {
        self.isAdmin = isAdmin
        self.controllerPort = controllerPort
        self.certificates = certificates
        self.addresses = addresses ?? AddressPolicy(protectedPorts: [controllerPort, AddressPolicy.caddyAdminPort])
    }
}

/// A payload as the text stored in the `data` column.
enum ResourceJSON {
    static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONValueEncoder().encode(value).serialized(), as: UTF8.self)
    }
}
