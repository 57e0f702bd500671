import Foundation
import X509

/// Reads and checks uploaded certificates in process (``PEMCertificatePair``): the chain parses,
/// the key matches the leaf; and reads the names it is for, when it expires and who issued it.
struct CertificateInspector: Sendable {
    struct Facts: Sendable {
        var domainNames: [String]
        var validFrom: Date
        var expiresOn: Date
        var issuer: String
    }

    func inspect(certificate: String, key: String) throws(ValidationFailure) -> Facts {
        let pair = try PEMCertificatePair(certificatePEM: certificate, keyPEM: key, certificateField: "certificate", keyField: "certificate_key")
        return Facts(
            domainNames: pair.domainNames, validFrom: pair.leaf.notValidBefore, expiresOn: pair.leaf.notValidAfter,
            issuer: pair.leaf.issuer.description)
    }
}
