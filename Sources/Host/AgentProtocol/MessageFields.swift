import JSONCore

/// Typed reading of a decoded JSON object, each failure a ``ProtocolViolation`` naming the field.
struct MessageFields {
    let members: JSONObject
    let type: String
    /// Members kept as their JSON text (see ``init(_:limit:keepingRaw:)``).
    let raw: [String: [UInt8]]

    init(object: JSONObject, type: String) {
        members = object
        self.type = type
        raw = [:]
    }

    /// Parses one message: a JSON object whose `v` is ``AgentProtocol/version``. Members named
    /// in `keepingRaw` are not parsed but kept as text (a desired state passed on as it came).
    init(_ data: some Collection<UInt8>, limit: Int, keepingRaw: Set<String> = []) throws(ProtocolViolation) {
        guard data.count <= limit else { throw ProtocolViolation("message of \(data.count) bytes is over the limit of \(limit)") }
        let parsed: (JSON, raw: [String: [UInt8]])
        do {
            parsed = try JSONParser.parseObject(data, keepingRaw: keepingRaw)
        } catch {
            throw ProtocolViolation(
                error.problem.hasPrefix("expected an object") ? "message is not a JSON object" : "message is not JSON (\(error.problem))")
        }
        let object = try! JSONObject(parsed.0)  // parseObject only returns objects
        guard let type = try? object.required("type") as String else { throw ProtocolViolation("message has no type") }
        guard case .int(let version)? = try? object.required("v") as JSON, version == AgentProtocol.version else {
            throw ProtocolViolation("message \(type) is not protocol version \(AgentProtocol.version)")
        }
        members = object
        self.type = type
        raw = parsed.raw
    }

    func string(_ key: String, maxLength: Int = 4096) throws(ProtocolViolation) -> String {
        guard let value = try optionalString(key, maxLength: maxLength) else { throw ProtocolViolation("\(type).\(key) is missing") }
        return value
    }

    func optionalString(_ key: String, maxLength: Int = 4096) throws(ProtocolViolation) -> String? {
        guard let value = value(key), value != .null else { return nil }
        guard case .string(let text) = value, text.utf8.count <= maxLength else {
            throw ProtocolViolation("\(type).\(key) must be a string of at most \(maxLength) bytes")
        }
        return text
    }

    func integer(_ key: String) throws(ProtocolViolation) -> Int64 {
        guard case .int(let number)? = value(key), number >= 0, number < 9_000_000_000_000_000 else {
            throw ProtocolViolation("\(type).\(key) must be a non-negative integer")
        }
        return Int64(number)
    }

    /// The member as an integer, or nil when it is absent or null.
    func optionalInteger(_ key: String) throws(ProtocolViolation) -> Int64? {
        guard let value = value(key), value != .null else { return nil }
        return try integer(key)
    }

    /// A hash as lower-case hex, at most 128 digits.
    func hexString(_ key: String) throws(ProtocolViolation) -> String {
        let text = try string(key, maxLength: 128)
        guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw ProtocolViolation("\(type).\(key) must be lower-case hex")
        }
        return text
    }

    func bool(_ key: String) throws(ProtocolViolation) -> Bool {
        guard case .bool(let flag)? = value(key) else { throw ProtocolViolation("\(type).\(key) must be true or false") }
        return flag
    }

    func strings(_ key: String, maxCount: Int = 2048) throws(ProtocolViolation) -> [String] {
        try optionalStrings(key, maxCount: maxCount, maxLength: 256)
    }

    /// The member as true or false; `absent` when it is missing or null.
    func optionalBool(_ key: String, absent: Bool) throws(ProtocolViolation) -> Bool {
        guard let value = value(key), value != .null else { return absent }
        return try bool(key)
    }

    /// A list of strings, empty when missing; each at most `maxLength` bytes.
    func optionalStrings(_ key: String, maxCount: Int, maxLength: Int) throws(ProtocolViolation) -> [String] {
        guard let value = value(key) else { return [] }
        guard let values = try? [String](json: value), values.count <= maxCount, values.allSatisfy({ $0.utf8.count <= maxLength }) else {
            throw ProtocolViolation("\(type).\(key) must be a list of at most \(maxCount) strings of at most \(maxLength) bytes")
        }
        return values
    }

    func object(_ key: String) throws(ProtocolViolation) -> [(String, JSON)] {
        guard case .object(let members)? = value(key) else { throw ProtocolViolation("\(type).\(key) must be an object") }
        return members
    }

    func list(_ key: String) throws(ProtocolViolation) -> [JSON] {
        guard case .array(let items)? = value(key) else { throw ProtocolViolation("\(type).\(key) must be a list") }
        return items
    }

    /// A list that may be missing (or null): nil then.
    func optionalList(_ key: String) throws(ProtocolViolation) -> [JSON]? {
        guard let value = value(key), value != .null else { return nil }
        return try list(key)
    }

    private func value(_ key: String) -> JSON? {
        try? members.optional(key) as JSON?
    }
}
