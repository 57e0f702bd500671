import Testing

@testable import Host

/// A journal cut anywhere by a failed or cancelled apply still reaches rollback readable.
@Suite struct JournalRecordsTests {
    private func readable(_ text: String) -> String {
        String(decoding: JournalRecords.readable(Array(text.utf8)), as: UTF8.self)
    }

    @Test func aJournalThatIsOneJSONValueIsPassedAsItIs() {
        #expect(readable(#"{"previous": "old text"}"#) == #"{"previous": "old text"}"#)
        #expect(readable("") == "")
    }

    @Test func aRecordCutShortIsDroppedAndTheWholeOnesKept() {
        let journal = "{\"path\": \"/etc/a\", \"previous\": null}\n{\"path\": \"/etc/b\", \"prev"
        #expect(readable(journal) == "{\"path\": \"/etc/a\", \"previous\": null}\n")
    }

    @Test func everyCutOfARecordedJournalLeavesOnlyWholeRecords() throws {
        let records = [#"{"path": "/etc/a", "previous": "x\ny"}"#, #"{"path": "/etc/b", "previous": null}"#]
        let journal = Array(records.map { $0 + "\n" }.joined().utf8)
        for cut in 0...journal.count {
            let kept = JournalRecords.readable(Array(journal[..<cut]))
            let text = String(decoding: kept, as: UTF8.self)
            if cut == records[0].utf8.count {
                #expect(text == records[0], "one whole value, its newline not yet written")
                continue
            }
            let expected = cut >= journal.count ? 2 : (cut > records[0].utf8.count ? 1 : 0)
            #expect(text == records.prefix(expected).map { $0 + "\n" }.joined(), "cut at \(cut)")
        }
    }

    @Test func linesAfterABrokenOneAreDroppedToo() {
        #expect(readable("{\"a\": 1}\nnot json\n{\"b\": 2}\n") == "{\"a\": 1}\n")
        #expect(readable("{\"a\": 1}\n\n{\"b\": 2}\n{") == "{\"a\": 1}\n\n{\"b\": 2}\n")
    }
}
