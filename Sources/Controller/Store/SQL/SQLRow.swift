/// One row a query returned: its values by column name, in the query's order.
struct SQLRow: Sendable {
    /// The query's column names, shared by every row it returned.
    let columns: SQLColumns
    let values: [SQLValue]

    /// The value of `column` (NULL when the query has no such column).
    func value(_ column: String) -> SQLValue {
        columns.index(of: column).map { values[$0] } ?? .null
    }

    /// The value of `column` as `T` (read an optional `T` where NULL is allowed); a stored value that is not a `T` (a NULL where `T` is not
    /// optional, text where a number belongs) is a damaged database and stops the process with
    /// the column named.
    subscript<T: SQLValueConvertible>(_ column: String) -> T {
        let stored = value(column)
        guard let value = T(sqlValue: stored) else {
            preconditionFailure("column \(column) holds \(stored), not a \(T.self)")
        }
        return value
    }

    /// The first column's value.
    var first: SQLValue { values.first ?? .null }
}

/// The column names of a query's rows, looked up without regard to case (as SQL does).
final class SQLColumns: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name.lowercased()] == nil { positions[name.lowercased()] = index }
        self.positions = positions
    }

    func index(of name: String) -> Int? {
        if let index = positions[name] { return index }
        return positions[name.lowercased()]
    }
}
