import Foundation
import Testing
import NodewardCore

/// Throughput of the reader on a large generated file. Opt-in: set NODEWARD_TRACE_BENCH to the file's
/// path (run it in a release build; debug figures are several times lower).
@Suite struct TraceBenchmarkTests {
    static let path = ProcessInfo.processInfo.environment["NODEWARD_TRACE_BENCH"]

    @Test(.enabled(if: path != nil)) func throughputWithDefaultParser() throws {
        try measure(TraceReaderOptions(), label: "FoundationJSONParser")
    }

    /// The same JSONSerialization with containers cast first: isolates the cost of the default parser's
    /// cast order (casting a container to String bridges it to NSDictionary/NSArray, recursively).
    @Test(.enabled(if: path != nil)) func throughputWithContainerFirstCasts() throws {
        var options = TraceReaderOptions()
        options.parser = ContainerFirstFoundationParser()
        try measure(options, label: "container-first casts")
    }

    private func measure(_ options: TraceReaderOptions, label: String) throws {
        let path = try #require(Self.path)
        let clock = ContinuousClock()
        var steps = 0
        var summary = TraceReadSummary()
        let elapsed = clock.measure {
            summary = TraceReader(options: options).read(paths: [path]) { steps += $0.steps.count }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(summary.bytes) / 1_048_576
        print("trace bench [\(label)]: \(String(format: "%.1f", megabytes)) MiB, \(summary.records) spans, \(steps) steps, \(summary.runs) runs in \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", megabytes / seconds)) MiB/s, \(String(format: "%.0f", Double(summary.records) / seconds)) spans/s, maxOpenRuns \(summary.maxOpenRuns), skipped \(summary.skippedTotal)")
        #expect(summary.skippedTotal == 0)
        #expect(steps == summary.steps)
    }
}

/// Benchmark-only: FoundationJSONParser's conversion with the casts reordered.
struct ContainerFirstFoundationParser: JSONParsing {
    func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseFailure) -> JSONValue {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw JSONParseFailure("\(error)")
        }
        return try convert(object, depth: 0)
    }

    private func convert(_ object: Any, depth: Int) throws(JSONParseFailure) -> JSONValue {
        guard depth <= 128 else { throw JSONParseFailure("too deep") }
        if let members = object as? [String: Any] {
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(members.count)
            for (key, value) in members { values[key] = try convert(value, depth: depth + 1) }
            return .object(values)
        }
        if let items = object as? [Any] {
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try convert(item, depth: depth + 1)) }
            return .array(values)
        }
        if let text = object as? String { return .string(text) }
        if let number = object as? NSNumber {
            let type = String(cString: number.objCType)
            if type == "c" { return .bool(number.boolValue) }
            if type == "d" || type == "f" { return .double(number.doubleValue) }
            return .int(number.int64Value)
        }
        if object is NSNull { return .null }
        throw JSONParseFailure("unsupported JSON value")
    }
}
