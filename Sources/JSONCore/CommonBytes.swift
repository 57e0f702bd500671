import Glibc

/// Where two versions of one text part ways: how many bytes they begin and end alike. For the
/// readers and senders of a large document that changed in one place (a desired state after one
/// host's edit), which compare rather than parse the bytes around the change.
public enum CommonBytes {
    /// How many bytes `a` and `b` begin alike.
    public static func prefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                // A block at a time while they agree, then byte by byte in the block that differs.
                let count = min(a.count, b.count)
                var offset = 0
                while offset + 4096 <= count, memcmp(a.baseAddress! + offset, b.baseAddress! + offset, 4096) == 0 { offset += 4096 }
                while offset < count, a[offset] == b[offset] { offset += 1 }
                return offset
            }
        }
    }

    /// How many bytes `a` and `b` end alike, at most `longest` (pass what is left after their
    /// common prefix, so the two never overlap).
    public static func suffix(_ a: [UInt8], _ b: [UInt8], longest: Int) -> Int {
        a.withUnsafeBytes { a in
            b.withUnsafeBytes { b in
                var length = 0
                while length + 4096 <= longest,
                    memcmp(a.baseAddress! + a.count - length - 4096, b.baseAddress! + b.count - length - 4096, 4096) == 0
                {
                    length += 4096
                }
                while length < longest, a[a.count - length - 1] == b[b.count - length - 1] { length += 1 }
                return length
            }
        }
    }
}
