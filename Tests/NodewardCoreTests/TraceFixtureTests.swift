import Foundation
import Testing
@testable import NodewardCore

/// Shared helpers for the trace-reader suites: fixture paths and one-call reads.
enum TraceFixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("traces")
    }

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    struct Outcome {
        var runs: [Run]
        var summary: TraceReadSummary

        func diagnostics(_ code: DiagnosticCode) -> [Diagnostic] { summary.diagnostics.filter { $0.code == code } }
        func lines(_ code: DiagnosticCode) -> [Int] { diagnostics(code).compactMap { $0.location?.line } }
        var stepIds: [String] { runs.flatMap { $0.steps.map(\.stepId) } }
    }

    static func read(_ relativePaths: [String], options: TraceReaderOptions = TraceReaderOptions()) -> Outcome {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: relativePaths.map(path)) { runs.append($0) }
        return Outcome(runs: runs, summary: summary)
    }

    static func read(_ relativePath: String, options: TraceReaderOptions = TraceReaderOptions()) -> Outcome {
        read([relativePath], options: options)
    }

    static func read(text: String, file: String = "mem.jsonl", options: TraceReaderOptions = TraceReaderOptions()) -> Outcome {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return Outcome(runs: runs, summary: summary)
    }

    static func options(_ configure: (inout TraceReaderOptions) -> Void) -> TraceReaderOptions {
        var options = TraceReaderOptions()
        configure(&options)
        return options
    }
}

@Suite struct TraceFixtureTests {
    @Test func badCorpusHasAtLeastFifteenCases() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TraceFixtures.path("bad"))
        #expect(files.count >= 15)
    }

    @Test func foldersAreReadRecursivelyAndSorted() {
        let outcome = TraceFixtures.read("good/split")
        let files = outcome.summary.files.keys.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        #expect(files == ["part-1.jsonl", "part-2.jsonl", "part-3.ndjson"])
        #expect(outcome.summary.files.values.allSatisfy { $0 == .otlpJSONLines })
        // notes.txt is not a trace extension, so the folder walk leaves it alone.
        #expect(outcome.summary.fileStats.keys.allSatisfy { !$0.hasSuffix("notes.txt") })
    }

    @Test func missingPathIsUnreadable() {
        let outcome = TraceFixtures.read("does-not-exist")
        #expect(outcome.summary.skipped == [.fileUnreadable: 1])
        #expect(outcome.diagnostics(.fileUnreadable).first?.location?.file == TraceFixtures.path("does-not-exist"))
        #expect(outcome.runs.isEmpty)
    }

    @Test func aFileIsReadWhateverItsExtension() {
        let outcome = TraceFixtures.read("good/split/notes.txt")
        #expect(outcome.summary.files.values.first == .nodewardJSONL)
        #expect(outcome.runs.count == 1)
    }
}
