/// The minutes of one hour of one series, as `traffic_minutes` stores them in one value: for
/// each minute with traffic, in order, its minute of the hour (one byte, 0–59) and then its
/// counters (``TrafficCounters/values``) as unsigned LEB128 varints. A quiet counter takes one
/// byte, so a busy minute takes some 30 bytes instead of a row of its own (about 75).
struct PackedMinutes: Equatable {
    /// Counters by minute of the hour.
    var minutes: [Int: TrafficCounters] = [:]

    init() {}

    /// Reads a stored value; what does not decode whole is dropped from the first bad byte on.
    init(_ bytes: [UInt8]) {
        var index = 0
        let count = TrafficCounters().values.count
        while index < bytes.count {
            let minute = Int(bytes[index])
            index += 1
            var values: [Int64] = []
            values.reserveCapacity(count)
            while values.count < count, let value = Self.varint(bytes, &index) { values.append(value) }
            guard minute < 60, let counters = TrafficCounters(values: values) else { return }
            minutes[minute] = counters
        }
    }

    mutating func add(_ counters: TrafficCounters, minute: Int) {
        minutes[minute, default: TrafficCounters()].add(counters)
    }

    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        for (minute, counters) in minutes.sorted(by: { $0.key < $1.key }) {
            bytes.append(UInt8(minute))
            for value in counters.values { Self.append(UInt64(max(0, value)), to: &bytes) }
        }
        return bytes
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private static func varint(_ bytes: [UInt8], _ index: inout Int) -> Int64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 63 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return Int64(bitPattern: value) }
            shift += 7
        }
        return nil
    }
}
