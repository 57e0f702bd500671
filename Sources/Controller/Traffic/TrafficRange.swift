/// A span of traffic to look at, and how finely: the last hour by minute, the last day by
/// quarter hour (from the minutes), the last week by hour, the last 90 days by day (from the
/// hours).
enum TrafficRange: String, CaseIterable, Sendable {
    case hour = "1h"
    case day = "24h"
    case week = "7d"
    case quarter = "90d"

    var resolution: TrafficRepository.Resolution { self == .hour || self == .day ? .minute : .hour }

    /// Periods of ``resolution`` per point.
    var step: Int64 {
        switch self {
        case .hour: 1
        case .day: 15
        case .week: 1
        case .quarter: 24
        }
    }

    /// Points in the range.
    var points: Int64 {
        switch self {
        case .hour: 60
        case .day: 96
        case .week: 168
        case .quarter: 90
        }
    }

    var stepSeconds: Int64 { step * resolution.seconds }

    /// The first period of each point, oldest first, ending with the one holding `now` (seconds
    /// since 1970).
    func periods(now: Int64) -> [Int64] {
        let current = now / resolution.seconds / step * step
        return (0..<points).reversed().map { current - $0 * step }
    }
}
