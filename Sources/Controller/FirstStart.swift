import Foundation

/// Creates the first admin when there is no user yet.
enum FirstStart {
    /// Returns the generated password when one was made (to print once), nil otherwise.
    static func ensureAdmin(_ store: Store, email: String, password: String?) async throws -> String? {
        guard try await store.database.read({ db in try UserRepository.isEmpty(db) }) else { return nil }
        let chosen = password ?? Secrets.password(length: 20)
        let hash = Secrets.hashPasswordBlocking(chosen)
        try await store.database.write { db in
            let id = try UserRepository.insert(db, email: email, name: "Administrator", passwordHash: hash, role: .admin, active: true)
            try AuditLog.record(
                db, AuditLog.Actor(userID: nil, email: nil, clientIP: "local"), action: "create", resourceType: "user", resourceID: id,
                details: ["email": email, "role": "admin", "first_start": true])
        }
        return password == nil ? chosen : nil
    }
}

extension FirstStart {
    /// The INITIAL SETUP text: where to log in, the generated password (shown once), and the
    /// admin HTTPS certificate's fingerprint to compare with what the browser shows. Nil when
    /// there is nothing new to tell (no password was generated and no certificate made).
    static func banner(configuration: ControllerConfiguration, password: String?, tls: AdminTLS?) -> String? {
        let madeCertificate = tls?.madeCertificate == true
        guard password != nil || madeCertificate else { return nil }
        var lines = ["==================== INITIAL SETUP ===================="]
        lines.append(
            "Log in at http://<this host>:\(configuration.listenPort)/"
                + (configuration.tlsListen.map { " or https://<this host>:\($0.port)/" } ?? "") + (password == nil ? "" : " as"))
        if let password {
            lines.append("  email:    \(configuration.adminEmail)")
            lines.append("  password: \(password)")
            lines.append("This password is shown once. Change it after logging in.")
        }
        if let certificate = tls?.current.certificate, madeCertificate {
            lines.append("The HTTPS certificate was made for this host (self-signed). Its fingerprint:")
            lines.append("  SHA-256:  \(certificate.fingerprintSHA256)")
            lines.append("  key pin:  sha256//\(certificate.publicKeyPin)")
            lines.append("Check that your browser shows this fingerprint before you trust it.")
        }
        lines.append("=======================================================")
        return lines.joined(separator: "\n") + "\n\n"
    }
}
