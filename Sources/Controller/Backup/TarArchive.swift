import Foundation

/// A minimal POSIX ustar archive: regular files with plain names, for backups. Reading refuses
/// anything else — links, folders, absolute or `..` paths, sizes beyond a cap — so a restore can
/// never write outside what it expects.
enum TarArchive {
    struct Entry: Equatable {
        var name: String
        var data: Data
    }

    static func write(_ entries: [Entry]) -> Data {
        var archive = Data()
        for entry in entries {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, width: Int) {
                for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
            }
            func octal(_ value: Int, width: Int) -> String { String(value, radix: 8).leftPadded(to: width - 1) }
            put(entry.name, at: 0, width: 100)
            put(octal(0o600, width: 8), at: 100, width: 8)
            put(octal(0, width: 8), at: 108, width: 8)
            put(octal(0, width: 8), at: 116, width: 8)
            put(octal(entry.data.count, width: 12), at: 124, width: 12)
            put(octal(Int(Date().timeIntervalSince1970), width: 12), at: 136, width: 12)
            put("        ", at: 148, width: 8)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(octal(checksum, width: 7) + "\0 ", at: 148, width: 8)
            archive.append(contentsOf: header)
            archive.append(entry.data)
            archive.append(Data(count: (512 - entry.data.count % 512) % 512))
        }
        archive.append(Data(count: 1024))
        return archive
    }

    /// Why an archive was refused.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ archive: Data, allowedNames: Set<String>, alsoAllowing: (String) -> Bool = { _ in false }, maxEntrySize: Int)
        throws(Refusal) -> [Entry]
    {
        let bytes = [UInt8](archive)
        var entries: [Entry] = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<offset + 512])
            if header.allSatisfy({ $0 == 0 }) { return entries }
            let stored = octalValue(header[148..<156])
            let computed = header.enumerated().reduce(0) { sum, item in sum + ((148..<156).contains(item.offset) ? 32 : Int(item.element)) }
            guard stored == computed else { throw Refusal(description: "the archive is damaged (bad header checksum)") }
            let name = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
            guard header[156] == UInt8(ascii: "0") || header[156] == 0 else { throw Refusal(description: "`\(name)` is not a regular file") }
            guard !name.hasPrefix("/"), !name.split(separator: "/").contains(".."), allowedNames.contains(name) || alsoAllowing(name) else {
                throw Refusal(description: "unexpected entry `\(name)` (a backup holds only \(allowedNames.sorted().joined(separator: ", ")))")
            }
            guard let size = octalValue(header[124..<136]), size <= maxEntrySize else { throw Refusal(description: "`\(name)` is too large") }
            guard offset + 512 + size <= bytes.count else { throw Refusal(description: "the archive is truncated") }
            guard !entries.contains(where: { $0.name == name }) else { throw Refusal(description: "`\(name)` appears twice") }
            entries.append(Entry(name: name, data: Data(bytes[offset + 512..<offset + 512 + size])))
            offset += 512 + (size + 511) / 512 * 512
        }
        throw Refusal(description: "the archive is truncated")
    }

    /// A header number: octal digits, optionally padded with spaces before and ended by a space
    /// or NUL. Anything else (a sign, base-256, garbage) is refused, so a size is never negative.
    static func octalValue(_ field: ArraySlice<UInt8>) -> Int? {
        let digits = field.drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
        guard digits.count <= 11, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
