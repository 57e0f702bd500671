/// Why a JSON document could not be read: the problem and where it is, as a snake_case path
/// (`proxy_hosts[2].forward_port: expected a number`).
public struct JSONReadError: Error, Sendable, CustomStringConvertible {
    /// One step of the path to the bad value.
    public enum PathComponent: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// From the document's root to the bad value; empty for the document itself.
    public var path: [PathComponent] = []
    public var problem: String
    /// Where in the document's bytes reading stopped, for a document that is not JSON at all;
    /// nil for a well-formed document with a wrong value.
    public var offset: Int?

    public init(problem: String, offset: Int? = nil) {
        self.problem = problem
        self.offset = offset
    }

    /// Line and column (from 1, columns in bytes) of ``offset`` in `document`.
    public func lineAndColumn(in document: [UInt8]) -> (line: Int, column: Int)? {
        guard let offset, offset <= document.count else { return nil }
        var line = 1
        var lineStart = 0
        for index in 0..<offset where document[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// This error, seen from one level further out.
    public func within(_ component: PathComponent) -> JSONReadError {
        var error = self
        error.path.insert(component, at: 0)
        return error
    }

    public var description: String {
        guard !path.isEmpty else { return "document: \(problem)" }
        let location = path.enumerated().reduce(into: "") { text, step in
            switch step.element {
            case .index(let index): text += "[\(index)]"
            case .key(let key): text += (step.offset == 0 ? "" : ".") + key
            }
        }
        return "\(location): \(problem)"
    }
}
