import Foundation
import JSONCore

/// The API writes instants as ISO 8601 text in UTC (`2026-11-30T07:15:00Z`).
extension Date: JSONRepresentable {
    public var jsonValue: JSON { .string(formatted(.iso8601)) }
}
