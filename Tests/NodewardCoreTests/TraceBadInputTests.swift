import Testing
@testable import NodewardCore

/// The bad-input corpus (Fixtures/traces/bad): each case names the exact code, line and count, and that
/// the good records of the same file are still read.
@Suite struct TraceBadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var file: String
        var skipped: [DiagnosticCode: Int]
        var lines: [Int]
        var steps: [String]
        var maxLineBytes: Int?
        var runIdleRecords: Int?
        var maxDocumentBytes: Int?
        var description: String { file }

        init(_ file: String, _ skipped: [DiagnosticCode: Int], lines: [Int], steps: [String],
             maxLineBytes: Int? = nil, runIdleRecords: Int? = nil, maxDocumentBytes: Int? = nil) {
            self.file = file
            self.skipped = skipped
            self.lines = lines
            self.steps = steps
            self.maxLineBytes = maxLineBytes
            self.runIdleRecords = runIdleRecords
            self.maxDocumentBytes = maxDocumentBytes
        }
    }

    static let cases: [Case] = [
        Case("truncated-last-line.jsonl", [.traceTruncated: 1], lines: [3], steps: ["s1", "s2"]),
        Case("only-truncated.jsonl", [.traceTruncated: 1], lines: [1], steps: []),
        Case("garbage-middle.jsonl", [.traceJSON: 1], lines: [2], steps: ["s1", "s2"]),
        Case("garbage-first-line.jsonl", [.traceJSON: 1], lines: [1], steps: ["s1", "s2"]),
        Case("invalid-utf8.jsonl", [.traceJSON: 1], lines: [2], steps: ["s1", "s3"]),
        Case("huge-line.jsonl", [.traceLineTooLong: 1], lines: [2], steps: ["s1", "s3"], maxLineBytes: 1024),
        Case("missing-fields.jsonl", [.traceMissingField: 3], lines: [2, 3, 4], steps: ["s1"]),
        Case("wrong-types.jsonl", [.traceInvalidValue: 5], lines: [2, 3, 4, 5, 6], steps: ["s1"]),
        Case("bad-timestamp.jsonl", [.traceInvalidValue: 3], lines: [2, 3, 4], steps: ["s1"]),
        Case("duplicate-steps.jsonl", [.traceDuplicateStep: 1], lines: [3], steps: ["s1", "s2"]),
        Case("late-record.jsonl", [.traceLateSpan: 1], lines: [6], steps: ["a1", "b1", "b2", "b3", "b4"], runIdleRecords: 3),
        Case("deep-nesting.jsonl", [.traceJSON: 1], lines: [2], steps: ["s1", "s3"]),
        Case("not-json.json", [.traceFormat: 1], lines: [1], steps: []),
        Case("bad-document.json", [.traceJSON: 1], lines: [1], steps: []),
        Case("too-large.json", [.fileTooLarge: 1], lines: [0], steps: [], maxDocumentBytes: 100),
        Case("bad-ids.otlp.jsonl", [.traceInvalidValue: 3, .traceMissingField: 1], lines: [1, 1, 1, 2], steps: ["aaaaaaaaaaaaaaa2"]),
        Case("unknown-operation.otlp.jsonl", [.traceUnknownOperation: 2], lines: [1, 1], steps: ["aaaaaaaaaaaaaaa2"]),
        Case("mixed-tenants.otlp.jsonl", [:], lines: [], steps: ["aaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaa3"]),
        Case("no-tenant.otlp.jsonl", [.traceNoTenant: 2], lines: [1], steps: ["bbbbbbbbbbbbbbb2"]),
        Case("otlp-then-jsonl.otlp.jsonl", [.traceMissingField: 1, .traceInvalidValue: 1], lines: [2, 3], steps: ["aaaaaaaaaaaaaaa2"]),
    ]

    @Test(arguments: cases)
    func badInputIsCountedAndTheRestIsRead(_ testCase: Case) {
        var options = TraceReaderOptions()
        options.readChunkBytes = 256
        if let limit = testCase.maxLineBytes { options.maxLineBytes = limit }
        if let idle = testCase.runIdleRecords { options.runIdleRecords = idle }
        if let limit = testCase.maxDocumentBytes { options.maxDocumentBytes = limit }
        let outcome = TraceFixtures.read("bad/" + testCase.file, options: options)
        let file = TraceFixtures.path("bad/" + testCase.file)
        #expect(outcome.summary.skipped == testCase.skipped)
        let skipDiagnostics = outcome.summary.diagnostics.filter { testCase.skipped[$0.code] != nil }
        #expect(skipDiagnostics.map { $0.location?.line ?? -1 } == testCase.lines)
        #expect(skipDiagnostics.allSatisfy { $0.location?.file == file })
        #expect(outcome.stepIds == testCase.steps)
        #expect(outcome.summary.diagnosticsDropped == 0)
    }

    @Test func missingFieldMessagesNameTheField() {
        let messages = TraceFixtures.read("bad/missing-fields.jsonl").diagnostics(.traceMissingField).map(\.message)
        #expect(messages == [#"missing required field "tenant""#, #"missing required field "time""#, #"missing required field "operation""#])
    }

    @Test func lateRecordClosesRunEarly() {
        let outcome = TraceFixtures.read("bad/late-record.jsonl", options: TraceFixtures.options { $0.runIdleRecords = 3 })
        #expect(outcome.runs.map(\.runId) == ["A", "B"])
        #expect(outcome.runs[0].steps.map(\.stepId) == ["a1"])
    }

    @Test func noTenantRunIsSkippedButFallbackSpanTenantIsUsed() throws {
        let outcome = TraceFixtures.read("bad/no-tenant.otlp.jsonl")
        let run = try #require(outcome.runs.first)
        #expect(outcome.runs.count == 1)
        #expect(run.tenant == "initech" && run.agent == "bot")
        #expect(outcome.diagnostics(.traceNoTenant).first?.severity == .warning)
    }

    @Test func spansOfAnotherTenantInATraceAreThatTenantsRun() throws {
        let outcome = TraceFixtures.read("bad/mixed-tenants.otlp.jsonl")
        #expect(outcome.runs.map(\.tenant) == ["acme", "globex"])
        #expect(outcome.runs.allSatisfy { run in run.steps.allSatisfy { $0.tenant == run.tenant } })
        #expect(outcome.diagnostics(.traceMixedTenants).map { $0.severity } == [.warning])
    }

    @Test func badResourcesAreDroppedWithWarningsAndTheStepKept() throws {
        let outcome = TraceFixtures.read("bad/bad-resources.jsonl")
        #expect(outcome.summary.skipped.isEmpty)
        #expect(outcome.lines(.traceInvalidValue) == [1, 1, 1, 1])
        #expect(outcome.diagnostics(.traceInvalidValue).allSatisfy { $0.severity == .warning })
        let step = try #require(outcome.runs.first?.steps.first)
        #expect(step.resources == [Resource.store("crm", path: "x", access: .read)])
    }

    @Test func emptyFileIsAWarningNotASkip() {
        let outcome = TraceFixtures.read("bad/empty.jsonl")
        let file = TraceFixtures.path("bad/empty.jsonl")
        #expect(outcome.summary.skipped.isEmpty)
        #expect(outcome.summary.diagnostics.map(\.code) == [.traceFormat])
        #expect(outcome.summary.diagnostics.first?.severity == .warning)
        #expect(outcome.summary.files[file] == nil)
        #expect(outcome.summary.fileStats[file] == TraceFileStats())
    }

    @Test func notJSONFileHasNoFormat() {
        let outcome = TraceFixtures.read("bad/not-json.json")
        #expect(outcome.summary.files.isEmpty)
        #expect(outcome.summary.records == 0)
    }

    @Test func lateOTLPSpanIsSkipped() {
        let other = "99999999999999999999999999999999"
        let lines = [
            OTLPLine.export([OTLPLine.span("1000000000000001", op: "execute_tool", [OTLPLine.string("gen_ai.tool.name", "t")])]),
            OTLPLine.export([
                OTLPLine.span("2000000000000001", trace: other, op: "execute_tool", [OTLPLine.string("gen_ai.tool.name", "t")]),
                OTLPLine.span("2000000000000002", trace: other, op: "execute_tool", [OTLPLine.string("gen_ai.tool.name", "t")]),
            ]),
            OTLPLine.export([OTLPLine.span("1000000000000002", op: "execute_tool", [OTLPLine.string("gen_ai.tool.name", "t")])]),
        ]
        let outcome = TraceFixtures.read(text: lines.joined(separator: "\n") + "\n", options: TraceFixtures.options { $0.runIdleRecords = 2 })
        #expect(outcome.summary.skipped == [.traceLateSpan: 1])
        #expect(outcome.lines(.traceLateSpan) == [3])
        #expect(outcome.runs.map(\.steps.count) == [1, 2])
    }

    @Test func diagnosticsAreCappedButCountsAreComplete() {
        let text = String(repeating: "garbage\n", count: 10)
        let good = #"{"tenant":"t","agent":"a","run":"r","step":"s","time":1,"kind":"output","operation":"o"}"#
        let outcome = TraceFixtures.read(text: good + "\n" + text, options: TraceFixtures.options { $0.maxDiagnostics = 3 })
        #expect(outcome.summary.skipped == [.traceJSON: 10])
        #expect(outcome.summary.diagnostics.map { $0.location?.line ?? 0 } == [2, 3, 4])
        #expect(outcome.summary.diagnosticsDropped == 7)
    }

    @Test func messagesNeverQuotePayloads() {
        let outcome = TraceFixtures.read("bad/wrong-types.jsonl")
        for diagnostic in outcome.summary.diagnostics {
            #expect(!diagnostic.message.contains("teleport") && !diagnostic.message.contains("many"))
        }
    }
}
