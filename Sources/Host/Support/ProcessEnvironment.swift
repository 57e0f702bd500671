import Glibc

/// The process's environment variables, read from the C library (no copy is cached: a variable
/// set after start is seen).
public enum ProcessEnvironment {
    /// Every variable; for a name set twice, the first wins, as `getenv` reads it.
    public static var all: [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                if variables[name] == nil { variables[name] = String(text[text.index(after: equals)...]) }
            }
            entry += 1
        }
        return variables
    }

    /// The variable `name`; nil when it is not set.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
