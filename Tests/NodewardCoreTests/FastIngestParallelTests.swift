import Foundation
import Testing
import NodewardCore
import NodewardSamples

/// Decoding on several threads gives what one thread gives; invalid lines are reported at file:line
/// with the tokenizer's column.
@Suite struct FastIngestParallelTests {
    @Test func threadCountsGiveIdenticalResults() throws {
        var inputs = try FastIngest.generatedTraces(FleetOptions(runs: 150, tenants: 4, seed: 5, format: .mixed))
        // A few bad lines in the middle, so skips and their line numbers are compared too.
        if let index = inputs.firstIndex(where: { $0.file.hasSuffix(".steps.jsonl") }) {
            var lines = FastIngest.lines(inputs[index].bytes)
            lines.insert(Array("{\"tenant\":".utf8), at: lines.count / 2)
            lines.insert(Array("[]".utf8), at: lines.count / 3)
            inputs[index].bytes = Array(lines.joined(separator: [0x0A]))
        }
        let one = FastIngest.read(inputs, FastIngest.options(.fast, threads: 1))
        #expect(one.summary.steps > 500)
        #expect(one.summary.skipped[.traceJSON] == 1 && one.summary.skipped[.traceInvalidValue, default: 0] >= 1)
        for threads in [2, 3, 8] {
            for decoder in [TraceDecoderChoice.fast, .reference] {
                let many = FastIngest.read(inputs, FastIngest.options(decoder, threads: threads))
                let difference = FastIngest.firstDifference(many, one)
                #expect(difference == nil, "\(decoder) with \(threads) threads: \(difference ?? "")")
            }
        }
    }

    @Test func filesOnDiskGiveIdenticalResultsOnOneAndTwoThreads() {
        let path = FastIngest.sampleTraces.path
        let one = FastIngest.read(paths: [path], FastIngest.options(.fast, threads: 1, chunk: 4096))
        let two = FastIngest.read(paths: [path], FastIngest.options(.fast, threads: 2, chunk: 4096))
        let reference = FastIngest.read(paths: [path], FastIngest.options(.reference, threads: 1))
        #expect(one.summary.steps > 1000)
        #expect(FastIngest.firstDifference(two, one) == nil)
        #expect(FastIngest.firstDifference(one, reference) == nil)
    }

    @Test func invalidJSONLLineIsReportedWithLineAndColumn() throws {
        let good = #"{"tenant":"t","agent":"a","run":"r","step":"s1","time":1,"kind":"llm","operation":"m"}"#
        let bad = #"{"tenant":"t","agent" 1}"#
        let text = [good, good.replacingOccurrences(of: "s1", with: "s2"), bad, good.replacingOccurrences(of: "s1", with: "s3")]
            .joined(separator: "\n") + "\n"
        for threads in [1, 2] {
            let outcome = FastIngest.read([("bad.jsonl", Array(text.utf8))], FastIngest.options(.fast, threads: threads))
            let diagnostic = try #require(outcome.summary.diagnostics.first { $0.code == .traceJSON })
            #expect(diagnostic.location == SourceLocation(file: "bad.jsonl", line: 3))
            #expect(diagnostic.message.contains("line 1, column 23"), "\(diagnostic.message)")
            #expect(outcome.summary.steps == 3)
        }
    }

    @Test func invalidOTLPLineIsReportedWithLineAndColumn() throws {
        let lines = FastIngest.lines(Array(try Data(contentsOf: FastIngest.sampleTraces.appendingPathComponent("acme.otlp.jsonl"))))
        var broken = lines[1]
        let cut = try #require(broken.firstIndex(of: UInt8(ascii: ":")))
        broken[cut] = UInt8(ascii: ";")
        let file = Array([lines[0], broken, lines[2]].joined(separator: [0x0A])) + [0x0A]
        let outcome = FastIngest.read([("bad.otlp.jsonl", file)], FastIngest.options(.fast))
        let diagnostic = try #require(outcome.summary.diagnostics.first { $0.code == .traceJSON })
        #expect(diagnostic.location == SourceLocation(file: "bad.otlp.jsonl", line: 2))
        #expect(diagnostic.message.contains("column \(cut + 1)"), "\(diagnostic.message)")
        #expect(diagnostic.message.contains("expected ':'"))
    }

    @Test func truncatedLastLineIsReportedAsTruncated() throws {
        let good = #"{"tenant":"t","agent":"a","run":"r","step":"s1","time":1,"kind":"llm","operation":"m"}"#
        let text = good + "\n" + good.replacingOccurrences(of: "s1", with: "s2").dropLast(9)
        let outcome = FastIngest.read([("cut.jsonl", Array(text.utf8))], FastIngest.options(.fast, threads: 2))
        let diagnostic = try #require(outcome.summary.diagnostics.first)
        #expect(diagnostic.code == .traceTruncated)
        #expect(diagnostic.location == SourceLocation(file: "cut.jsonl", line: 2))
        #expect(outcome.summary.steps == 1)
    }
}
