import Foundation

/// Stored as UTC text, `2026-11-30 09:41:07.123`: it sorts as it reads, so a date compares in
/// SQL as text. Reads that text with or without fraction, seconds, a `T` or a time zone
/// (`Z`, `+02:00`), and numbers as seconds since 1970.
extension Date: SQLValueConvertible {
    var sqlValue: SQLValue { .text(SQLDateText.format(self)) }

    init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let seconds): self.init(timeIntervalSince1970: TimeInterval(seconds))
        case .real(let seconds): self.init(timeIntervalSince1970: seconds)
        case .text(let text):
            guard let date = SQLDateText.parse(text) else { return nil }
            self = date
        default: return nil
        }
    }
}

/// The text form of a stored date.
enum SQLDateText {
    static func format(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(digits(Int(parts.tm_year) + 1900, 4))-\(digits(Int(parts.tm_mon) + 1, 2))-\(digits(Int(parts.tm_mday), 2)) "
            + "\(digits(Int(parts.tm_hour), 2)):\(digits(Int(parts.tm_min), 2)):\(digits(Int(parts.tm_sec), 2)).\(digits(fraction, 3))"
    }

    /// `YYYY-MM-DD[( |T)HH:MM[:SS[.fff…]]][Z|±HH:MM]`; nil for anything else.
    static func parse(_ text: String) -> Date? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(4), scanner.skip("-"), let month = scanner.number(2), scanner.skip("-"), let day = scanner.number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, nanoseconds = 0, offset = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let h = scanner.number(2), scanner.skip(":"), let m = scanner.number(2), h < 24, m < 60 else { return nil }
            (hour, minute) = (h, m)
            if scanner.skip(":") {
                guard let s = scanner.number(2), s < 61 else { return nil }
                second = s
                if scanner.skip(".") {
                    var scale = 100_000_000, any = false
                    while let digit = scanner.digit() {
                        nanoseconds += digit * scale
                        scale /= 10
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            if scanner.skip("Z") {
            } else if let sign = scanner.sign() {
                guard let h = scanner.number(2) else { return nil }
                _ = scanner.skip(":")
                guard let m = scanner.number(2) else { return nil }
                offset = sign * (h * 3600 + m * 60)
            }
        }
        guard scanner.atEnd else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second, components.nanosecond) = (hour, minute, second, nanoseconds)
        guard let date = utc.date(from: components) else { return nil }
        return date.addingTimeInterval(TimeInterval(-offset))
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }

        mutating func skip(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int? {
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - UInt8(ascii: "0"))
        }

        mutating func number(_ width: Int) -> Int? {
            var value = 0
            for _ in 0..<width {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
