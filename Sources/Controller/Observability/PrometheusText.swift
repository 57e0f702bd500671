/// A scrape's text in the Prometheus exposition format, written straight into bytes: a
/// `# TYPE` line per family, then its samples, `name{label="value",...} value`, label values
/// escaped (`\`, `"` and line feeds). For series read at each scrape, which need no registry.
struct PrometheusText {
    enum Kind: String {
        case counter, gauge
    }

    private(set) var bytes: [UInt8]

    /// Text that follows `start` (a registry's own output).
    init(after start: [UInt8] = []) {
        bytes = start
    }

    /// Starts the family `name`: its samples follow.
    mutating func family(_ name: String, _ kind: Kind) {
        bytes += "# TYPE \(name) \(kind.rawValue)\n".utf8
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: Int64) {
        write(name, labels)
        bytes += " \(value)\n".utf8
    }

    /// A whole number is written without a fraction; infinities and NaN as `+Inf`, `-Inf`, `NaN`.
    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992 { return sample(name, labels, Int64(value)) }
        write(name, labels)
        let number = value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-Inf" : "+Inf") : "\(value)"
        bytes += " \(number)\n".utf8
    }

    private mutating func write(_ name: String, _ labels: KeyValuePairs<String, String>) {
        bytes += name.utf8
        guard !labels.isEmpty else { return }
        bytes.append(UInt8(ascii: "{"))
        for (index, (key, value)) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += key.utf8
            bytes += "=\"".utf8
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes += #"\\"#.utf8
                case UInt8(ascii: "\""): bytes += #"\""#.utf8
                case 0x0A: bytes += #"\n"#.utf8
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
