import Foundation

/// Typed reading of a decoded JSON object, each failure a ``ProtocolViolation`` naming the field.
struct MessageFields {
    let object: [String: Any]
    let type: String

    init(object: [String: Any], type: String) {
        self.object = object
        self.type = type
    }

    /// Parses one message: a JSON object whose `v` is ``AgentProtocol/version``.
    init(_ data: some Collection<UInt8>, limit: Int) throws(ProtocolViolation) {
        guard data.count <= limit else { throw ProtocolViolation("message of \(data.count) bytes is over the limit of \(limit)") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(data)) } catch { throw ProtocolViolation("message is not JSON") }
        guard let object = parsed as? [String: Any] else { throw ProtocolViolation("message is not a JSON object") }
        guard let type = object["type"] as? String else { throw ProtocolViolation("message has no type") }
        guard let version = object["v"] as? NSNumber, !Self.isBoolean(version), version.doubleValue == Double(AgentProtocol.version) else {
            throw ProtocolViolation("message \(type) is not protocol version \(AgentProtocol.version)")
        }
        self.object = object
        self.type = type
    }

    func string(_ key: String, maxLength: Int = 4096) throws(ProtocolViolation) -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else { throw ProtocolViolation("\(type).\(key) is missing") }
        return value
    }

    func optionalString(_ key: String, maxLength: Int = 4096) throws(ProtocolViolation) -> String? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        guard let value = raw as? String, value.utf8.count <= maxLength else { throw ProtocolViolation("\(type).\(key) must be a string of at most \(maxLength) bytes") }
        return value
    }

    func integer(_ key: String) throws(ProtocolViolation) -> Int64 {
        guard let number = object[key] as? NSNumber, !Self.isBoolean(number), number.doubleValue == number.doubleValue.rounded(),
            number.doubleValue >= 0, number.doubleValue < 9.0e15
        else { throw ProtocolViolation("\(type).\(key) must be a non-negative integer") }
        return number.int64Value
    }

    func bool(_ key: String) throws(ProtocolViolation) -> Bool {
        guard let number = object[key] as? NSNumber, Self.isBoolean(number) else { throw ProtocolViolation("\(type).\(key) must be true or false") }
        return number.boolValue
    }

    func strings(_ key: String, maxCount: Int = 2048) throws(ProtocolViolation) -> [String] {
        guard let raw = object[key] else { return [] }
        guard let values = raw as? [String], values.count <= maxCount, values.allSatisfy({ $0.utf8.count <= 256 }) else {
            throw ProtocolViolation("\(type).\(key) must be a list of at most \(maxCount) short strings")
        }
        return values
    }

    func dictionary(_ key: String) throws(ProtocolViolation) -> [String: Any] {
        guard let value = object[key] as? [String: Any] else { throw ProtocolViolation("\(type).\(key) must be an object") }
        return value
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization makes true/false NSNumbers of C type `char`, numbers never.
        String(cString: number.objCType) == "c"
    }
}
