import Glibc
import JSONCore
import Logging

/// How the controller and the agent write their logs, from `POSTERNPROXY_LOG_FORMAT`: `text`
/// (the default: swift-log's lines on standard error) or `json` (``JSONLogHandler``: one JSON
/// object a line on standard error, for a log collector).
public enum LogFormat: String, Sendable {
    case text, json

    /// The format `environment` names; throws naming the variable when it names none.
    public static func from(_ environment: [String: String]) throws(LogFormatError) -> LogFormat {
        guard let text = environment["POSTERNPROXY_LOG_FORMAT"], !text.isEmpty else { return .text }
        guard let format = LogFormat(rawValue: text.lowercased()) else { throw LogFormatError() }
        return format
    }

    /// Bootstraps swift-log in this format (once per process).
    public func bootstrap() {
        switch self {
        case .text: LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
    }
}

public struct LogFormatError: Error, CustomStringConvertible {
    public var description: String { "POSTERNPROXY_LOG_FORMAT must be text or json" }
}

/// One JSON object a line on standard error, with stable field names: `ts` (ISO 8601 with
/// milliseconds, UTC), `level`, `logger` (the logger's label), `message`, and `metadata` (an
/// object, present when the record has any). Each line is written with one `write(2)`, so lines
/// from several threads do not interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        let line = Self.line(timestamp: UTCTimestamp.now(), level: event.level, label: label, message: event.message.description, metadata: merged)
        line.withUnsafeBufferPointer { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// The bytes of one record, newline included.
    static func line(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var members: [(String, JSON)] = [
            ("ts", .string(timestamp)),
            ("level", .string(level.rawValue)), ("logger", .string(label)), ("message", .string(message)),
        ]
        if !metadata.isEmpty {
            members.append(("metadata", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })))
        }
        return JSON.object(members).serialized() + [UInt8(ascii: "\n")]
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSON {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) })
        }
    }
}
