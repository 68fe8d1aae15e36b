import Foundation
import Testing
import NodewardCore

/// Throughput of the reader on a large generated file. Opt-in: set NODEWARD_TRACE_BENCH to the file's
/// path (run it in a release build; debug figures are several times lower).
@Suite struct TraceBenchmarkTests {
    static let path = ProcessInfo.processInfo.environment["NODEWARD_TRACE_BENCH"]

    @Test(.enabled(if: path != nil)) func throughputOnLargeFile() throws {
        let path = try #require(Self.path)
        let clock = ContinuousClock()
        var steps = 0
        var summary = TraceReadSummary()
        let elapsed = clock.measure {
            summary = TraceReader().read(paths: [path]) { steps += $0.steps.count }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(summary.bytes) / 1_048_576
        print("trace bench: \(String(format: "%.1f", megabytes)) MiB, \(summary.records) spans, \(steps) steps, \(summary.runs) runs in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", megabytes / seconds)) MiB/s, \(String(format: "%.0f", Double(summary.records) / seconds)) spans/s, maxOpenRuns \(summary.maxOpenRuns), skipped \(summary.skippedTotal)")
        #expect(summary.skippedTotal == 0)
        #expect(steps == summary.steps)
    }
}
