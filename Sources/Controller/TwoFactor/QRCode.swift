/// A QR code (ISO/IEC 18004) of a short text, drawn by the controller so that enrolling an
/// authenticator app needs no outside service: byte mode, error correction level M (15% of the
/// symbol can be lost), the smallest version from 1 to 20 that holds the text, and the mask with
/// the lowest penalty.
struct QRCode: Sendable {
    /// Modules per side (17 + 4 × version).
    let size: Int
    /// Row-major; true is dark.
    private(set) var modules: [Bool]

    /// Texts longer than this (bytes) need a version above 20 and are refused.
    static let maximumBytes = 666

    init?(_ text: String) {
        let data = Array(text.utf8)
        guard let version = (1...20).first(where: { Self.dataCodewords($0) * 8 >= 4 + Self.countBits($0) + data.count * 8 }) else { return nil }
        size = 17 + 4 * version
        var layout = Layout(size: size)
        layout.drawFunctionPatterns(version: version)
        let codewords = Self.withErrorCorrection(Self.encode(data, version: version), version: version)
        var best: (penalty: Int, modules: [Bool])?
        for mask in 0..<8 {
            var candidate = layout
            candidate.place(codewords)
            candidate.apply(mask: mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = candidate.penalty()
            if best == nil || penalty < best!.penalty { best = (penalty, candidate.modules) }
        }
        modules = best!.modules
    }

    func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// The modules row by row, `1` for dark and `0` for light: what a page draws itself.
    var rows: [String] {
        (0..<size).map { y in String((0..<size).map { isDark(x: $0, y: y) ? "1" : "0" }) }
    }

    /// An SVG picture with a quiet zone of four modules, `scale` pixels per module.
    func svg(scale: Int = 6) -> String {
        let side = size + 8
        var path = ""
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * scale)" height="\(side * scale)" shape-rendering="crispEdges">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    // MARK: - Capacity (level M)

    private static let eccCodewordsPerBlock = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26]
    private static let blockCount = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16]

    /// Modules left for data and error correction once the function patterns are drawn.
    private static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    private static func dataCodewords(_ version: Int) -> Int {
        rawDataModules(version) / 8 - eccCodewordsPerBlock[version - 1] * blockCount[version - 1]
    }

    private static func countBits(_ version: Int) -> Int { version <= 9 ? 8 : 16 }

    // MARK: - Codewords

    /// Mode, count, the bytes, terminator and padding, as data codewords.
    private static func encode(_ data: [UInt8], version: Int) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(data.count, count: countBits(version))
        for byte in data { bits.append(Int(byte), count: 8) }
        let capacity = dataCodewords(version) * 8
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var bytes = bits.bytes
        var pad: UInt8 = 0xEC
        while bytes.count < capacity / 8 {
            bytes.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return bytes
    }

    /// Splits the data into blocks, appends each block's Reed-Solomon codewords and interleaves
    /// them as the symbol stores them.
    private static func withErrorCorrection(_ data: [UInt8], version: Int) -> [UInt8] {
        let blocks = blockCount[version - 1], eccLength = eccCodewordsPerBlock[version - 1]
        let raw = rawDataModules(version) / 8
        let shortBlocks = blocks - raw % blocks, shortLength = raw / blocks
        let divisor = ReedSolomon.divisor(degree: eccLength)
        var split: [[UInt8]] = []
        var offset = 0
        for index in 0..<blocks {
            let length = shortLength - eccLength + (index < shortBlocks ? 0 : 1)
            var block = Array(data[offset..<offset + length])
            offset += length
            let ecc = ReedSolomon.remainder(block, divisor: divisor)
            if index < shortBlocks { block.append(0) }
            split.append(block + ecc)
        }
        var result: [UInt8] = []
        for column in 0..<split[0].count {
            for (index, block) in split.enumerated() where column != shortLength - eccLength || index >= shortBlocks {
                result.append(block[column])
            }
        }
        return result
    }

    // MARK: - Pieces

    private struct BitBuffer {
        private(set) var bits: [Bool] = []
        var count: Int { bits.count }

        mutating func append(_ value: Int, count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }

        var bytes: [UInt8] {
            stride(from: 0, to: bits.count, by: 8).map { start in
                bits[start..<min(start + 8, bits.count)].enumerated().reduce(0) { $0 | ($1.element ? 0x80 >> UInt8($1.offset) : 0) }
            }
        }
    }

    /// Arithmetic in GF(2⁸) with the QR polynomial 0x11D, and the division that yields a
    /// block's error-correction codewords.
    private enum ReedSolomon {
        static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
            var z = 0
            for bit in stride(from: 7, through: 0, by: -1) {
                z = (z << 1) ^ ((z >> 7) * 0x11D)
                z ^= Int((y >> UInt8(bit)) & 1) * Int(x)
            }
            return UInt8(z)
        }

        /// The generator polynomial's coefficients, highest power first, leading 1 left out.
        static func divisor(degree: Int) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: degree)
            result[degree - 1] = 1
            var root: UInt8 = 1
            for _ in 0..<degree {
                for index in 0..<degree {
                    result[index] = multiply(result[index], root)
                    if index + 1 < degree { result[index] ^= result[index + 1] }
                }
                root = multiply(root, 0x02)
            }
            return result
        }

        static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: divisor.count)
            for byte in data {
                let factor = byte ^ result.removeFirst()
                result.append(0)
                for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
            }
            return result
        }
    }
}
