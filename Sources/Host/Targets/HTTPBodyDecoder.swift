/// The body of an HTTP/1.x response, decoded piece by piece as it arrives: by `Content-Length`,
/// by chunked transfer encoding, or to the end of the stream. Each piece of body is handed on at
/// once, so a large body never has to be held whole.
struct HTTPBodyDecoder {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    private enum State {
        /// Body bytes still expected (a `Content-Length` body, or the current chunk's data).
        case data(remaining: Int, chunked: Bool)
        /// The CRLF after a chunk's data.
        case chunkEnd(seen: Int)
        /// A chunk-size line, read so far.
        case sizeLine([UInt8])
        case untilClose
        case done
    }

    private var state: State

    init(_ framing: Framing) {
        switch framing {
        case .length(let length): state = length == 0 ? .done : .data(remaining: length, chunked: false)
        case .chunked: state = .sizeLine([])
        case .untilClose: state = .untilClose
        }
    }

    /// True once the whole body went through (never for a body that runs to the end of the stream).
    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Decodes `bytes`, handing each piece of body to `emit`; bytes after the body's end are
    /// ignored.
    mutating func feed(_ bytes: ArraySlice<UInt8>, emit: (ArraySlice<UInt8>) throws(TargetError) -> Void) throws(TargetError) {
        var rest = bytes
        while !rest.isEmpty {
            switch state {
            case .done:
                return
            case .untilClose:
                try emit(rest)
                return
            case .data(let remaining, let chunked):
                let piece = rest.prefix(remaining)
                try emit(piece)
                rest = rest.dropFirst(piece.count)
                let left = remaining - piece.count
                state = left > 0 ? .data(remaining: left, chunked: chunked) : (chunked ? .chunkEnd(seen: 0) : .done)
            case .chunkEnd(let seen):
                guard rest.first == (seen == 0 ? 0x0D : 0x0A) else { throw .failed("malformed chunked body") }
                rest = rest.dropFirst()
                state = seen == 0 ? .chunkEnd(seen: 1) : .sizeLine([])
            case .sizeLine(var line):
                guard let newline = rest.firstIndex(of: 0x0A) else {
                    line += rest
                    guard line.count <= 1024 else { throw .failed("malformed chunk size") }
                    state = .sizeLine(line)
                    return
                }
                line += rest[..<newline]
                rest = rest[(newline + 1)...]
                let size = try Self.chunkSize(line)
                state = size == 0 ? .done : .data(remaining: size, chunked: true)
            }
        }
    }

    /// Called at the end of the stream: throws when the body was cut short.
    func finish() throws(TargetError) {
        switch state {
        case .done, .untilClose: return
        case .data(_, false): throw .failed("truncated body")
        default: throw .failed("truncated chunked body")
        }
    }

    /// The size of a chunk-size line (`1a;name=value\r`): hexadecimal, extensions ignored.
    private static func chunkSize(_ line: [UInt8]) throws(TargetError) -> Int {
        var text = line[...]
        if text.last == 0x0D { text = text.dropLast() }
        let digits = text.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        let trimmed = String(decoding: UnixSocketHTTPClient.trimmingSpaces(digits), as: UTF8.self)
        guard !trimmed.isEmpty, trimmed.count <= 15, let size = Int(trimmed, radix: 16), size >= 0 else {
            throw .failed("malformed chunk size")
        }
        return size
    }
}
