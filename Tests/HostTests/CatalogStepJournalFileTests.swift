import Foundation
import TestSupport
import Testing

@testable import Host

/// The step journals' file is written when what it should hold changes, and only then: an apply
/// that leaves the journals as they were writes nothing, and a write that failed is tried again.
@Suite struct CatalogStepJournalFileTests {
    /// A successful run of a pipeline of one catalog step, `plugin`, whose apply wrote `journal`.
    private func ran(_ plugin: String, journal: String) -> (PipelineReport, DesiredPipeline) {
        let step = StepReport(
            step: StepReference(index: 0, plugin: plugin), outcome: .applied(changes: 1), plan: nil, result: Array(journal.utf8), rollback: nil)
        let report = PipelineReport(pipeline: "apply", dryRun: false, status: .succeeded, steps: [step], rollbackOrder: [])
        return (report, DesiredPipeline(steps: [.init(plugin: plugin, sha256: String(repeating: "a", count: 64))]))
    }

    private func inode(_ path: String) throws -> UInt64 {
        try #require((try FileManager.default.attributesOfItem(atPath: path))[.systemFileNumber] as? UInt64)
    }

    @Test func journalsAreWrittenWhenTheyChangeAndOnlyThen() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("step-journals.json")
        var file = CatalogStepJournalFile(path: path)
        #expect(try file.save() == false)
        #expect(!FileManager.default.fileExists(atPath: path), "no journals, nothing written")

        let (report, desired) = ran("example.step", journal: #"{"undo":1}"#)
        file.journals.record(report, of: desired)
        #expect(try file.save())
        let written = try inode(path)
        #expect(CatalogStepJournals.load(path) == file.journals)

        // The same run again keeps the first journal: the file is left alone.
        file.journals.record(report, of: desired)
        #expect(try file.save() == false)
        #expect(try inode(path) == written)

        // Read again by a new process: what it read counts as written.
        var reread = CatalogStepJournalFile(path: path)
        #expect(reread.journals.entries.keys.sorted() == ["example.step"])
        #expect(try reread.save() == false)

        reread.journals.forget("example.step")
        #expect(try reread.save())
        #expect(try inode(path) != written)
        #expect(CatalogStepJournals.load(path).entries.isEmpty)
    }

    @Test func aWriteThatFailedIsTriedAgain() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("missing-folder/step-journals.json")
        var file = CatalogStepJournalFile(path: path)
        let (report, desired) = ran("example.step", journal: #"{"undo":1}"#)
        file.journals.record(report, of: desired)
        #expect(throws: LocalFileError.self) { try file.save() }

        try FileManager.default.createDirectory(atPath: folder.file("missing-folder"), withIntermediateDirectories: false)
        #expect(try file.save())
        #expect(CatalogStepJournals.load(path) == file.journals)
    }
}
