import Testing
@testable import NodewardCore

@Suite struct TraceStreamingTests {
    /// 200,000 records in 2,000 runs, 20 interleaved at a time: with an idle window of 1,000 records the
    /// reader closes runs as it goes, so only a few dozen are ever open.
    @Test func idleWindowBoundsOpenRuns() {
        var text = ""
        text.reserveCapacity(200_000 * 110)
        for index in 0..<200_000 {
            let run = index % 20 + 20 * (index / 2_000)
            text += #"{"tenant":"t","agent":"a","run":"r\#(run)","step":"s\#(index)","time":\#(index),"kind":"tool_call","operation":"op"}"#
            text += "\n"
        }
        var options = TraceReaderOptions()
        options.runIdleRecords = 1_000
        var delivered = 0
        var stepsDelivered = 0
        var inOrder = true
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: "gen.jsonl") { run in
            if run.runId != "r\(delivered)" { inOrder = false }
            delivered += 1
            stepsDelivered += run.steps.count
        }
        #expect(summary.records == 200_000 && summary.steps == 200_000 && summary.runs == 2_000)
        #expect(delivered == 2_000 && stepsDelivered == 200_000)
        #expect(summary.skipped.isEmpty)
        #expect(summary.maxOpenRuns >= 20 && summary.maxOpenRuns <= 40)
        #expect(inOrder)
    }

    /// Without a small window every run stays open until the end: the counter really measures something.
    @Test func largeWindowKeepsRunsOpen() {
        var text = ""
        for index in 0..<5_000 {
            text += #"{"tenant":"t","agent":"a","run":"r\#(index / 10)","step":"s\#(index)","time":1,"kind":"output","operation":"o"}"# + "\n"
        }
        let summary = TraceReader().read(data: Array(text.utf8), file: "gen.jsonl") { _ in }
        #expect(summary.maxOpenRuns == 500)
        let windowed = TraceReader(options: TraceFixtures.options { $0.runIdleRecords = 10 }).read(data: Array(text.utf8), file: "gen.jsonl") { _ in }
        #expect(windowed.maxOpenRuns <= 2)
        #expect(windowed.runs == 500)
    }

    /// Every chunk size gives the same runs as the default: lines split across reads are joined correctly.
    @Test func chunkBoundariesDoNotChangeTheResult() {
        let reference = TraceFixtures.read("good/formats-example.jsonl")
        for chunk in [1, 2, 3, 7, 64, 333] {
            let outcome = TraceFixtures.read("good/formats-example.jsonl", options: TraceFixtures.options { $0.readChunkBytes = chunk })
            #expect(outcome.runs == reference.runs, "chunk \(chunk)")
            #expect(outcome.summary == reference.summary, "chunk \(chunk)")
        }
    }

    @Test func lineReaderSplitsLinesAndDropsLongOnes() {
        let text = "ab\r\n\n" + String(repeating: "x", count: 50) + "\ncd\r\n" + String(repeating: "y", count: 30)
        let reader = ChunkedLineReader(source: .memory(Array(text.utf8)), maxLineBytes: 10, chunkBytes: 4)
        var seen: [String] = []
        while let event = reader.next() {
            switch event {
            case .line(let range, let number, let terminated):
                seen.append("\(number):\(String(decoding: reader.buffer[range], as: UTF8.self)):\(terminated)")
            case .tooLong(let number, let bytes):
                seen.append("\(number):too-long \(bytes)")
            }
        }
        #expect(seen == ["1:ab:true", "2::true", "3:too-long 50", "4:cd:true", "5:too-long 30"])
        // The buffer never held a long line whole: it stays near one chunk plus the line limit.
        #expect(reader.buffer.count <= 10 + 4 + 4)
        #expect(reader.bytesRead == text.utf8.count)
    }

    @Test func summaryCountsBytesLinesAndPerFileStats() {
        let outcome = TraceFixtures.read(["good/formats-example.jsonl", "good/formats-example-otlp.json"])
        let jsonl = TraceFixtures.path("good/formats-example.jsonl")
        let otlp = TraceFixtures.path("good/formats-example-otlp.json")
        #expect(outcome.summary.fileStats[jsonl]?.steps == 5)
        #expect(outcome.summary.fileStats[jsonl]?.lines == 6)
        #expect(outcome.summary.fileStats[otlp]?.records == 3)
        #expect(outcome.summary.fileStats[otlp]?.lines == 5)
        #expect(outcome.summary.fileStats[otlp]?.runs == 1)
        let totalBytes = (outcome.summary.fileStats[jsonl]?.bytes ?? 0) + (outcome.summary.fileStats[otlp]?.bytes ?? 0)
        #expect(outcome.summary.bytes == totalBytes && totalBytes > 0)
        #expect(outcome.summary.runs == 2 && outcome.summary.steps == 7)
    }

    /// `body` may throw: the error propagates and reading stops.
    @Test func bodyErrorsPropagate() {
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try TraceReader().read(paths: [TraceFixtures.path("good/formats-example.jsonl")]) { _ in throw Stop() }
        }
    }
}
