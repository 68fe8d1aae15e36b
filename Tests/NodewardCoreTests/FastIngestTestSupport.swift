import Foundation
import NodewardCore
import NodewardSamples

/// Reads the same inputs through the fast and the reference decoder and says where they differ.
enum FastIngest {
    struct Outcome: Equatable {
        var runs: [Run]
        var summary: TraceReadSummary
    }

    static let sampleTraces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet/traces")

    static func options(
        _ decoder: TraceDecoderChoice, threads: Int = 1, parser: any JSONParsing = ByteJSONParser(), chunk: Int = 1 << 20
    ) -> TraceReaderOptions {
        var options = TraceReaderOptions()
        options.decoder = decoder
        options.decodeThreads = threads
        options.parser = parser
        options.readChunkBytes = chunk
        return options
    }

    static func read(_ inputs: [(file: String, bytes: [UInt8])], _ options: TraceReaderOptions) -> Outcome {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: inputs) { runs.append($0) }
        return Outcome(runs: runs, summary: summary)
    }

    static func read(paths: [String], _ options: TraceReaderOptions) -> Outcome {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: paths) { runs.append($0) }
        return Outcome(runs: runs, summary: summary)
    }

    /// Reads `path` with the fast and the reference decoder under `options`, at a 7-byte and a 1 MiB
    /// read chunk, and returns each difference found, labelled with the chunk size.
    static func decoderDifferences(path: String, options: TraceReaderOptions) -> [String] {
        var reference = options
        reference.decoder = .reference
        var fast = options
        fast.decoder = .fast
        var differences: [String] = []
        for chunk in [7, 1 << 20] {
            reference.readChunkBytes = chunk
            fast.readChunkBytes = chunk
            if let difference = firstDifference(read(paths: [path], fast), read(paths: [path], reference)) {
                differences.append("chunk \(chunk): \(difference)")
            }
        }
        return differences
    }

    /// The first difference between two outcomes, step by step and diagnostic by diagnostic; nil if equal.
    static func firstDifference(_ fast: Outcome, _ reference: Outcome) -> String? {
        if fast.summary.diagnostics != reference.summary.diagnostics {
            for (index, pair) in zip(fast.summary.diagnostics, reference.summary.diagnostics).enumerated() where pair.0 != pair.1 {
                return "diagnostic \(index): fast \(pair.0) vs reference \(pair.1)"
            }
            return "diagnostic counts: fast \(fast.summary.diagnostics.count) vs reference \(reference.summary.diagnostics.count)"
        }
        let fastSteps = fast.runs.flatMap(\.steps)
        let referenceSteps = reference.runs.flatMap(\.steps)
        for (index, pair) in zip(fastSteps, referenceSteps).enumerated() where pair.0 != pair.1 {
            return "step \(index) (\(pair.1.source)): fast \(pair.0) vs reference \(pair.1)"
        }
        if fastSteps.count != referenceSteps.count { return "step counts: fast \(fastSteps.count) vs reference \(referenceSteps.count)" }
        if fast.runs != reference.runs { return "runs differ outside their steps" }
        if fast.summary != reference.summary { return "summaries differ: fast \(fast.summary) vs reference \(reference.summary)" }
        return nil
    }

    /// Every file of a folder, sorted, as in-memory inputs named by their file name.
    static func files(in folder: URL) throws -> [(file: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    /// A generated fleet's trace files (the generator writes into a temporary folder, removed after).
    static func generatedTraces(_ options: FleetOptions) throws -> [(file: String, bytes: [UInt8])] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-fast-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try NodewardSamples.generate(options, into: root, force: false)
        return try files(in: root.appendingPathComponent("traces"))
    }

    /// Non-blank lines of a line-form file.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A).map(Array.init).filter { !$0.isEmpty }
    }
}

/// Deterministic line mutations for the differential test: each keeps some of the line's structure so
/// that the decoders get deep into it before they meet the change.
struct LineMutator {
    var random: SplitMix64

    static let names = [
        "v", "type", "tenant", "agent", "run", "step", "time", "kind", "operation", "workflow", "request", "end", "parents",
        "inputs", "resources", "arguments", "result", "tokens", "items", "principal", "legacy", "executed", "status",
        "resourceSpans", "scopeSpans", "instrumentationLibrarySpans", "resource", "spans", "attributes", "traceId",
        "spanId", "parentSpanId", "startTimeUnixNano", "endTimeUnixNano", "name", "key", "value", "stringValue",
        "intValue", "boolValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue", "values", "code",
    ]
    static let values = [
        "null", "true", "false", "0", "-0", "1", "2", "-1", "1.5", "1e2", "1E400", "-1e-400", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "12345678901234567890123", "\"\"",
        "\"x\"", "\"step\"", "\"run\"", "\"tool_call\"", "\"2026-11-02T00:40:40.129Z\"", "\"1793578274770000000\"",
        "\"\\u00e9t\\u00E9\"", "\"\\ud83d\\ude00\"", "\"é😀\"", "\"a\\\"b\"", "[]", "{}", "[1,\"a\"]", "[\"s1\"]",
        "{\"stringValue\":\"x\"}", "{\"intValue\":\"7\"}", "{\"a\":{\"b\":[{}]}}", "{\"effect\":\"deny\"}",
        "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}}",
    ]
    static let bytes: [UInt8] = Array("\"\\{}[],:0-e .a".utf8) + [0x00, 0x1F, 0xC3, 0xE2, 0xED, 0xF0, 0xFF, 0x80]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func pickOptional(_ items: [Int]) -> Int? { items.isEmpty ? nil : pick(items) }
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random.next() % UInt64(bound)) }

    mutating func mutate(_ line: [UInt8]) -> [UInt8] {
        var line = line
        guard !line.isEmpty else { return line }
        switch below(9) {
        case 0: // truncated
            line.removeLast(1 + below(line.count))
        case 1: // one byte changed
            line[below(line.count)] = pick(Self.bytes)
        case 2: // a member inserted after a '{' (a later duplicate wins, so the original wins here)
            insertMember(&line, afterOpening: true)
        case 3: // a member inserted before a '}' (it replaces an earlier duplicate)
            insertMember(&line, afterOpening: false)
        case 4: // a value replaced by one of another type or at a number's edge
            replaceValue(&line)
        case 5: // a letter escaped, inside a key or a value
            if let index = pickOptional(positions(in: line, where: { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A })) {
                let hex = String(line[index], radix: 16)
                line.replaceSubrange(index...index, with: Array("\\u00\(hex)".utf8))
            }
        case 6: // a member removed: from a key's quote to the next comma
            if let key = pickOptional(positions(in: line, where: { $0 == UInt8(ascii: "\"") })),
               let comma = line[key...].firstIndex(of: UInt8(ascii: ",")) {
                line.removeSubrange(key...comma)
            }
        case 7: // unicode or whitespace inserted
            let insert = pick([" ", "\t", "é", "😀", "\\u0000", "\u{FEFF}"])
            line.insert(contentsOf: Array(insert.utf8), at: below(line.count + 1))
        default: // two mutations
            line = mutate(mutate(line))
        }
        return line
    }

    private mutating func insertMember(_ line: inout [UInt8], afterOpening: Bool) {
        let member = "\"\(pick(Self.names))\":\(pick(Self.values))"
        let target = afterOpening ? UInt8(ascii: "{") : UInt8(ascii: "}")
        guard let index = pickOptional(positions(in: line, where: { $0 == target })) else { return }
        if afterOpening {
            line.insert(contentsOf: Array((member + ",").utf8), at: index + 1)
        } else {
            line.insert(contentsOf: Array(("," + member).utf8), at: index)
        }
    }

    /// Replaces the value after a random `":` with one from the list.
    private mutating func replaceValue(_ line: inout [UInt8]) {
        let colons = positions(in: line, where: { $0 == UInt8(ascii: ":") })
        guard let colon = pickOptional(colons) else { return }
        var end = colon + 1
        var depth = 0
        var inString = false
        while end < line.count {
            let byte = line[end]
            if inString {
                if byte == UInt8(ascii: "\\") { end += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ",") {
                if depth == 0 { break }
                if byte != UInt8(ascii: ",") { depth -= 1 }
            }
            end += 1
        }
        line.replaceSubrange((colon + 1)..<min(end, line.count), with: Array(pick(Self.values).utf8))
    }

    private func positions(in line: [UInt8], where predicate: (UInt8) -> Bool) -> [Int] {
        line.indices.filter { predicate(line[$0]) }
    }
}

