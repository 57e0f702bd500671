import PluginAPI

/// One log record a plugin wrote through `pp_host.log`.
public struct PluginLogRecord: Sendable, Equatable {
    public enum Level: Int32, Sendable, Comparable {
        case debug, info, warning, error

        init(abi level: Int32) {
            self = Level(rawValue: min(max(level, PP_LOG_DEBUG), PP_LOG_ERROR)) ?? .info
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var level: Level
    public var message: String
}
