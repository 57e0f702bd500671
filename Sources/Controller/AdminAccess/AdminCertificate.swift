import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The certificate and key the admin's HTTPS listener presents: checked when read (the PEM
/// parses, the key belongs to the first certificate, the certificate is in its validity period),
/// with the fingerprints an admin compares or pins.
struct AdminCertificate: Sendable {
    /// The chain as given, leaf first.
    let chain: [Certificate]
    let certificatePEM: String
    let keyPEM: String
    /// The chain and key as the TLS library loads them, parsed once when the files are read,
    /// not at every handshake.
    let tlsChain: [NIOSSLCertificateSource]
    let tlsKey: NIOSSLPrivateKeySource
    /// SHA-256 of the leaf certificate, as browsers show it (`AB:CD:...`).
    let fingerprintSHA256: String
    /// SHA-256 of the leaf's SubjectPublicKeyInfo, base64: what `curl --pinnedpubkey sha256//…`
    /// and Chromium's `--ignore-certificate-errors-spki-list` take. It survives a renewal that
    /// keeps the key.
    let publicKeyPin: String

    var notAfter: Date { chain[0].notValidAfter }

    /// The names and addresses the leaf is valid for.
    var subjectAlternativeNames: [String] {
        guard let names = try? chain[0].extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .dnsName(let dns): dns
            case .ipAddress(let octets): IPAddress(bytes: Array(octets.bytes))?.description
            default: nil
            }
        }
    }

    /// Reads a PEM chain and key; throws naming `certificateField` or `keyField` with what is
    /// wrong, so an admin's bad file never replaces a working certificate.
    init(certificatePEM: String, keyPEM: String, certificateField: String, keyField: String, now: Date = Date()) throws(ValidationFailure) {
        let pair = try PEMCertificatePair(certificatePEM: certificatePEM, keyPEM: keyPEM, certificateField: certificateField, keyField: keyField)
        let chain = pair.chain, leaf = pair.leaf
        guard leaf.notValidAfter > now else {
            throw ValidationFailure(certificateField, "expired on \(leaf.notValidAfter.formatted(.iso8601))")
        }
        guard leaf.notValidBefore <= now + 300 else {
            throw ValidationFailure(certificateField, "is valid only from \(leaf.notValidBefore.formatted(.iso8601))")
        }
        do {
            // What the TLS library loads must load.
            tlsChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
            tlsKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        } catch {
            throw ValidationFailure(keyField, "cannot be used for TLS: \(error)")
        }
        self.chain = chain
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        var serializer = DER.Serializer()
        try? serializer.serialize(leaf)
        fingerprintSHA256 = SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined(separator: ":")
        var spki = DER.Serializer()
        try? spki.serialize(leaf.publicKey)
        publicKeyPin = Data(SHA256.hash(data: spki.serializedBytes)).base64EncodedString()
    }

    /// What the next TLS handshake presents.
    var handshakeOverride: NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = tlsChain
        override.privateKey = tlsKey
        return override
    }

    /// A new self-signed ECDSA P-256 certificate for `names` and `addresses`, valid for 397 days
    /// (the longest browsers accept), as PEM texts.
    static func makeSelfSigned(names: [String], addresses: [IPAddress], now: Date = Date()) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CommonName(names.first ?? "posternproxy")
            OrganizationName("PosternProxy admin (self-signed)")
        }
        let alternativeNames =
            names.map { GeneralName.dnsName($0) } + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0.bytes))) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(alternativeNames)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 397 * 24 * 3600, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
