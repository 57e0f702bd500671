import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controller

/// The engine boundary: values in the storage classes every SQL engine has, dates as text that
/// sorts as it reads, transactions that commit or roll back whole, and the SQLite engine's
/// errors in the store's own terms.
@Suite struct SQLDatabaseTests {
    @Test func datesAreStoredAsSortableUTCTextAndReadInTheFormsSQLiteWrites() throws {
        #expect(SQLDateText.format(Date(timeIntervalSince1970: 1.5)) == "1970-01-01 00:00:01.500")
        #expect(SQLDateText.format(Date(timeIntervalSince1970: -0.25)) == "1969-12-31 23:59:59.750")
        let moment = Date(timeIntervalSince1970: 1_796_031_667.123)
        #expect(SQLDateText.format(moment) == "2026-11-30 09:41:07.123")
        #expect(Date(sqlValue: moment.sqlValue).map { abs($0.timeIntervalSince(moment)) < 0.001 } == true)
        let read = { (text: String) in Date(sqlValue: .text(text))?.timeIntervalSince1970 }
        #expect(read("2026-11-30 09:41:07.123").map { abs($0 - 1_796_031_667.123) < 0.0005 } == true)
        #expect(read("2026-11-30 09:41:07") == 1_796_031_667)
        #expect(read("2026-11-30T09:41:07Z") == 1_796_031_667)
        #expect(read("2026-11-30T11:41:07+02:00") == 1_796_031_667)
        #expect(read("2026-11-30 09:41") == 1_796_031_660)
        #expect(read("2026-11-30") == 1_795_996_800)
        #expect(Date(sqlValue: .integer(60))?.timeIntervalSince1970 == 60)
        for damaged in ["", "2026-13-01", "2026-11-30 25:00", "2026-11-30 09:41:07.", "30/11/2026", "2026-11-30 09:41:07 junk"] {
            #expect(Date(sqlValue: .text(damaged)) == nil, "\(damaged) was read as a date")
        }
        #expect(Date(sqlValue: .null) == nil)
        // Text order is time order.
        let dates = [-86_400.0, 0, 0.001, 59.999, 1e9].map { SQLDateText.format(Date(timeIntervalSince1970: $0)) }
        #expect(dates == dates.sorted())
    }

    @Test func valuesKeepTheirTypeAndAMismatchReadsAsNil() {
        #expect(Int64(sqlValue: .integer(7)) == 7)
        #expect(Int64(sqlValue: .real(7)) == 7)
        #expect(Int64(sqlValue: .real(7.5)) == nil)
        #expect(Int64(sqlValue: .text("7")) == nil)
        #expect(Bool(sqlValue: .integer(0)) == false)
        #expect(Bool(sqlValue: .integer(1)) == true)
        #expect(String(sqlValue: .integer(1)) == nil)
        #expect(String?(sqlValue: .null) == .some(nil))
        #expect(String?(sqlValue: .integer(1)) == nil)
        #expect(Data(sqlValue: .blob([1, 2])) == Data([1, 2]))
    }

    @Test func aWriteCommitsWholeOrNotAtAllAndBrokenRulesAreNamed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let database: any SQLDatabase = try SQLiteDatabase(path: folder.file("test.sqlite"))
        let before = try await database.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM settings") }
        await #expect(throws: StoreError.self) {
            try await database.write { db in
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["rolled_back", "x"])
                #expect(db.changedRowCount == 1)
                // A second row with the same key breaks the primary key.
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["rolled_back", "y"])
            }
        }
        #expect(try await database.read { db in try db.value(Int.self, "SELECT COUNT(*) FROM settings") } == before)

        let when = Date(timeIntervalSince1970: 1_796_031_667.5)
        let row = try await database.write { db -> SQLRow? in
            try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["kept", SQLDateText.format(when)])
            return try db.row("SELECT key, value AS Stored, NULL AS empty FROM settings WHERE key = ?", ["kept"])
        }
        let stored = try #require(row)
        #expect(stored["key"] as String == "kept")
        #expect(stored["stored"] as Date == when, "columns are found whatever their case")
        #expect(stored["empty"] as String? == nil)
        #expect(stored["no_such_column"] as Int? == nil)
        #expect(try await database.read { db in try db.exists("SELECT 1 FROM settings WHERE key = ?", ["kept"]) })
        #expect(try await database.read { db in try db.values(String.self, "SELECT key FROM settings WHERE key LIKE 'k%'") } == ["kept"])
    }

    /// A short write runs on its caller's thread when the writer is idle, whole or not at all;
    /// while another write is under way it waits its turn in the writer's queue instead, so the
    /// calling thread is not held.
    @Test func aShortWriteRunsOnTheCallingThreadOnlyWhenTheWriterIsIdle() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let database: any SQLDatabase = try SQLiteDatabase(path: folder.file("test.sqlite"))
        let caller = pthread_self()
        let ranHere = try await database.writeOnThisThread { db -> Bool in
            try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["here", "1"])
            return pthread_equal(pthread_self(), caller) != 0
        }
        #expect(ranHere)
        await #expect(throws: StoreError.self) {
            try await database.writeOnThisThread { db in
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["rolled_back", "x"])
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["rolled_back", "y"])
            }
        }
        /// The keys stored among `list` (SQL text of quoted keys), in order.
        let stored = { (list: String) in
            try await database.read { db in try db.values(String.self, "SELECT key FROM settings WHERE key IN (\(list)) ORDER BY key") }
        }
        #expect(try await stored("'here', 'rolled_back'") == ["here"])

        // A write holds the writer until released.
        let holding = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let held = Task {
            try await database.write { db in
                holding.store(true, ordering: .releasing)
                release.wait()
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["held", "1"])
            }
        }
        while !holding.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        let queued = Task { () -> Bool in
            let caller = pthread_self()
            return try await database.writeOnThisThread { db -> Bool in
                try db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["queued", "1"])
                return pthread_equal(pthread_self(), caller) != 0
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await stored("'queued'") == [])
        release.signal()
        try await held.value
        #expect(try await queued.value == false, "the short write ran on its caller's thread while another write was under way")
        #expect(try await stored("'held', 'queued'") == ["held", "queued"])
    }

    @Test func aReadCannotWrite() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let database: any SQLDatabase = try SQLiteDatabase(path: folder.file("test.sqlite"))
        await #expect(throws: (any Error).self) {
            try await database.read { db in try db.execute("INSERT INTO settings (key, value) VALUES ('x', 'y')") }
        }
    }
}
