import Foundation
import ZIPFoundation

/// The ZIP archive NPM's `GET /api/nginx/certificates/{id}/download` answers for a certificate
/// certbot obtained: the PEM files of its `live/` folder under the names of the `archive/` files
/// they link to (`cert3.pem`, `chain3.pem`, `fullchain3.pem`, `privkey3.pem`). Only
/// `fullchain[N].pem` and `privkey[N].pem` are read, each only up to a certificate's size, so an
/// archive cannot make the controller inflate more than that.
enum NPMCertificateArchive {
    static func pair(_ bytes: [UInt8]) -> Result<(certificate: String, key: String), NPMImportRefusal> {
        guard let archive = try? Archive(data: Data(bytes), accessMode: .read) else {
            return .failure(NPMImportRefusal("NPM's download of it is not a ZIP archive"))
        }
        do {
            let certificate = try file(archive, named: "fullchain", largest: NPMCertificateFiles.largestChain)
            let key = try file(archive, named: "privkey", largest: NPMCertificateFiles.largestKey)
            return .success((certificate, key))
        } catch {
            return .failure(error)
        }
    }

    /// The text of the entry `<name>.pem` or `<name><digits>.pem`.
    private static func file(_ archive: Archive, named name: String, largest: Int) throws(NPMImportRefusal) -> String {
        let entry = archive.first { entry in
            guard entry.type == .file, entry.path.hasPrefix(name), entry.path.hasSuffix(".pem") else { return false }
            let middle = entry.path.dropFirst(name.count).dropLast(".pem".count)
            return middle.allSatisfy(\.isASCIIDigit)
        }
        guard let entry else { throw NPMImportRefusal("NPM's download of it has no \(name).pem") }
        guard entry.uncompressedSize <= UInt64(largest) else {
            throw NPMImportRefusal("\(entry.path) in NPM's download is larger than \(largest >> 10) KiB")
        }
        var data = Data()
        do {
            _ = try archive.extract(entry) { chunk in
                data.append(chunk)
                if data.count > largest { throw NPMImportRefusal("\(entry.path) in NPM's download is larger than \(largest >> 10) KiB") }
            }
        } catch let refusal as NPMImportRefusal {
            throw refusal
        } catch {
            throw NPMImportRefusal("\(entry.path) in NPM's download cannot be read: \(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw NPMImportRefusal("\(entry.path) in NPM's download is not text") }
        return text
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
