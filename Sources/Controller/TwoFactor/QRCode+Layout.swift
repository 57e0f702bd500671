extension QRCode {
    /// The symbol's grid while it is drawn: which modules are dark, and which belong to function
    /// patterns (finders, timing, alignment, format and version information) that data and masks
    /// leave alone. Coordinates are x (column) and y (row) from the top left.
    struct Layout {
        let size: Int
        private(set) var modules: [Bool]
        private var isFunction: [Bool]

        init(size: Int) {
            self.size = size
            modules = Array(repeating: false, count: size * size)
            isFunction = Array(repeating: false, count: size * size)
        }

        private mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y * size + x] = dark
            isFunction[y * size + x] = true
        }

        // MARK: Function patterns

        mutating func drawFunctionPatterns(version: Int) {
            for index in 0..<size {
                setFunction(6, index, index % 2 == 0)
                setFunction(index, 6, index % 2 == 0)
            }
            drawFinder(3, 3)
            drawFinder(size - 4, 3)
            drawFinder(3, size - 4)
            let positions = alignmentPositions(version: version)
            for (i, x) in positions.enumerated() {
                for (j, y) in positions.enumerated() {
                    let last = positions.count - 1
                    if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                    drawAlignment(x, y)
                }
            }
            drawFormatBits(mask: 0)  // reserves the area; drawn for real once the mask is chosen
            drawVersion(version)
        }

        private mutating func drawFinder(_ x: Int, _ y: Int) {
            for dy in -4...4 {
                for dx in -4...4 {
                    let distance = max(abs(dx), abs(dy)), column = x + dx, row = y + dy
                    if (0..<size).contains(column), (0..<size).contains(row) { setFunction(column, row, distance != 2 && distance != 4) }
                }
            }
        }

        private mutating func drawAlignment(_ x: Int, _ y: Int) {
            for dy in -2...2 {
                for dx in -2...2 { setFunction(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
            }
        }

        private func alignmentPositions(version: Int) -> [Int] {
            guard version > 1 else { return [] }
            let count = version / 7 + 2
            let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
            var positions = [6]
            for index in 0..<(count - 1) { positions.insert(size - 7 - index * step, at: 1) }
            return positions
        }

        /// The 15 format bits (level M, the mask) with their BCH code, twice, and the dark module.
        mutating func drawFormatBits(mask: Int) {
            let data = 0b00 << 3 | mask  // level M is 00
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            for index in 0...5 { setFunction(8, index, bit(index)) }
            setFunction(8, 7, bit(6))
            setFunction(8, 8, bit(7))
            setFunction(7, 8, bit(8))
            for index in 9..<15 { setFunction(14 - index, 8, bit(index)) }
            for index in 0..<8 { setFunction(size - 1 - index, 8, bit(index)) }
            for index in 8..<15 { setFunction(8, size - 15 + index, bit(index)) }
            setFunction(8, size - 8, true)
        }

        /// Versions 7 and above carry their number, with a BCH code, in two 6×3 blocks.
        private mutating func drawVersion(_ version: Int) {
            guard version >= 7 else { return }
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let dark = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3, b = index / 3
                setFunction(a, b, dark)
                setFunction(b, a, dark)
            }
        }

        // MARK: Data and masks

        /// Places the codewords' bits in the two-column zigzag from the bottom right corner,
        /// skipping function modules and the vertical timing column.
        mutating func place(_ codewords: [UInt8]) {
            var bitIndex = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vertical in 0..<size {
                    for offset in 0..<2 {
                        let x = right - offset
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vertical : vertical
                        guard !isFunction[y * size + x], bitIndex < codewords.count * 8 else { continue }
                        modules[y * size + x] = (codewords[bitIndex >> 3] >> UInt8(7 - bitIndex & 7)) & 1 == 1
                        bitIndex += 1
                    }
                }
                right -= 2
            }
        }

        mutating func apply(mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !isFunction[y * size + x] {
                    let flip =
                        switch mask {
                        case 0: (x + y) % 2 == 0
                        case 1: y % 2 == 0
                        case 2: x % 3 == 0
                        case 3: (x + y) % 3 == 0
                        case 4: (x / 3 + y / 2) % 2 == 0
                        case 5: x * y % 2 + x * y % 3 == 0
                        case 6: (x * y % 2 + x * y % 3) % 2 == 0
                        default: ((x + y) % 2 + x * y % 3) % 2 == 0
                        }
                    if flip { modules[y * size + x].toggle() }
                }
            }
        }

        // MARK: Penalty

        /// The standard's penalty: runs of five or more, 2×2 blocks, finder-like patterns, and
        /// an unbalanced share of dark modules. Lower reads more reliably.
        func penalty() -> Int {
            var total = 0
            let finderLike: [[Bool]] = [
                [true, false, true, true, true, false, true, false, false, false, false],
                [false, false, false, false, true, false, true, true, true, false, true],
            ]
            for horizontal in [true, false] {
                for line in 0..<size {
                    let cells = (0..<size).map { horizontal ? modules[line * size + $0] : modules[$0 * size + line] }
                    var run = 1
                    for index in 1..<size {
                        if cells[index] == cells[index - 1] {
                            run += 1
                        } else {
                            if run >= 5 { total += run - 2 }
                            run = 1
                        }
                    }
                    if run >= 5 { total += run - 2 }
                    for start in 0...(size - 11) where finderLike.contains(where: { Array(cells[start..<start + 11]) == $0 }) { total += 40 }
                }
            }
            for y in 0..<(size - 1) {
                for x in 0..<(size - 1) {
                    let color = modules[y * size + x]
                    if modules[y * size + x + 1] == color, modules[(y + 1) * size + x] == color, modules[(y + 1) * size + x + 1] == color {
                        total += 3
                    }
                }
            }
            let dark = modules.filter { $0 }.count
            total += abs(dark * 20 - modules.count * 10) / modules.count * 10
            return total
        }
    }
}
