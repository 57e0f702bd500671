import Testing

@testable import Host

/// Output cut into lines as it arrives, for live provisioning logs and command results.
@Suite struct LineSplitterTests {
    private func lines(_ chunks: [String]) -> [String] {
        var splitter = LineSplitter()
        var lines: [String] = []
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        }
        splitter.finish { lines.append($0) }
        return lines
    }

    @Test func linesSpanningChunksAreWholeAndTheLastNeedsNoNewline() {
        #expect(lines(["one\ntw", "o\n", "\nthree"]) == ["one", "two", "", "three"])
        #expect(lines(["a", "b", "c"]) == ["abc"])
        #expect(lines([]) == [])
    }

    @Test func aLineLongerThanTheCapIsPassedOnInPieces() {
        let long = String(repeating: "x", count: LineSplitter.longestLine + 10)
        let pieces = lines([long, "\nend"])
        #expect(pieces.count == 3)
        #expect(pieces[0].count == LineSplitter.longestLine + 10)
        #expect(pieces[1] == "")
        #expect(pieces[2] == "end")
    }
}
