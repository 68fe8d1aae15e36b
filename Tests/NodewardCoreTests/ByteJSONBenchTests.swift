import Foundation
import Testing
import NodewardCore

/// Parser throughput on every line of a file. Opt-in: set NODEWARD_JSON_BENCH to the file's path, and run
/// in a release build (`swift test -c release --filter ByteJSONBench`); debug figures are far lower.
/// Serialized, so the measurements do not compete with each other for cores.
@Suite(.serialized) struct ByteJSONBenchTests {
    static let path = ProcessInfo.processInfo.environment["NODEWARD_JSON_BENCH"]

    @Test(.enabled(if: path != nil)) func throughputOfBothParsers() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(Self.path))))
        let lines = bytes.split(separator: 0x0A)
        let byteJSON = measure(ByteJSONParser(), "ByteJSONParser", lines)
        let foundation = measure(FoundationJSONParser(), "FoundationJSONParser", lines)
        #expect(byteJSON.failures == foundation.failures)
        measureContainerFloor(lines)
        let speedup = byteJSON.megabytesPerSecond / foundation.megabytesPerSecond
        print("json bench: ByteJSONParser is \(String(format: "%.1f", speedup))x FoundationJSONParser")
    }

    /// End to end: the trace reader on the same file with each parser behind the seam.
    @Test(.enabled(if: path != nil)) func traceReaderThroughputWithEachParser() throws {
        let path = try #require(Self.path)
        for (label, parser) in [("ByteJSONParser", ByteJSONParser()), ("FoundationJSONParser", FoundationJSONParser())]
            as [(String, any JSONParsing)] {
            var options = TraceReaderOptions()
            options.parser = parser
            var summary = TraceReadSummary()
            let elapsed = ContinuousClock().measure { summary = TraceReader(options: options).read(paths: [path]) { _ in } }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(summary.bytes) / 1_000_000 / seconds
            print("json bench [TraceReader + \(label)]: \(String(format: "%.1f", rate)) MB/s, \(summary.steps) steps")
            #expect(summary.skippedTotal == 0)
        }
    }

    /// The cost of JSONValue itself: rebuilding the parsed trees' dictionaries and arrays (strings shared,
    /// no scanning) and dropping them. No parser that returns JSONValue can beat this rate.
    private func measureContainerFloor(_ lines: [ArraySlice<UInt8>]) {
        let parsed = lines.compactMap { try? ByteJSONParser().parse($0) }
        var members = 0
        let elapsed = ContinuousClock().measure {
            for value in parsed { if case .object(let object) = Self.rebuild(value) { members += object.count } }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(lines.reduce(0) { $0 + $1.count }) / 1_000_000
        print("json bench [JSONValue containers only]: \(String(format: "%.1f", megabytes / seconds)) MB/s (\(members) members)")
    }

    private static func rebuild(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var rebuilt: [String: JSONValue] = [:]
            rebuilt.reserveCapacity(members.count)
            for (key, member) in members { rebuilt[key] = rebuild(member) }
            return .object(rebuilt)
        case .array(let items): return .array(items.map(rebuild))
        default: return value
        }
    }

    private func measure(_ parser: some JSONParsing, _ label: String, _ lines: [ArraySlice<UInt8>])
        -> (megabytesPerSecond: Double, failures: Int) {
        var failures = 0
        var members = 0
        let elapsed = ContinuousClock().measure {
            for line in lines {
                do {
                    if case .object(let object) = try parser.parse(line) { members += object.count }
                } catch { failures += 1 }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let megabytes = Double(lines.reduce(0) { $0 + $1.count }) / 1_000_000
        let rate = megabytes / seconds
        let figures = String(format: "%.1f MB in %.2f s = %.1f MB/s", megabytes, seconds, rate)
        print("json bench [\(label)]: \(lines.count) lines, \(figures) (\(failures) failures, \(members) members)")
        return (rate, failures)
    }
}
