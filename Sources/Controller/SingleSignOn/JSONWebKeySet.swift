import Crypto
import Foundation
import _CryptoExtras
import JSONCore

/// The provider's signing keys (RFC 7517), read from its `jwks_uri`: RSA keys (2048 bits or
/// more) verify RS256, P-256 keys verify ES256. Keys meant for encryption (`use` other than
/// `sig`), for another algorithm or of another type are skipped; a set without one usable key is
/// refused, since no ID token could ever be checked against it.
struct JSONWebKeySet: Sendable {
    enum Key: @unchecked Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)

        /// The one JWS algorithm this key verifies.
        var algorithm: String {
            switch self {
            case .rsa: "RS256"
            case .p256: "ES256"
            }
        }
    }

    struct Entry: Sendable {
        var keyID: String?
        var key: Key
    }

    let entries: [Entry]

    init(entries: [Entry]) { self.entries = entries }

    init(json: Data) throws(SingleSignOnError) {
        guard let document = try? JSONParser.parse(json), let keys = document["keys"]?.arrayValue else {
            throw .provider("the provider's key set (jwks_uri) is not a JSON object with a keys array")
        }
        entries = keys.compactMap(Self.entry)
        guard !entries.isEmpty else {
            throw .provider("the provider's key set (jwks_uri) has no RS256 or ES256 signing key this controller can use")
        }
    }

    /// The keys that may have signed a token with this header: the key named by `kid` when the
    /// token names one, otherwise every key of the algorithm.
    func candidates(keyID: String?, algorithm: String) -> [Key] {
        entries.filter { $0.key.algorithm == algorithm && (keyID == nil || $0.keyID == keyID) }.map(\.key)
    }

    private static func entry(_ jwk: JSON) -> Entry? {
        if let use = jwk["use"]?.stringValue, use != "sig" { return nil }
        let keyID = jwk["kid"]?.stringValue
        switch jwk["kty"]?.stringValue {
        case "RSA":
            if let alg = jwk["alg"]?.stringValue, alg != "RS256" { return nil }
            guard let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode), let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e)
            else { return nil }
            return Entry(keyID: keyID, key: .rsa(key))
        case "EC":
            if let alg = jwk["alg"]?.stringValue, alg != "ES256" { return nil }
            guard jwk["crv"]?.stringValue == "P-256", let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode),
                let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
            else { return nil }
            return Entry(keyID: keyID, key: .p256(key))
        default:
            return nil
        }
    }
}
