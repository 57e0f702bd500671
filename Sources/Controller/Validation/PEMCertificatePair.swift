import Foundation
import SwiftASN1
import X509

/// A PEM certificate chain and its private key, read in process with swift-certificates: the
/// chain's CERTIFICATE blocks parse as X.509, the key parses (ECDSA P-256/P-384/P-521, Ed25519 or
/// RSA), and it belongs to the first certificate. Every refusal names the field it is about.
struct PEMCertificatePair {
    /// Leaf first, as given.
    let chain: [Certificate]
    let key: Certificate.PrivateKey

    var leaf: Certificate { chain[0] }

    init(certificatePEM: String, keyPEM: String, certificateField: String, keyField: String) throws(ValidationFailure) {
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: certificatePEM) } catch {
            throw ValidationFailure(certificateField, "is not a PEM certificate (no -----BEGIN CERTIFICATE----- block that parses)")
        }
        var chain: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do { chain.append(try Certificate(pemDocument: document)) } catch {
                throw ValidationFailure(certificateField, "holds a CERTIFICATE block that is not an X.509 certificate")
            }
        }
        guard let leaf = chain.first else { throw ValidationFailure(certificateField, "holds no CERTIFICATE block") }
        let key: Certificate.PrivateKey
        do { key = try Certificate.PrivateKey(pemEncoded: keyPEM) } catch {
            throw ValidationFailure(keyField, "is not a PEM private key (ECDSA P-256/P-384/P-521, Ed25519 or RSA)")
        }
        guard key.publicKey == leaf.publicKey else {
            throw ValidationFailure(keyField, "does not belong to the certificate (its public key differs)")
        }
        self.chain = chain
        self.key = key
    }

    /// The DNS names the leaf is for: its subject alternative names, or its common name when it
    /// has none, lower-cased.
    var domainNames: [String] {
        let alternatives =
            ((try? leaf.extensions.subjectAlternativeNames) ?? nil).map { names in
                names.compactMap { name -> String? in if case .dnsName(let dns) = name { dns.lowercased() } else { nil } }
            } ?? []
        if !alternatives.isEmpty { return alternatives }
        let commonName = leaf.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }
        return commonName.map { ["\($0.value)".lowercased()] } ?? []
    }
}
