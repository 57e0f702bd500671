import Glibc
import JSONCore

/// The JSON Schema a plugin declares for its step config, in the subset hosts enforce: `type`
/// (one or a list of object, array, string, integer, number, boolean, null), `properties`,
/// `required`, `additionalProperties` (true or false), `enum`, `minimum`, `maximum`, `minLength`,
/// `maxLength` (in characters), `pattern` (a POSIX extended regular expression, unanchored as JSON
/// Schema says), `items` and `default`. `title`, `description`, `examples`, `format`, `$schema`
/// and `$id` are kept for forms and otherwise ignored; any other keyword is refused, so that an
/// author never believes a rule is enforced that is not.
public struct ConfigSchema: Sendable, Equatable {
    /// The schema as the plugin wrote it, for forms.
    public let source: JSON
    private let node: Node

    public init(_ json: JSON) throws(SchemaProblem) {
        source = json
        node = try Node(json, path: "")
    }

    /// Every way `config` breaks the schema, each naming the member by its path (`config.port`).
    public func problems(in config: JSON) -> [SchemaProblem] {
        var found: [SchemaProblem] = []
        node.check(config, path: "config", into: &found)
        return found
    }

    /// `config` with the defaults the schema names filled in where members are missing.
    public func withDefaults(_ config: JSON) -> JSON { node.fill(config) }

    private indirect enum Items: Sendable, Equatable { case none, schema(Node) }

    private struct Node: Sendable, Equatable {
        static let types: Set<String> = ["object", "array", "string", "integer", "number", "boolean", "null"]
        static let ignored: Set<String> = ["title", "description", "examples", "format", "$schema", "$id"]

        var types: [String]?
        var properties: [(String, Node)] = []
        var required: [String] = []
        var additional = true
        var choices: [JSON]?
        var minimum: Double?
        var maximum: Double?
        var minLength: Int?
        var maxLength: Int?
        var pattern: String?
        var items: Items = .none
        var defaultValue: JSON?

        static func == (a: Node, b: Node) -> Bool {
            a.types == b.types && a.properties.map(\.0) == b.properties.map(\.0) && a.properties.map(\.1) == b.properties.map(\.1)
                && a.required == b.required && a.additional == b.additional && a.choices == b.choices && a.minimum == b.minimum
                && a.maximum == b.maximum && a.minLength == b.minLength && a.maxLength == b.maxLength && a.pattern == b.pattern
                && a.items == b.items && a.defaultValue == b.defaultValue
        }

        init(_ json: JSON, path: String) throws(SchemaProblem) {
            guard let members = json.objectMembers else { throw SchemaProblem(path: path, message: "a schema must be a JSON object") }
            func here(_ keyword: String) -> String { path.isEmpty ? keyword : "\(path).\(keyword)" }
            func count(_ value: JSON, _ keyword: String) throws(SchemaProblem) -> Int {
                guard case .int(let number) = value, number >= 0 else {
                    throw SchemaProblem(path: here(keyword), message: "must be a whole number ≥ 0")
                }
                return number
            }
            for (keyword, value) in members {
                switch keyword {
                case "type":
                    let names = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue)
                    guard let names, !names.isEmpty, names.allSatisfy(Self.types.contains) else {
                        throw SchemaProblem(path: here(keyword), message: "must name one or more of \(Self.types.sorted().joined(separator: ", "))")
                    }
                    types = names
                case "properties":
                    guard let list = value.objectMembers else { throw SchemaProblem(path: here(keyword), message: "must be an object of schemas") }
                    for (name, schema) in list { properties.append((name, try Node(schema, path: here("properties.\(name)")))) }
                case "required":
                    guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
                        throw SchemaProblem(path: here(keyword), message: "must be a list of member names")
                    }
                    required = names
                case "additionalProperties":
                    guard let allowed = value.boolValue else { throw SchemaProblem(path: here(keyword), message: "must be true or false") }
                    additional = allowed
                case "enum":
                    guard let list = value.arrayValue, !list.isEmpty else {
                        throw SchemaProblem(path: here(keyword), message: "must be a list of values")
                    }
                    choices = list
                case "minimum", "maximum":
                    guard let number = value.numberValue else { throw SchemaProblem(path: here(keyword), message: "must be a number") }
                    if keyword == "minimum" { minimum = number } else { maximum = number }
                case "minLength": minLength = try count(value, keyword)
                case "maxLength": maxLength = try count(value, keyword)
                case "pattern":
                    guard let text = value.stringValue else { throw SchemaProblem(path: here(keyword), message: "must be a string") }
                    if let problem = Pattern.problem(compiling: text) { throw SchemaProblem(path: here(keyword), message: problem) }
                    pattern = text
                case "items": items = .schema(try Node(value, path: here(keyword)))
                case "default": defaultValue = value
                case _ where Self.ignored.contains(keyword): continue
                default:
                    throw SchemaProblem(
                        path: here(keyword),
                        message:
                            "is not a keyword hosts enforce; use type, properties, required, additionalProperties, enum, minimum, maximum, minLength, maxLength, pattern, items, default"
                    )
                }
            }
        }

        func check(_ value: JSON, path: String, into found: inout [SchemaProblem]) {
            if let types, !types.contains(where: { Self.matches(value, type: $0) }) {
                found.append(SchemaProblem(path: path, message: "must be \(types.joined(separator: " or ")), not \(Self.typeName(value))"))
                return
            }
            if let choices, !choices.contains(value) {
                found.append(
                    SchemaProblem(
                        path: path,
                        message: "must be one of \(choices.map { String(decoding: $0.serialized(), as: UTF8.self) }.joined(separator: ", "))"))
            }
            switch value {
            case .object(let members):
                for name in required where !members.contains(where: { $0.0 == name }) {
                    found.append(SchemaProblem(path: "\(path).\(name)", message: "is required"))
                }
                for (name, member) in members {
                    if let schema = properties.first(where: { $0.0 == name })?.1 {
                        schema.check(member, path: "\(path).\(name)", into: &found)
                    } else if !additional {
                        found.append(
                            SchemaProblem(path: "\(path).\(name)", message: "is not a known member (\(properties.map(\.0).joined(separator: ", ")))"))
                    }
                }
            case .array(let elements):
                if case .schema(let schema) = items {
                    for (index, element) in elements.enumerated() { schema.check(element, path: "\(path)[\(index)]", into: &found) }
                }
            case .string(let text):
                let length = text.count
                if let minLength, length < minLength { found.append(SchemaProblem(path: path, message: "must be at least \(minLength) characters")) }
                if let maxLength, length > maxLength { found.append(SchemaProblem(path: path, message: "must be at most \(maxLength) characters")) }
                if let pattern, !Pattern.matches(pattern, text) { found.append(SchemaProblem(path: path, message: "must match \(pattern)")) }
            case .int, .double:
                let number = value.numberValue ?? 0
                if let minimum, number < minimum { found.append(SchemaProblem(path: path, message: "must be at least \(Self.text(minimum))")) }
                if let maximum, number > maximum { found.append(SchemaProblem(path: path, message: "must be at most \(Self.text(maximum))")) }
            default: break
            }
        }

        func fill(_ value: JSON) -> JSON {
            switch value {
            case .object(var members):
                for (name, schema) in properties {
                    if let index = members.firstIndex(where: { $0.0 == name }) {
                        members[index].1 = schema.fill(members[index].1)
                    } else if let missing = schema.defaultValue {
                        members.append((name, schema.fill(missing)))
                    }
                }
                return .object(members)
            case .array(let elements):
                guard case .schema(let schema) = items else { return value }
                return .array(elements.map(schema.fill))
            default: return value
            }
        }

        static func matches(_ value: JSON, type: String) -> Bool {
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("integer", .int), ("boolean", .bool), ("null", .null): true
            case ("number", .int), ("number", .double): true
            default: false
            }
        }

        static func typeName(_ value: JSON) -> String {
            switch value {
            case .object: "an object"
            case .array, .serializedItems: "a list"
            case .string: "a string"
            case .int: "an integer"
            case .double: "a number with a fraction"
            case .bool: "true or false"
            case .null: "null"
            }
        }

        static func text(_ number: Double) -> String {
            number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        }
    }

    /// POSIX extended regular expressions through the C library: Host imports no Foundation.
    private enum Pattern {
        static func problem(compiling pattern: String) -> String? {
            var regex = regex_t()
            let status = regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB)
            defer { if status == 0 { regfree(&regex) } }
            guard status != 0 else { return nil }
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, &regex, &message, message.count)
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return "is not a POSIX extended regular expression: \(String(decoding: text, as: UTF8.self))"
        }

        static func matches(_ pattern: String, _ text: String) -> Bool {
            var regex = regex_t()
            guard regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB) == 0 else { return false }
            defer { regfree(&regex) }
            // A string holding NUL is refused: the C matcher would stop reading at it.
            guard !text.utf8.contains(0) else { return false }
            return regexec(&regex, text, 0, nil, 0) == 0
        }
    }
}

/// One way a schema or a config is wrong, named by its path.
public struct SchemaProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { path.isEmpty ? message : "\(path) \(message)" }
}
