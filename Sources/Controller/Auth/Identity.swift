/// Who is making a request, once authenticated.
public struct Identity: Sendable {
    public enum Role: String, Sendable, Codable { case admin, viewer }

    /// How the request proved who it is.
    public enum Credential: Sendable, Equatable {
        /// The session cookie (state-changing requests also need the CSRF header).
        case sessionCookie(sessionID: Int64)
        /// A session's access token sent as `Authorization: Bearer`.
        case accessToken(sessionID: Int64)
        /// An API token sent as `Authorization: Bearer`.
        case apiToken(tokenID: Int64)
    }

    public var userID: Int64
    public var email: String
    public var role: Role
    public var credential: Credential
    /// A session of a user without two-factor login while an admin requires it for everyone:
    /// only enrolment (and the routes to log out or see oneself) is open to it. API tokens are
    /// never held back.
    public var mustEnrolTwoFactor = false
    /// An API token whose scope is `metrics`: it may read `/metrics` and nothing else.
    public var metricsOnly = false

    public var isAdmin: Bool { role == .admin }

    /// The session the request belongs to; nil for an API token.
    public var sessionID: Int64? {
        switch credential {
        case .sessionCookie(let id), .accessToken(let id): id
        case .apiToken: nil
        }
    }
}
