import Foundation

/// The controller's settings, from the environment (SPEC §7).
public struct ControllerConfiguration: Sendable {
    /// `POSTERNPROXY_LISTEN` [0.0.0.0:81].
    public var listenHost: String
    public var listenPort: Int
    /// `POSTERNPROXY_DATA_DIR` [/var/lib/posternproxy].
    public var dataDirectory: String
    /// `POSTERNPROXY_ADMIN_EMAIL` [admin@posternproxy.local] and `POSTERNPROXY_ADMIN_PASSWORD`
    /// [random, printed once]: the first admin.
    public var adminEmail: String
    public var adminPassword: String?

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("posternproxy.sqlite") }

    public init(listenHost: String = "0.0.0.0", listenPort: Int = 81, dataDirectory: String = "/var/lib/posternproxy",
                adminEmail: String = "admin@posternproxy.local", adminPassword: String? = nil)
    {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.dataDirectory = dataDirectory
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
    }

    /// Reads the `POSTERNPROXY_*` variables; throws naming the variable when one is malformed.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ControllerConfiguration {
        var configuration = ControllerConfiguration()
        if let listen = environment["POSTERNPROXY_LISTEN"] {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationFailure("POSTERNPROXY_LISTEN", "must be HOST:PORT, for example 0.0.0.0:81")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            configuration.listenHost = host.isEmpty ? "0.0.0.0" : host
            configuration.listenPort = port
        }
        if let directory = environment["POSTERNPROXY_DATA_DIR"], !directory.isEmpty { configuration.dataDirectory = directory }
        if let email = environment["POSTERNPROXY_ADMIN_EMAIL"], !email.isEmpty {
            configuration.adminEmail = try FieldRules.email(email, field: "POSTERNPROXY_ADMIN_EMAIL")
        }
        if let password = environment["POSTERNPROXY_ADMIN_PASSWORD"], !password.isEmpty {
            configuration.adminPassword = try UserRoutes.password(password, field: "POSTERNPROXY_ADMIN_PASSWORD")
        }
        return configuration
    }
}
