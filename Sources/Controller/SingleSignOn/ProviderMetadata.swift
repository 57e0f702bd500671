import Foundation
import JSONCore

/// What the provider's discovery document (`ISSUER/.well-known/openid-configuration`, OpenID
/// Connect Discovery §4) says about it. The document must name exactly the configured issuer
/// (one that names another is refused: it would let a compromised or mistyped URL speak for
/// someone else), offer the authorization code flow, sign ID tokens with RS256 or ES256, and
/// reach its endpoints over https.
struct ProviderMetadata: Sendable, Equatable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String
    /// How the client secret reaches the token endpoint.
    var clientAuthentication: ClientAuthentication

    enum ClientAuthentication: String, Sendable { case basic = "client_secret_basic", post = "client_secret_post" }

    static func discoveryURL(issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    init(json: Data, issuer expected: String) throws(SingleSignOnError) {
        guard let document = try? JSONParser.parse(json), document.objectMembers != nil else {
            throw .provider("the discovery document is not a JSON object")
        }
        guard let issuer = document["issuer"]?.stringValue, issuer == expected else {
            let named = document["issuer"]?.stringValue.map { "\"\(FieldRules.printable($0))\"" } ?? "no issuer"
            throw .provider("the discovery document names \(named), not \(expected): the issuer must be exactly the provider's own")
        }
        func endpoint(_ name: String) throws(SingleSignOnError) -> String {
            guard let value = document[name]?.stringValue, let url = URL(string: value), url.scheme == "https", url.host?.isEmpty == false else {
                throw .provider("the discovery document's \(name) is missing or not an https URL")
            }
            return value
        }
        self.issuer = issuer
        authorizationEndpoint = try endpoint("authorization_endpoint")
        tokenEndpoint = try endpoint("token_endpoint")
        jwksURI = try endpoint("jwks_uri")
        if let types = document["response_types_supported"]?.arrayValue?.compactMap(\.stringValue), !types.contains("code") {
            throw .provider("the provider does not offer the authorization code flow (response_types_supported lacks \"code\")")
        }
        if let methods = document["code_challenge_methods_supported"]?.arrayValue?.compactMap(\.stringValue), !methods.contains("S256") {
            throw .provider("the provider does not offer PKCE with S256 (code_challenge_methods_supported)")
        }
        if let algorithms = document["id_token_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue),
            IDTokenVerifier.algorithms.isDisjoint(with: algorithms)
        {
            throw .provider("the provider signs ID tokens with none of RS256 and ES256 (id_token_signing_alg_values_supported)")
        }
        // RFC 8414 §2: client_secret_basic when the provider lists no methods.
        let methods = document["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"]
        clientAuthentication = methods.contains("client_secret_basic") || !methods.contains("client_secret_post") ? .basic : .post
    }
}
