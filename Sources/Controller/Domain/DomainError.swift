/// What a domain service refuses, in the domain's words. Services throw only these (or a
/// storage error); the API turns each case into one HTTP answer, in one place
/// (`DomainError+HTTP.swift`).
enum DomainError: Error, Sendable, Equatable {
    /// A value breaks a rule: the field and why.
    case invalid(ValidationFailure)
    /// No such thing: "server", "proxy host".
    case notFound(String)
    /// A field refers to something that does not exist (`server_id`, `access_list_id`).
    case missingReference(field: String, String)
    /// The request contradicts what is stored (a name in use, the local server's SSH settings).
    case conflict(field: String?, String)
    /// Never allowed, whoever asks (deleting the local server); `code` tells a client which rule.
    case forbidden(code: String = "forbidden", String)
    /// The caller is not who they claim, or no longer may be (a wrong password, an expired
    /// token); `code` tells a client which.
    case unauthenticated(code: String = "unauthorized", String)
    /// Too many attempts from this address or for this account: try again after `retryAfter` seconds.
    case tooManyAttempts(retryAfter: Int, String)
    /// Refused for now: the service is stopping or a part it needs is missing.
    case unavailable(code: String, String)
    /// Another system the request depends on did not answer as it must (an SSH server).
    case upstream(code: String, String)
}
