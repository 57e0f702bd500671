import Foundation
import GRDB

/// A GRDB `Database` as a ``SQLConnection``. Statements are prepared once per connection and
/// reused; a broken constraint is reported as ``StoreError/constraintViolated(_:)``.
struct SQLiteConnection: SQLConnection {
    let db: Database

    init(_ db: Database) { self.db = db }

    func execute(_ sql: String, _ arguments: SQLArguments) throws {
        try Self.reportingConstraints {
            let statement = try db.cachedStatement(sql: sql)
            try statement.execute(arguments: Self.bind(arguments))
        }
    }

    func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try Self.reportingConstraints { try fetch(sql, arguments) }
    }

    private func fetch(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(Self.bind(arguments))
        let columns = SQLColumns(statement.columnNames)
        var rows: [SQLRow] = []
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
            rows.append(SQLRow(columns: columns, values: row.databaseValues.map(Self.value)))
        }
        return rows
    }

    func forEachRow(_ sql: String, _ arguments: SQLArguments, _ body: (any SQLLentRow) throws -> Void) throws {
        try Self.reportingConstraints {
            let statement = try db.cachedStatement(sql: sql)
            try statement.setArguments(Self.bind(arguments))
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() { try body(LentRow(row: row)) }
        }
    }

    /// A row of a cursor: GRDB lends a cursor row's text and blobs without copying them.
    private struct LentRow: SQLLentRow {
        let row: Row

        func integer(_ column: Int) -> Int64? {
            let stored: DatabaseValue = row[column]
            return if case .int64(let value) = stored.storage { value } else { nil }
        }

        func withBytes<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
            try row.withUnsafeData(atIndex: column) { data in
                guard let data else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
                return try data.withUnsafeBytes(body)
            }
        }

        func value(_ column: Int) -> SQLValue {
            let stored: DatabaseValue = row[column]
            return SQLiteConnection.value(stored)
        }
    }

    var lastInsertedID: Int64 { db.lastInsertedRowID }

    var changedRowCount: Int { db.changesCount }

    private static func reportingConstraints<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.constraintViolated(error.message ?? "\(error)")
        }
    }

    /// GRDB's arguments as optional existentials: from a list of `DatabaseValue` itself GRDB
    /// maps through a key path, which the runtime instantiates anew at every statement.
    private static func bind(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.map { argument -> (any DatabaseValueConvertible)? in databaseValue(argument) })
    }

    private static func databaseValue(_ argument: (any SQLValueConvertible)?) -> DatabaseValue {
        switch argument?.sqlValue ?? .null {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }

    fileprivate static func value(_ stored: DatabaseValue) -> SQLValue {
        switch stored.storage {
        case .null: .null
        case .int64(let value): .integer(value)
        case .double(let value): .real(value)
        case .string(let value): .text(value)
        case .blob(let data): .blob(Array(data))
        }
    }
}
