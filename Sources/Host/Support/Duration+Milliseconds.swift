extension Duration {
    /// Milliseconds with one decimal ("12.3"), for log lines; written without Foundation, which
    /// the agent does not link.
    public var millisecondsText: String {
        let (seconds, attoseconds) = components
        let tenths = seconds * 10_000 + (attoseconds + 50_000_000_000_000) / 100_000_000_000_000
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
