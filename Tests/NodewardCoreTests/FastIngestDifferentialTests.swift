import Foundation
import Testing
import NodewardCore
import NodewardSamples

/// The fast decoder against the reference path (whole lines parsed into `JSONValue` dictionaries):
/// the same steps, runs, skips, diagnostics and counts on every input, valid or not.
@Suite struct FastIngestDifferentialTests {
    func expectSame(_ inputs: [(file: String, bytes: [UInt8])], chunk: Int = 1 << 20, _ comment: String) {
        let reference = FastIngest.read(inputs, FastIngest.options(.reference, chunk: chunk))
        let fast = FastIngest.read(inputs, FastIngest.options(.fast, chunk: chunk))
        let difference = FastIngest.firstDifference(fast, reference)
        #expect(difference == nil, "\(comment): \(difference ?? "")")
    }

    @Test func sampleFleetDecodesIdentically() throws {
        let inputs = try FastIngest.files(in: FastIngest.sampleTraces)
        let reference = FastIngest.read(inputs, FastIngest.options(.reference))
        #expect(reference.summary.steps > 1000)
        #expect(Set(reference.summary.files.values) == [.otlpJSONLines, .otlpJSON, .nodewardJSONL])
        expectSame(inputs, "Samples/fleet")
    }

    @Test func traceFixturesDecodeIdentically() throws {
        let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("traces")
        for folder in ["good", "bad"] {
            let paths = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
                .sorted().map { root.appendingPathComponent(folder).appendingPathComponent($0).path }
            for path in paths {
                var reference = TraceReaderOptions()
                reference.decoder = .reference
                var fastOptions = TraceReaderOptions()
                fastOptions.decoder = .fast
                for chunk in [7, 1 << 20] {
                    reference.readChunkBytes = chunk
                    fastOptions.readChunkBytes = chunk
                    let difference = FastIngest.firstDifference(
                        FastIngest.read(paths: [path], fastOptions), FastIngest.read(paths: [path], reference))
                    #expect(difference == nil, "\(path) chunk \(chunk): \(difference ?? "")")
                }
            }
        }
    }

    @Test(arguments: [FleetTraceFormat.jsonl, .otlp, .mixed])
    func seededGeneratedFleetsDecodeIdentically(format: FleetTraceFormat) throws {
        for seed in UInt64(1)...4 {
            let inputs = try FastIngest.generatedTraces(FleetOptions(runs: 60, tenants: 3 + Int(seed), seed: seed, format: format))
            #expect(!inputs.isEmpty)
            expectSame(inputs, "\(format) seed \(seed)")
        }
    }

    /// Each sample line mutated many ways (fields removed, wrong types, escapes, unicode, numbers at the
    /// edges, duplicate keys, truncation), behind one intact line so the format is detected as it is.
    @Test func mutatedLinesDecodeIdentically() throws {
        var mutator = LineMutator(random: SplitMix64(state: 7))
        for name in ["globex.steps.jsonl", "acme.otlp.jsonl"] {
            let lines = FastIngest.lines(Array(try Data(contentsOf: FastIngest.sampleTraces.appendingPathComponent(name))))
            let sample = Array(lines.prefix(40))
            var compared = 0
            for round in 0..<25 {
                var file = sample[0] + [0x0A]
                for line in sample.dropFirst() {
                    file += mutator.mutate(line) + [0x0A]
                    file += line + [0x0A]
                }
                expectSame([(name, file)], chunk: round % 5 == 0 ? 13 : 1 << 20, "\(name) round \(round)")
                compared += sample.count
            }
            #expect(compared >= 1000)
        }
    }

    /// The mutations reach both the fast decoder's "taken" and "reference" outcomes (a differential test
    /// where every mutated line is invalid JSON would prove little).
    @Test func mutationsProduceValidAndInvalidLines() throws {
        var mutator = LineMutator(random: SplitMix64(state: 11))
        let lines = FastIngest.lines(Array(try Data(contentsOf: FastIngest.sampleTraces.appendingPathComponent("globex.steps.jsonl"))))
        var valid = 0
        var invalid = 0
        for line in lines.prefix(300) {
            let mutated = mutator.mutate(line)
            if (try? ByteJSONParser().parse(mutated[...])) != nil { valid += 1 } else { invalid += 1 }
        }
        #expect(valid > 50 && invalid > 50, "valid \(valid), invalid \(invalid)")
    }

    /// Hand-written edge cases, each on its own line after an intact record.
    @Test func edgeCaseLinesDecodeIdentically() {
        let head = #"{"tenant":"t","agent":"a","run":"r","step":"s0","time":"2026-11-02T00:40:40Z","kind":"llm","operation":"m"}"#
        let cases = [
            #"{"tenant":"t","agent":"a","run":"r","step":"s1","time":1,"kind":"llm","operation":"m","tenant":"u"}"#,
            #"{"tenant":"t","tenant":null,"agent":"a","run":"r","step":"s2","time":1,"kind":"llm","operation":"m"}"#,
            #"{"ten\u0061nt":"t","agent":"a","run":"r","step":"s3","time":1,"kind":"llm","operation":"m"}"#,
            #"{"tenant":"t\u00e9","agent":"a😀","run":"r","step":"s4","time":-9223372036854775808,"kind":"llm","operation":"m"}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s5","time":9223372036854775808,"kind":"llm","operation":"m"}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s6","time":1.0,"kind":"llm","operation":"m"}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s7","time":1,"kind":"llm","operation":"m","x":1e999}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s8","time":1,"kind":"llm","operation":"m","x":[1,]}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s9","time":1,"kind":"llm","operation":"m"} x"#,
            "\u{FEFF}" + #"{"tenant":"t","agent":"a","run":"r","step":"s10","time":1,"kind":"llm","operation":"m"}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s11","time":1,"kind":"llm","operation":"m","x":"\ud800"}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s12","time":1,"kind":"llm","operation":"m","arguments":[]}"#,
            #"{"tenant":"t","agent":"a","run":"r","step":"s13","time":1,"kind":"llm","operation":"m","x":"#
                + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}",
            #"{"type":"run","tenant":"t","run":"r","request":"hi","v":1}"#,
            #"{"type":"run","tenant":"t","run":"r","v":1.0}"#,
            "[1,2]", "\"text\"", "{}", "{", #"{"tenant":"t","agent""#,
        ]
        let text = ([head] + cases).joined(separator: "\n")
        expectSame([("edge.jsonl", Array(text.utf8))], "JSONL edge cases")
        expectSame([("edge.jsonl", Array(text.utf8).dropLast(3).map { $0 })], "JSONL edge cases, truncated")

        let span = #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","startTimeUnixNano":"1","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"m"}}]}"#
        let otlp = [
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[SPAN]}]}]}"#,
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[SPAN]}],"resource":{"attributes":[{"key":"tenant.id","value":{"stringValue":"t"}}]}}]}"#,
            #"{"resourceSpans":[{"scopeSpans":{"x":1},"instrumentationLibrarySpans":[{"spans":[SPAN]}]}]}"#,
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[SPAN],"spans":[]}]}]}"#,
            #"{"resourceSpans":[{"scopeSpans":[1,{"spans":"x"},{"spans":[SPAN,7,null]}]}]}"#,
            #"{"resourceSpans":[3,{"scopeSpans":[{"spans":[SPAN]}]}]}"#,
            #"{"resourceSpans":{}}"#, #"{"x":1}"#, #"{"resourceSpans":[],"resourceSpans":[{"scopeSpans":[{"spans":[SPAN]}]}]}"#,
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319d","spanId":"b7ad6b7169203331","startTimeUnixNano":1,"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat","intValue":1}},{"value":{"stringValue":"m"},"key":"gen_ai.request.model"},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}},{"key":"x","value":{"arrayValue":{"values":[{"intValue":1}]}}},{"key":"server.port","value":{"doubleValue":8.0}},{"key":3},7]}]}]}]}"#,
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319e","spanId":"b7ad6b7169203331","startTimeUnixNano":"1","attributes":{"key":"x"},"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"t"}},{"key":"gen_ai.tool.name","value":{}}]}]}]}]}"#,
        ].map { $0.replacingOccurrences(of: "SPAN", with: span) }
        expectSame([("edge.otlp.jsonl", Array(otlp.joined(separator: "\n").utf8))], "OTLP edge cases")
    }

    /// "Must agree with Foundation's parser on every valid document": the fast decoder's steps equal the
    /// reference path's with `FoundationJSONParser` behind it, on the samples and generated fleets.
    @Test func agreesWithFoundationOnValidDocuments() throws {
        var corpora: [(String, [(file: String, bytes: [UInt8])])] = [("Samples/fleet", try FastIngest.files(in: FastIngest.sampleTraces))]
        for (seed, format) in [(UInt64(21), FleetTraceFormat.jsonl), (22, .otlp), (23, .mixed)] {
            corpora.append(("\(format) seed \(seed)", try FastIngest.generatedTraces(FleetOptions(runs: 80, tenants: 4, seed: seed, format: format))))
        }
        for (name, inputs) in corpora {
            let foundation = FastIngest.read(inputs, FastIngest.options(.reference, parser: FoundationJSONParser()))
            let fast = FastIngest.read(inputs, FastIngest.options(.fast))
            #expect(foundation.summary.skipped[.traceJSON] == nil, "\(name)")
            #expect(fast.summary.steps > 0)
            let difference = FastIngest.firstDifference(fast, foundation)
            #expect(difference == nil, "\(name): \(difference ?? "")")
        }
    }
}
