import JSONCore
import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import Controller

/// The single sign-on pieces on their own: ID tokens signed here as a provider would sign them
/// (and as an attacker would forge them), discovery documents, settings with hostile values.
@Suite struct SingleSignOnPieceTests {
    static let issuer = "https://id.example.test/realms/main"
    static let client = "posternproxy"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A provider's key pair of each kind, and the key set it publishes.
    struct Provider {
        let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ec = P256.Signing.PrivateKey()

        var keySet: JSONWebKeySet {
            JSONWebKeySet(entries: [.init(keyID: "rsa-1", key: .rsa(rsa.publicKey)), .init(keyID: "ec-1", key: .p256(ec.publicKey))])
        }

        func token(_ claims: [String: Any], header: [String: Any] = ["alg": "RS256", "kid": "rsa-1"]) -> String {
            let signingInput =
                Base64URL.encode(try! JSONSerialization.data(withJSONObject: header)) + "."
                + Base64URL.encode(try! JSONSerialization.data(withJSONObject: claims))
            let data = Data(signingInput.utf8)
            let signature: Data =
                switch header["alg"] as? String {
                case "RS256": try! rsa.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
                case "ES256": try! ec.signature(for: SHA256.hash(data: data)).rawRepresentation
                case "HS256": Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Data("client-secret".utf8))))
                default: Data()
                }
            return signingInput + "." + Base64URL.encode(signature)
        }
    }

    static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": client, "sub": "user-1", "nonce": "the-nonce", "email": "a@example.test",
            "exp": now.timeIntervalSince1970 + 300, "iat": now.timeIntervalSince1970,
        ]
        for (name, value) in changes { claims[name] = value ?? nil }
        return claims
    }

    func verify(_ token: String, keys: JSONWebKeySet) throws(SingleSignOnError) -> IDTokenVerifier.Claims {
        try IDTokenVerifier(issuer: Self.issuer, clientID: Self.client, keys: keys).verify(token, nonce: "the-nonce", now: Self.now)
    }

    @Test func tokensSignedByTheProvidersKeysPass() throws {
        let provider = Provider()
        let rsa = try verify(provider.token(Self.claims(["groups": ["admins"]])), keys: provider.keySet)
        #expect(rsa.subject == "user-1" && rsa.strings(at: "groups") == ["admins"])
        let ec = try verify(
            provider.token(Self.claims(["realm_access": ["roles": ["a", "b"]]]), header: ["alg": "ES256", "kid": "ec-1"]), keys: provider.keySet)
        #expect(ec.strings(at: "realm_access.roles") == ["a", "b"] && ec.strings(at: "realm_access.nothing").isEmpty)
        // Several audiences are fine when azp names this client; a token without kid is tried against every key of its algorithm.
        _ = try verify(provider.token(Self.claims(["aud": ["other", Self.client], "azp": Self.client])), keys: provider.keySet)
        _ = try verify(provider.token(Self.claims(), header: ["alg": "RS256"]), keys: provider.keySet)
        // Within the clock leeway.
        _ = try verify(
            provider.token(Self.claims(["exp": Self.now.timeIntervalSince1970 - 60, "iat": Self.now.timeIntervalSince1970 + 60])),
            keys: provider.keySet)
    }

    @Test func forgedOrMisdirectedTokensAreRefused() {
        let provider = Provider(), attacker = Provider()
        let good = provider.token(Self.claims())
        let refused: [(String, String, String)] = [
            (provider.token(Self.claims(["aud": "someone-else"])), "invalid_id_token", "audience"),
            (provider.token(Self.claims(["aud": ["someone-else", Self.client]])), "invalid_id_token", "azp"),
            (provider.token(Self.claims(["azp": "someone-else"])), "invalid_id_token", "azp"),
            (provider.token(Self.claims(["iss": "https://id.example.test/realms/other"])), "invalid_id_token", "issuer"),
            (provider.token(Self.claims(["iss": Self.issuer + "/"])), "invalid_id_token", "issuer"),
            (provider.token(Self.claims(["nonce": "another"])), "invalid_id_token", "nonce"),
            (provider.token(Self.claims(["nonce": nil])), "invalid_id_token", "nonce"),
            (provider.token(Self.claims(["exp": Self.now.timeIntervalSince1970 - 600])), "invalid_id_token", "expired"),
            (provider.token(Self.claims(["exp": nil])), "invalid_id_token", "exp"),
            (provider.token(Self.claims(["exp": "tomorrow"])), "invalid_id_token", "exp"),
            (provider.token(Self.claims(["iat": Self.now.timeIntervalSince1970 + 600])), "invalid_id_token", "future"),
            (provider.token(Self.claims(["sub": ""])), "invalid_id_token", "sub"),
            (attacker.token(Self.claims()), "invalid_id_token", "signature"),
            (attacker.token(Self.claims(), header: ["alg": "ES256", "kid": "ec-1"]), "invalid_id_token", "signature"),
            (provider.token(Self.claims(), header: ["alg": "none", "kid": "rsa-1"]), "invalid_id_token", "\"none\""),
            (provider.token(Self.claims(), header: ["alg": "HS256", "kid": "rsa-1"]), "invalid_id_token", "\"HS256\""),
            (provider.token(Self.claims(), header: ["alg": "RS256", "kid": "rsa-1", "crit": ["exp"]]), "invalid_id_token", "critical"),
            // An RS256 header over the EC key's id, and a key the set does not have: asking the provider again may help.
            (provider.token(Self.claims(), header: ["alg": "RS256", "kid": "ec-1"]), "unknown_signing_key", "ec-1"),
            (provider.token(Self.claims(), header: ["alg": "RS256", "kid": "rotated"]), "unknown_signing_key", "rotated"),
            // Claims changed after signing.
            (
                good.split(separator: ".")[0] + "." + Base64URL.encode(try! JSONSerialization.data(withJSONObject: Self.claims(["sub": "admin"])))
                    + "." + good.split(separator: ".")[2], "invalid_id_token", "signature"
            ),
            ("a.b.c.d.e", "invalid_id_token", "encrypted"),
            ("only.two", "invalid_id_token", "three parts"),
            ("e30.e30.!!!", "invalid_id_token", "base64url"),
            ("", "invalid_id_token", "three parts"),
        ]
        for (token, code, reason) in refused {
            #expect(throws: SingleSignOnError.self, "\(reason)") { try verify(token, keys: provider.keySet) }
            do {
                _ = try verify(token, keys: provider.keySet)
            } catch {
                #expect(error.code == code && error.message.contains(reason), "\(reason): \(error)")
            }
        }
    }

    @Test func keySetsKeepOnlySigningKeysThisControllerCanUse() throws {
        let provider = Provider()
        let primitives = try provider.rsa.publicKey.getKeyPrimitives()
        let raw = provider.ec.publicKey.rawRepresentation
        let document: [String: Any] = [
            "keys": [
                [
                    "kty": "RSA", "kid": "rsa", "use": "sig", "alg": "RS256", "n": Base64URL.encode(primitives.modulus),
                    "e": Base64URL.encode(primitives.publicExponent),
                ],
                [
                    "kty": "RSA", "kid": "ps", "alg": "PS256", "n": Base64URL.encode(primitives.modulus),
                    "e": Base64URL.encode(primitives.publicExponent),
                ],
                ["kty": "EC", "crv": "P-256", "kid": "ec", "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32))],
                [
                    "kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc", "x": Base64URL.encode(raw.prefix(32)),
                    "y": Base64URL.encode(raw.suffix(32)),
                ],
                ["kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"],
                ["kty": "oct", "kid": "mac", "k": "c2VjcmV0"],
                ["kty": "RSA", "kid": "short", "n": Base64URL.encode([UInt8](repeating: 0xFF, count: 128)), "e": "AQAB"],  // 1024 bits
            ]
        ]
        let keys = try JSONWebKeySet(json: JSONSerialization.data(withJSONObject: document))
        #expect(keys.entries.map(\.keyID) == ["rsa", "ec"])
        _ = try IDTokenVerifier(issuer: Self.issuer, clientID: Self.client, keys: keys)
            .verify(provider.token(Self.claims(), header: ["alg": "RS256", "kid": "rsa"]), nonce: "the-nonce", now: Self.now)
        for hostile in [#"{"keys": []}"#, #"{"keys": [{"kty": "oct", "k": "AA"}]}"#, "[]", "not json", #"{"keys": "x"}"#] {
            #expect(throws: SingleSignOnError.self) { try JSONWebKeySet(json: Data(hostile.utf8)) }
        }
    }

    @Test func discoveryMustNameTheIssuerAndOfferWhatThisClientNeeds() throws {
        let good: [String: Any] = [
            "issuer": Self.issuer, "authorization_endpoint": "https://id.example.test/auth", "token_endpoint": "https://id.example.test/token",
            "jwks_uri": "https://id.example.test/keys", "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"], "token_endpoint_auth_methods_supported": ["client_secret_post"],
        ]
        let metadata = try ProviderMetadata(json: JSONSerialization.data(withJSONObject: good), issuer: Self.issuer)
        #expect(metadata.clientAuthentication == .post)
        #expect(ProviderMetadata.discoveryURL(issuer: Self.issuer + "/") == Self.issuer + "/.well-known/openid-configuration")
        for (change, reason) in [
            (["issuer": "https://attacker.example"], "attacker.example"),
            (["issuer": Self.issuer + "/"], "not \(Self.issuer)"),
            (["token_endpoint": "http://id.example.test/token"], "token_endpoint"),
            (["jwks_uri": "file:///etc/passwd"], "jwks_uri"),
            (["response_types_supported": ["id_token"]], "code"),
            (["code_challenge_methods_supported": ["plain"]], "S256"),
            (["id_token_signing_alg_values_supported": ["HS256"]], "RS256"),
        ] as [([String: Any], String)] {
            #expect {
                _ = try ProviderMetadata(json: JSONSerialization.data(withJSONObject: good.merging(change) { $1 }), issuer: Self.issuer)
            } throws: { error in
                (error as? SingleSignOnError)?.message.contains(reason) == true
            }
        }
    }

    @Test func settingsRefuseHostileValuesNamingTheField() throws {
        let seal: (String) throws -> String = { "sealed:\($0.count)" }
        func input(_ json: String) throws -> SingleSignOnSettings.Input {
            try JSONDecoder().decode(SingleSignOnSettings.Input.self, from: Data(json.utf8))
        }
        for (json, field) in [
            (#"{"issuer": "http://id.example.test"}"#, "issuer"),
            (#"{"issuer": "https://id.example.test/{env.HOME}"}"#, "issuer"),
            (#"{"issuer": "https://user:pass@id.example.test"}"#, "issuer"),
            (#"{"issuer": "https://id.example.test/#x"}"#, "issuer"),
            (#"{"issuer": "https:///nohost"}"#, "issuer"),
            (#"{"scopes": ["openid\"email"]}"#, "scopes"),
            (#"{"scopes": ["a b"]}"#, "scopes"),
            (#"{"role_claim": "a..b"}"#, "role_claim"),
            (#"{"role_claim": "{http.request.header.x}"}"#, "role_claim"),
            (#"{"viewer_values": ["\u0000"]}"#, "viewer_values"),
            (#"{"admin_values": ["{env.SECRET}"]}"#, "admin_values"),
            (#"{"button_label": "Sign\nin"}"#, "button_label"),
            (#"{"client_secret": "line\r\nbreak"}"#, "client_secret"),
            (#"{"redirect_uri": "javascript:alert(1)"}"#, "redirect_uri"),
            (#"{"redirect_uri": "https://admin.example/api/auth/oidc/callback?next=evil"}"#, "redirect_uri"),
            (#"{"default_role": "admin"}"#, "default_role"),
            (#"{"enabled": true, "issuer": "https://id.example.test", "client_id": "c"}"#, "admin_values"),
            (#"{"enabled": true, "client_id": "c", "default_role": "viewer"}"#, "issuer"),
            (#"{"password_login": false}"#, "password_login"),
        ] {
            #expect {
                _ = try SingleSignOnSettings().applying(try input(json), seal: seal)
            } throws: { error in
                (error as? ValidationFailure)?.field == field
            }
        }
        var on = try SingleSignOnSettings().applying(
            try input(
                #"{"enabled": true, "issuer": "https://id.example.test", "client_id": "c", "client_secret": "s", "default_role": "viewer", "scopes": ["email"], "password_login": false}"#
            ), seal: seal)
        #expect(on.scopes == ["openid", "email"] && on.sealedClientSecret == "sealed:1" && on.defaultRole == .viewer && !on.passwordLogin)
        // Turning single sign-on off brings password login back; an empty secret removes it.
        on = try on.applying(try input(#"{"enabled": false, "client_secret": ""}"#), seal: seal)
        #expect(on.passwordLogin && on.sealedClientSecret == nil)
    }

    @Test func claimsGiveTheRoleTheFirstMatchingListSays() throws {
        var settings = SingleSignOnSettings()
        settings.issuer = Self.issuer
        settings.adminValues = ["admins"]
        settings.viewerValues = ["staff"]
        func claims(_ values: JSON) -> IDTokenVerifier.Claims { IDTokenVerifier.Claims(subject: "s", values: values) }
        #expect(
            try SingleSignOnService.account(claims(["groups": ["staff", "admins"], "email": "A@Example.test"]), settings: settings).role == .admin)
        let viewer = try SingleSignOnService.account(
            claims(["groups": "staff", "email": "b@example.test", "email_verified": "true"]), settings: settings)
        #expect(viewer.role == .viewer && viewer.emailVerified && viewer.subject == "\(Self.issuer) s" && viewer.name == "b@example.test")
        #expect(throws: SingleSignOnError("not_permitted", "the provider's account has no groups value that gives a role here")) {
            try SingleSignOnService.account(claims(["groups": ["others"], "email": "c@example.test"]), settings: settings)
        }
        settings.defaultRole = .viewer
        #expect(try SingleSignOnService.account(claims(["email": "c@example.test"]), settings: settings).role == .viewer)
        #expect(throws: SingleSignOnError.self) { try SingleSignOnService.account(claims(["email": "not an email"]), settings: settings) }
        #expect(throws: SingleSignOnError.self) { try SingleSignOnService.account(claims([:]), settings: settings) }
    }

    @Test func pendingSignInsAreTakenOnceExpireAndStayBounded() {
        let pending = PendingLogins(capacity: 3)
        let start = Date()
        func login(_ offset: TimeInterval) -> PendingLogins.Login {
            PendingLogins.Login(bindingHash: "h", nonce: "n", codeVerifier: "v", redirectURI: "r", issuer: "i", started: start + offset)
        }
        pending.add(state: "a", login(0))
        #expect(pending.take(state: "a", now: start) != nil)
        #expect(pending.take(state: "a", now: start) == nil)
        pending.add(state: "old", login(0))
        #expect(pending.take(state: "old", now: start + PendingLogins.lifetime + 1) == nil)
        for (index, state) in ["1", "2", "3", "4"].enumerated() { pending.add(state: state, login(Double(index))) }
        #expect(pending.count == 3)
        #expect(pending.take(state: "1", now: start) == nil, "the oldest made room")
        #expect(pending.take(state: "4", now: start) != nil)
    }
}
