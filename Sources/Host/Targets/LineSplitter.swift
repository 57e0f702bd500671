/// Cuts a stream of output bytes into lines as they arrive: each complete line (without its
/// `\n`) is passed on at once, the rest is held until more comes. A line longer than
/// ``longestLine`` is passed on in pieces, so a command that never prints a newline cannot make
/// the host hold unbounded memory.
struct LineSplitter {
    static let longestLine = 64 << 10
    private var pending: [UInt8] = []

    /// Takes `bytes` and passes on every line they complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        var start = 0
        for (offset, byte) in bytes.enumerated() where byte == 0x0A {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
            emit(String(decoding: pending, as: UTF8.self))
            pending.removeAll(keepingCapacity: true)
            start = offset + 1
        }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...]))
        if pending.count > Self.longestLine { finish(emit) }
    }

    /// Passes on what is held (the last line had no newline).
    mutating func finish(_ emit: (String) -> Void) {
        if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
        pending.removeAll()
    }
}
