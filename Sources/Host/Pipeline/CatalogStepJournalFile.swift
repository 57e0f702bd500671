/// ``CatalogStepJournals`` kept in a file: read once, and written again only when they differ
/// from what the file holds. Nearly every apply leaves them as they were (its pipeline names no
/// catalog step, or names the same ones), and each write is a synced file replaced beside the
/// applied state.
public struct CatalogStepJournalFile: Sendable {
    public let path: String
    public var journals: CatalogStepJournals
    /// What the file holds, as far as this process knows: what it read there, or last wrote.
    /// (A file that is missing or unreadable reads as no journals, and is left as it is until
    /// there are some.)
    private var written: CatalogStepJournals

    /// Reads the journals at `path`.
    public init(path: String) {
        self.path = path
        journals = CatalogStepJournals.load(path)
        written = journals
    }

    /// Writes ``journals`` to the file when they changed since it was read or last written.
    /// Returns whether it wrote; a failed write is tried again at the next call.
    @discardableResult
    public mutating func save() throws -> Bool {
        guard journals != written else { return false }
        try journals.save(path)
        written = journals
        return true
    }
}
