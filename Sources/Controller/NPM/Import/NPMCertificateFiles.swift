import Foundation
import JSONCore

/// A certificate's PEM files in an NPM data folder: `custom_ssl/npm-<id>/` for an uploaded one,
/// `letsencrypt/live/npm-<id>/` for one certbot obtained, each with `fullchain.pem` and
/// `privkey.pem`. certbot's `live/` files are links into `archive/`: a link is followed only
/// when it stays inside its `custom_ssl` or `letsencrypt` folder, and only regular files of a
/// certificate's size are read.
struct NPMCertificateFiles {
    let dataFolder: String

    static let largestChain = 64 << 10
    static let largestKey = 16 << 10

    func pair(for row: JSON) -> Result<(certificate: String, key: String), NPMImportRefusal> {
        guard case .int(let id)? = row["id"], id > 0 else { return .failure(NPMImportRefusal("it has no id")) }
        let (root, folder): (String, String)
        switch row["provider"]?.stringValue {
        case "letsencrypt": (root, folder) = ("letsencrypt", "live/npm-\(id)")
        case "other": (root, folder) = ("custom_ssl", "npm-\(id)")
        default: return .failure(NPMImportRefusal("its provider is neither letsencrypt nor other"))
        }
        do {
            guard let rootPath = Self.realPath((dataFolder as NSString).appendingPathComponent(root)) else {
                return .failure(NPMImportRefusal("the data folder has no \(root) folder"))
            }
            let certificate = try read("\(root)/\(folder)/fullchain.pem", within: rootPath, largest: Self.largestChain)
            let key = try read("\(root)/\(folder)/privkey.pem", within: rootPath, largest: Self.largestKey)
            return .success((certificate, key))
        } catch {
            return .failure(error)
        }
    }

    /// `path` with every link followed (the C library's `realpath`); nil when it leads nowhere.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func read(_ relative: String, within root: String, largest: Int) throws(NPMImportRefusal) -> String {
        let path = (dataFolder as NSString).appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: path) else { throw NPMImportRefusal("\(relative) is missing") }
        guard let resolved = Self.realPath(path), resolved.hasPrefix(root + "/") else {
            throw NPMImportRefusal("\(relative) is a link leading out of its folder")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int
        else { throw NPMImportRefusal("\(relative) is not a regular file") }
        guard size <= largest else { throw NPMImportRefusal("\(relative) is larger than \(largest >> 10) KiB") }
        guard let data = FileManager.default.contents(atPath: resolved), let text = String(data: data, encoding: .utf8) else {
            throw NPMImportRefusal("\(relative) cannot be read as text")
        }
        return text
    }
}
