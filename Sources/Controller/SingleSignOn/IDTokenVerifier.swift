import Crypto
import Foundation
import _CryptoExtras
import JSONCore

/// Checks an ID token as OpenID Connect Core §3.1.3.7 requires before it may sign anyone in: a
/// compact JWS signed with RS256 or ES256 (never `none`, never a MAC keyed with the client
/// secret, no critical extensions) by a key of the provider's set; `iss` exactly the configured
/// issuer; `aud` naming this client (and `azp` naming it when present or when there are several
/// audiences); `exp` in the future and `iat` not in the future, both within `leeway`; `nonce` the
/// one this login sent; `sub` present.
struct IDTokenVerifier: Sendable {
    var issuer: String
    var clientID: String
    var keys: JSONWebKeySet
    /// Clock difference tolerated between the provider and this controller.
    var leeway: TimeInterval = 120

    /// The claims of a token that passed, as the provider sent them.
    struct Claims: Sendable {
        var subject: String
        var values: JSON

        var email: String? { values["email"]?.stringValue }
        /// `email_verified` as a boolean (some providers send the string "true").
        var emailVerified: Bool { values["email_verified"]?.boolValue ?? (values["email_verified"]?.stringValue == "true") }
        var name: String? { values["name"]?.stringValue ?? values["preferred_username"]?.stringValue }

        /// The strings at a claim path such as `groups` or `realm_access.roles`: one string, or
        /// every string of an array; empty when the path is missing.
        func strings(at path: String) -> [String] {
            var value: JSON? = values
            for part in path.split(separator: ".") { value = value?[String(part)] }
            if let one = value?.stringValue { return [one] }
            return value?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }

    static let algorithms: Set<String> = ["RS256", "ES256"]

    func verify(_ token: String, nonce: String, now: Date = Date()) throws(SingleSignOnError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .token(
                parts.count == 5
                    ? "the ID token is encrypted (JWE), which this controller does not read: turn ID token encryption off for this client"
                    : "the ID token is not a compact JWS of three parts")
        }
        guard let headerData = Base64URL.decode(parts[0]), let header = try? JSONParser.parse(headerData), header.objectMembers != nil,
            let payloadData = Base64URL.decode(parts[1]), let payload = try? JSONParser.parse(payloadData), payload.objectMembers != nil,
            let signature = Base64URL.decode(parts[2])
        else { throw .token("the ID token's header, claims or signature is not base64url JSON") }
        let algorithm = header["alg"]?.stringValue ?? ""
        guard Self.algorithms.contains(algorithm) else {
            throw .token(
                "the ID token is signed with \"\(FieldRules.printable(String(algorithm.prefix(20))))\"; only RS256 and ES256 are accepted: set the client's signing algorithm to one of them"
            )
        }
        guard header["crit"] == nil else { throw .token("the ID token's header has critical extensions this controller does not understand") }
        let keyID = header["kid"]?.stringValue
        let candidates = keys.candidates(keyID: keyID, algorithm: algorithm)
        guard !candidates.isEmpty else {
            throw SingleSignOnError(
                "unknown_signing_key",
                "no \(algorithm) key\(keyID.map { " with kid \"\(FieldRules.printable(String($0.prefix(80))))\"" } ?? "") in the provider's key set")
        }
        let signedPart = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard candidates.contains(where: { Self.isValid(signature, of: signedPart, by: $0) }) else {
            throw .token("the ID token's signature does not match the provider's key")
        }
        return try checkClaims(payload, nonce: nonce, now: now)
    }

    private func checkClaims(_ payload: JSON, nonce: String, now: Date) throws(SingleSignOnError) -> Claims {
        guard payload["iss"]?.stringValue == issuer else { throw .token("the ID token's issuer is not \(issuer)") }
        let audiences = (payload["aud"]?.stringValue).map { [$0] } ?? payload["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard audiences.contains(clientID) else { throw .token("the ID token is not meant for this client (its audience does not name \(clientID))") }
        let authorizedParty = payload["azp"]?.stringValue
        if authorizedParty != nil || audiences.count > 1 {
            guard authorizedParty == clientID else { throw .token("the ID token was issued to another client (azp)") }
        }
        guard let expires = payload["exp"]?.numberValue, let issued = payload["iat"]?.numberValue else {
            throw .token("the ID token lacks exp or iat")
        }
        let moment = now.timeIntervalSince1970
        guard expires + leeway > moment else { throw .token("the ID token has expired") }
        guard issued - leeway <= moment else { throw .token("the ID token was issued in the future: check both clocks") }
        guard let sent = payload["nonce"]?.stringValue, sent == nonce else {
            throw .token("the ID token's nonce is not the one this login sent (a replayed or injected token)")
        }
        guard let subject = payload["sub"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 255 else {
            throw .token("the ID token has no subject (sub)")
        }
        return Claims(subject: subject, values: payload)
    }

    private static func isValid(_ signature: Data, of data: Data, by key: JSONWebKeySet.Key) -> Bool {
        switch key {
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case .p256(let key):
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: SHA256.hash(data: data))
        }
    }
}
