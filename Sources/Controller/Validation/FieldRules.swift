import Foundation

/// The validation rules shared by every resource. Each returns the normalized
/// value or throws a ``ValidationFailure`` naming the field.
enum FieldRules {
    /// A domain name: RFC 1123 labels, lower-cased, IDNs to punycode, a wildcard only as the
    /// whole leftmost label, at most 253 bytes. Unicode input is mapped as UTS #46 maps it
    /// (compatibility forms such as fullwidth letters to their plain form, ideographic full stops
    /// to dots, then lower case), so two spellings of one name are one name; invisible
    /// characters (zero-width joiners, format and control characters, spaces, unassigned and
    /// private-use code points) are refused, since they make names that look alike but differ.
    static func domainName(_ value: String, field: String, singleLabel: Bool = false) throws(ValidationFailure) -> String {
        guard value.utf8.count <= 1024 else { throw ValidationFailure(field, "is longer than 253 bytes") }
        if let hidden = value.unicodeScalars.first(where: { scalar in
            scalar.properties.isDefaultIgnorableCodePoint
                || [.format, .control, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse, .surrogate].contains(
                    scalar.properties.generalCategory)
        }) {
            throw ValidationFailure(
                field, "`\(printable(value))` contains an invisible or unassigned character (U+\(String(hidden.value, radix: 16, uppercase: true)))")
        }
        let trimmed = String(value.unicodeScalars.map { ["\u{3002}", "\u{FF0E}", "\u{FF61}"].contains($0) ? "." : $0 }.map(Character.init))
            .precomposedStringWithCompatibilityMapping.lowercased()
        guard !trimmed.isEmpty else { throw ValidationFailure(field, "must not be empty") }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x21 || $0 == "{" || $0 == "}" || $0 == "/" || $0 == "\\" }) else {
            throw ValidationFailure(field, "`\(printable(value))` is not a domain name")
        }
        var labels: [String] = []
        for (index, label) in trimmed.split(separator: ".", omittingEmptySubsequences: false).enumerated() {
            if label == "*" && index == 0 {
                labels.append("*")
                continue
            }
            guard let ascii = Punycode.asciiLabel(String(label)) else {
                throw ValidationFailure(field, "`\(printable(value))` is not a domain name")
            }
            let bytes = Array(ascii.utf8)
            let valid =
                (1...63).contains(bytes.count) && bytes.first != 0x2D && bytes.last != 0x2D
                && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            guard valid else {
                throw ValidationFailure(field, "`\(printable(value))` is not a domain name (labels are 1-63 letters, digits or inner hyphens)")
            }
            labels.append(ascii)
        }
        guard labels.count >= 2 || (singleLabel && labels.count == 1 && labels[0] != "*") else {
            throw ValidationFailure(field, "`\(printable(value))` is not a domain name (it needs at least two labels, as in example.com)")
        }
        let name = labels.joined(separator: ".")
        guard name.utf8.count <= 253 else { throw ValidationFailure(field, "is longer than 253 bytes") }
        return name
    }

    /// A non-empty list of distinct domain names (at most 100).
    static func domainNames(_ values: [String], field: String) throws(ValidationFailure) -> [String] {
        guard !values.isEmpty else { throw ValidationFailure(field, "must list at least one domain name") }
        guard values.count <= 100 else { throw ValidationFailure(field, "lists more than 100 domain names") }
        var seen: [String] = []
        for (index, value) in values.enumerated() {
            let name = try domainName(value, field: "\(field)[\(index)]")
            guard !seen.contains(name) else { throw ValidationFailure("\(field)[\(index)]", "`\(name)` is listed twice") }
            seen.append(name)
        }
        return seen
    }

    /// A TCP/UDP port.
    static func port(_ value: Int, field: String) throws(ValidationFailure) -> Int {
        guard (1...65535).contains(value) else { throw ValidationFailure(field, "must be a port number, 1-65535") }
        return value
    }

    /// An upstream host: a domain name or an IP address literal, which is stored in its
    /// canonical form whatever its spelling (`[::FFFF:7f00:1]` → `::ffff:127.0.0.1`,
    /// `0x7f.1` → `127.0.0.1`), so what is checked is what Caddy and the resolver will use.
    static func host(_ value: String, field: String) throws(ValidationFailure) -> String {
        if let address = AddressPolicy.literal(value) { return address.description }
        guard !value.contains("*"), value.unicodeScalars.allSatisfy(\.isASCII) else {
            throw ValidationFailure(field, "must be a host name (ASCII) or an IP address")
        }
        do {
            return try domainName(value, field: field, singleLabel: true)
        } catch {
            throw ValidationFailure(field, "must be a host name or an IP address")
        }
    }

    /// One of `allowed`.
    static func oneOf(_ value: String, _ allowed: [String], field: String) throws(ValidationFailure) -> String {
        guard allowed.contains(value) else { throw ValidationFailure(field, "must be one of \(allowed.joined(separator: ", "))") }
        return value
    }

    /// Free text shown to people (names, titles): no control characters, no `{` `}`, a length cap.
    static func text(_ value: String, field: String, maxLength: Int = 255, allowEmpty: Bool = false) throws(ValidationFailure) -> String {
        guard allowEmpty || !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationFailure(field, "must not be empty") }
        guard value.utf8.count <= maxLength else { throw ValidationFailure(field, "is longer than \(maxLength) bytes") }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ValidationFailure(field, "must not contain control characters (CR, LF, NUL, ...)")
        }
        guard !value.contains("{") && !value.contains("}") else { throw ValidationFailure(field, "must not contain `{` or `}`") }
        return value
    }

    /// An HTTP header name (RFC 9110 token).
    static func headerName(_ value: String, field: String) throws(ValidationFailure) -> String {
        let token = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        guard !value.isEmpty, value.utf8.count <= 256, value.utf8.allSatisfy(token.contains) else {
            throw ValidationFailure(field, "is not a valid HTTP header name")
        }
        return value
    }

    /// The placeholders header values may use.
    static let headerPlaceholders: Set<String> = ["{remote_host}", "{scheme}", "{host}", "{method}", "{uri}"]

    /// An HTTP header value: no control characters; braces only as an allowed placeholder.
    static func headerValue(_ value: String, field: String) throws(ValidationFailure) -> String {
        guard value.utf8.count <= 4096 else { throw ValidationFailure(field, "is longer than 4096 bytes") }
        guard !value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) else {
            throw ValidationFailure(field, "must not contain control characters (CR, LF, NUL, ...)")
        }
        var rest = Substring(value)
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}"),
                headerPlaceholders.contains(String(rest[open...close]))
            else {
                throw ValidationFailure(field, "may use only the placeholders \(headerPlaceholders.sorted().joined(separator: ", "))")
            }
            rest = rest[rest.index(after: close)...]
        }
        return value
    }

    /// A URL path prefix such as `/api`.
    static func pathPrefix(_ value: String, field: String) throws(ValidationFailure) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()+,;=:@%/".utf8)
        guard value.hasPrefix("/"), value.utf8.count <= 1024, value.utf8.allSatisfy(allowed.contains) else {
            throw ValidationFailure(field, "must start with / and use URL path characters only")
        }
        return value
    }

    /// An address or CIDR range.
    static func cidr(_ value: String, field: String) throws(ValidationFailure) -> String {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else {
            throw ValidationFailure(field, "`\(printable(value))` is not an IP address or CIDR range")
        }
        if parts.count == 2 {
            guard let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber), bits >= 0, bits <= (address.isV4 ? 32 : 128) else {
                throw ValidationFailure(field, "`\(printable(value))` has an invalid prefix length")
            }
            return "\(address)/\(bits)"
        }
        return address.description
    }

    /// An http(s) URL without spaces, control characters or braces.
    static func httpURL(_ value: String, field: String) throws(ValidationFailure) -> String {
        guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()), url.host != nil,
            !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "{" || $0 == "}" })
        else { throw ValidationFailure(field, "must be an http:// or https:// URL") }
        return value
    }

    /// An email address (pragmatic: one `@`, a domain with a dot, no spaces or control characters).
    static func email(_ value: String, field: String) throws(ValidationFailure) -> String {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), value.utf8.count <= 254,
            !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || "{}<>\"\\,;".unicodeScalars.contains($0) })
        else { throw ValidationFailure(field, "is not an email address") }
        return value.lowercased()
    }

    /// The value with control characters made visible, for messages.
    static func printable(_ value: String) -> String {
        String(value.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : Character($0) })
    }

    /// A password: at least 8 characters (code points, as JSON Schema counts them, so the OpenAPI
    /// minLength holds) and at most 72 bytes (bcrypt's limit).
    static func password(_ value: String, field: String) throws(ValidationFailure) -> String {
        guard value.unicodeScalars.count >= 8 else { throw ValidationFailure(field, "must be at least 8 characters") }
        guard value.utf8.count <= 72 else { throw ValidationFailure(field, "must be at most 72 bytes (bcrypt's limit)") }
        return value
    }
}
