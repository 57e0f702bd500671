/// The arguments of one statement, bound to its `?` in order.
typealias SQLArguments = [(any SQLValueConvertible)?]

/// One connection of a SQL engine inside a transaction (or a read snapshot): all the
/// repositories need of an engine.
///
/// A connection is lent to one closure and used on that closure's thread only; it is never kept
/// after the closure returns.
protocol SQLConnection {
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: SQLArguments) throws

    /// Runs a query and returns every row.
    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]

    /// Runs a query and calls `body` with each row as it is read, its values lent, not copied
    /// (``SQLLentRow``): for scans of many rows that keep little of each.
    func forEachRow(_ sql: String, _ arguments: SQLArguments, _ body: (any SQLLentRow) throws -> Void) throws

    /// The id the last successful INSERT on this connection gave its row.
    var lastInsertedID: Int64 { get }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    var changedRowCount: Int { get }
}

extension SQLConnection {
    func execute(_ sql: String) throws { try execute(sql, []) }

    func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first row, or nil when the query returned none.
    func row(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row as `T`; nil when there is no row, or the value is NULL
    /// or not a `T`.
    func value<T: SQLValueConvertible>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> T? {
        guard let row = try row(sql, arguments) else { return nil }
        return T(sqlValue: row.first)
    }

    /// The first column of every row, as `T` (NULLs and other types left out).
    func values<T: SQLValueConvertible>(_ type: T.Type, _ sql: String, _ arguments: SQLArguments = []) throws -> [T] {
        try rows(sql, arguments).compactMap { T(sqlValue: $0.first) }
    }

    /// True when the query returns a row.
    func exists(_ sql: String, _ arguments: SQLArguments = []) throws -> Bool {
        try row(sql, arguments) != nil
    }
}
