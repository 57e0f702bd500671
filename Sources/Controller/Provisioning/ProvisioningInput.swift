import Foundation
import JSONCore

/// What the provisioning pipeline's steps read: where the agent dials, its token, the SSH port
/// the firewall keeps open, the agent bundle's files to install and, when set, a Caddy binary to
/// install instead of the distribution's package.
struct ProvisioningInput: Encodable {
    struct File: Encodable {
        var source: String
        var path: String
        var mode: Int
    }

    var controller_url: String
    var agent_token: String
    var ssh_port: Int
    var agent_files: [File]
    var caddy_binary: String?
}

/// How the SSH transport plugin opens a connection: the server, the credentials (never logged),
/// the host key it must prove (`known_host_key`, required when `require_known_host_key`), or
/// only reading its host key (`scan_only`).
struct SSHOpenRequest: Encodable {
    var host: String
    var port: Int
    var user: String
    var timeout_ms = 15_000
    var password: String?
    var private_key: String?
    var passphrase: String?
    var known_host_key: String?
    var require_known_host_key: Bool?
    var scan_only: Bool?

    init(host: String, port: Int, user: String) {
        self.host = host
        self.port = port
        self.user = user
    }

    func encoded() throws -> [UInt8] { try JSONValueEncoder().encode(self).serialized() }
}
