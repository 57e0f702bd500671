extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when absent or null (a field a client may leave out).
    func value<T: Decodable>(_ key: Key, default fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}
