import Foundation
import Testing
import NodewardCore

/// ByteJSONParser against FoundationJSONParser on the sample fleet and on a seeded random corpus.
///
/// Documented divergences (allowed by `ByteJSONComparison`, counted, and asserted on directly in
/// ByteJSONNumberTests): Foundation on Linux rounds some decimals a few ulps off (ByteJSON is correctly
/// rounded); Foundation returns 19-digit negative integers (-1e18 and below, to Int64.min) as `.double`,
/// losing precision (ByteJSON: the exact `.int`); Foundation's
/// conversion wraps integers in (Int64.max, UInt64.max] into negative `.int`s (ByteJSON: `.double`).
@Suite struct ByteJSONDifferentialTests {
    static let tracesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/fleet/traces")

    @Test func everySampleLineParsesLikeFoundation() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.tracesFolder.path)
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        #expect(names.count >= 5)
        var lines = 0
        var comparison = ByteJSONComparison()
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: Self.tracesFolder.appendingPathComponent(name)))
            for (number, line) in bytes.split(separator: 0x0A).enumerated() {
                let ours = try ByteJSONParser().parse(line)
                let theirs = try FoundationJSONParser().parse(line)
                let difference = comparison.difference(ours, theirs)
                #expect(difference == nil, "\(name):\(number + 1): \(difference ?? "")")
                lines += 1
            }
        }
        #expect(lines > 1_000)
    }

    @Test func wholeExportDocumentParsesLikeFoundation() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.tracesFolder.appendingPathComponent("initech-export.json")))
        let ours = try ByteJSONParser().parse(bytes[...])
        var comparison = ByteJSONComparison()
        #expect(comparison.difference(ours, try FoundationJSONParser().parse(bytes[...])) == nil)
        #expect(ours["resourceSpans"]?.arrayValue?.isEmpty == false)
    }

    @Test func fixtureDocumentsParseLikeFoundation() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("json")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(!names.isEmpty)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            var comparison = ByteJSONComparison()
            let difference = comparison.difference(try ByteJSONParser().parse(bytes[...]),
                                                   try FoundationJSONParser().parse(bytes[...]))
            #expect(difference == nil, "\(name): \(difference ?? "")")
        }
    }

    /// The generator knows the value it wrote, so ByteJSON is held to exact equality with it; Foundation
    /// only to equality modulo the documented divergences.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func generatedCorpusParsesToTheGeneratedValue(seed: UInt64) throws {
        var generator = RandomJSONGenerator(seed: seed)
        var comparison = ByteJSONComparison()
        for index in 0..<250 {
            let (expected, text) = generator.document()
            let bytes = ArraySlice(Array(text.utf8))
            let ours = try ByteJSONParser().parse(bytes)
            // `==` on strings is canonical equivalence; the scalar comparison also catches normalisation.
            #expect(ours == expected, "seed \(seed) document \(index)")
            #expect(ours.canonicalText.unicodeScalars.elementsEqual(expected.canonicalText.unicodeScalars))
            let theirs = try FoundationJSONParser().parse(bytes)
            let difference = comparison.difference(ours, theirs)
            #expect(difference == nil, "seed \(seed) document \(index): \(difference ?? "")")
        }
        // The corpus really reaches the edges the divergences are about.
        #expect(comparison.negativeIntegerAsDouble > 0)
        #expect(comparison.wrappedUnsigned > 0)
    }
}

/// Structural equality that tolerates exactly the documented Foundation divergences, and counts them.
struct ByteJSONComparison {
    var roundedDifferently = 0
    var negativeIntegerAsDouble = 0
    var wrappedUnsigned = 0

    /// nil when equal (modulo the divergences), else where and how they differ. Never prints values.
    mutating func difference(_ ours: JSONValue, _ theirs: JSONValue, path: String = "$") -> String? {
        switch (ours, theirs) {
        case (.object(let left), .object(let right)):
            guard left.keys.sorted() == right.keys.sorted() else { return "\(path): different keys" }
            for key in left.keys.sorted() {
                if let found = difference(left[key]!, right[key]!, path: "\(path).\(key)") { return found }
            }
            return nil
        case (.array(let left), .array(let right)):
            guard left.count == right.count else { return "\(path): \(left.count) vs \(right.count) items" }
            for index in left.indices {
                if let found = difference(left[index], right[index], path: "\(path)[\(index)]") { return found }
            }
            return nil
        case (.string(let left), .string(let right)):
            return left.unicodeScalars.elementsEqual(right.unicodeScalars) ? nil : "\(path): strings differ"
        case (.double(let left), .double(let right)) where left != right:
            guard left.sign == right.sign, Self.ulps(left, right) <= 16 else { return "\(path): doubles differ" }
            roundedDifferently += 1
            return nil
        case (.int(let left), .double(let right)) where left <= -1_000_000_000_000_000_000 && Double(left) == right:
            negativeIntegerAsDouble += 1
            return nil
        case (.double(let left), .int(let right)) where right < 0 && left == Double(UInt64(bitPattern: right)):
            wrappedUnsigned += 1
            return nil
        default:
            return ours == theirs ? nil : "\(path): \(ours.typeName) vs \(theirs.typeName) differ"
        }
    }

    static func ulps(_ left: Double, _ right: Double) -> UInt64 {
        let (a, b) = (left.magnitude.bitPattern, right.magnitude.bitPattern)
        return a > b ? a - b : b - a
    }
}
