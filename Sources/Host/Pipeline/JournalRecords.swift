import JSONCore

/// The journal a step's apply wrote, made readable for its rollback.
///
/// A journal is one JSON value, or JSON Lines: one JSON value per line, each ending in `\n`,
/// written whole before the effect it undoes. Apply may be stopped at any byte (it failed, it was
/// cancelled, the step crashed after writing part of a record), so rollback gets the journal cut
/// back to its whole records: a journal that is one JSON value is passed as it is; otherwise the
/// lines are kept from the first while each is whole JSON, and the rest (a record cut short, or
/// anything after it) is dropped. A journal with no whole record reaches rollback empty, which
/// means "apply recorded nothing".
enum JournalRecords {
    static func readable(_ journal: [UInt8]) -> [UInt8] {
        if journal.isEmpty || (try? JSONParser.parse(journal)) != nil { return journal }
        var kept = 0
        var lineStart = 0
        for index in journal.indices where journal[index] == UInt8(ascii: "\n") {
            let line = journal[lineStart..<index]
            let blank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
            if !blank {
                guard (try? JSONParser.parse(line)) != nil else { break }
            }
            kept = index + 1
            lineStart = index + 1
        }
        return Array(journal[..<kept])
    }
}
