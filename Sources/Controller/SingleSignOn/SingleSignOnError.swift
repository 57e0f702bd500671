/// Why a sign-in through the identity provider, or a provider's configuration, was refused. The
/// `code` reaches the login page (which explains it) and the audit log; the `message` says what
/// was wrong and, where the admin can, how to fix it.
struct SingleSignOnError: Error, Sendable, Equatable {
    var code: String
    var message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The provider could not be reached or answered something other than what OpenID Connect says.
    static func provider(_ message: String) -> SingleSignOnError { SingleSignOnError("provider_error", message) }
    /// The ID token failed a check: it must not sign anyone in.
    static func token(_ message: String) -> SingleSignOnError { SingleSignOnError("invalid_id_token", message) }
}
