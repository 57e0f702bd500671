/// The agent's `config.env`: `KEY=VALUE` lines, blank lines and `#` comments; a value may be
/// wrapped in double quotes (removed, nothing else is unquoted or expanded). Anything else is
/// refused naming the line. Written by provisioning, read at every start.
enum ConfigEnvFile {
    static func parse(_ text: String, path: String) throws(AgentConfigurationError) -> [String: String] {
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "="), line[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw AgentConfigurationError(path, "line \(number + 1) is not KEY=VALUE")
            }
            var value = String(line[line.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            values[String(line[..<equals])] = value
        }
        return values
    }
}

struct AgentConfigurationError: Error, CustomStringConvertible {
    var description: String

    init(_ path: String, _ problem: String) { description = "\(path): \(problem)" }
}

extension StringProtocol {
    /// This text without leading and trailing spaces and tabs.
    var trimmingSpaces: SubSequence {
        var text = self[...]
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
