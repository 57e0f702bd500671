import Foundation

// Fuzz target: the restore archive reader. What it accepts holds only allowed names within the
// size cap, and writes back to an archive that reads the same.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let archive = Data(bytes: data, count: size)
    guard let entries = try? TarArchive.read(archive, allowedNames: ["manifest.json", "posternproxy.sqlite"], maxEntrySize: 1 << 16) else { return 0 }
    for entry in entries where !["manifest.json", "posternproxy.sqlite"].contains(entry.name) || entry.data.count > 1 << 16 {
        fatalError("an entry outside the rules was accepted: \(entry.name)")
    }
    guard (try? TarArchive.read(TarArchive.write(entries), allowedNames: ["manifest.json", "posternproxy.sqlite"], maxEntrySize: 1 << 16)) == entries
    else {
        fatalError("accepted entries do not survive writing")
    }
    return 0
}
