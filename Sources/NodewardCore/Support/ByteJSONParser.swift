/// A single-pass RFC 8259 parser over raw bytes that builds `JSONValue` directly: no Foundation objects,
/// no intermediate containers. Iterative (an explicit container stack), so deep input is rejected at
/// `maxDepth` and can never overflow the call stack.
///
/// Where it deliberately differs from `FoundationJSONParser` (each divergence is asserted in the
/// ByteJSONNumberTests and ByteJSONInvalidTests suites):
/// - rejects trailing commas (`[1,]`, `{"a":1,}`) and a NUL byte after a top-level number (`1\0`),
///   which Foundation accepts;
/// - decimal numbers are correctly rounded (Foundation on Linux is off by a few ulps for ~25% of
///   17-digit decimals);
/// - integers in Int64's range are `.int`, including 19-digit negatives (Foundation: lossy `.double`);
///   integers above Int64.max are `.double` (Foundation's conversion wraps them into negative `.int`s).
public struct ByteJSONParser: JSONParsing {
    /// A value nested inside more containers than this is rejected (same rule as `FoundationJSONParser`:
    /// the top-level value is at depth 0).
    public var maxDepth: Int

    public init(maxDepth: Int = 128) { self.maxDepth = maxDepth }

    public func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseFailure) -> JSONValue {
        let maxDepth = self.maxDepth
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseFailure) -> JSONValue in
                var scanner = ByteJSONScanner(buffer)
                return try scanner.parseDocument(maxDepth: maxDepth)
            }
        }
        return try result.get()
    }
}

/// The cursor every parse step reads through. Offsets in messages are relative to the input's start.
struct ByteJSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Reused for strings that contain escapes, so each such string costs one buffer, not one per string.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument(maxDepth: Int) throws(JSONParseFailure) -> JSONValue {
        guard !bytes.isEmpty else { throw JSONParseFailure("empty input at offset 0 (line 1, column 1)") }
        // RFC 8259 §8.1 lets a parser ignore a byte order mark; Foundation does too.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        let value = try parseValue(maxDepth: maxDepth)
        skipWhitespace()
        if position < bytes.count {
            throw failure("unexpected \(Self.describe(bytes[position])) after the value", at: position)
        }
        return value
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Consumes `literal` (ASCII) at the cursor.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseFailure) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for (index, byte) in expected.enumerated() {
            let offset = position + index
            guard offset < bytes.count else { throw endOfInput() }
            guard bytes[offset] == byte else { throw unexpected(at: offset) }
        }
        position += expected.count
    }

    // MARK: Failures

    /// "unexpected character 'x' at offset 17 (line 1, column 18); expected ':'".
    func failure(_ problem: String, at offset: Int, expecting: String? = nil) -> JSONParseFailure {
        let (line, column) = lineAndColumn(of: offset)
        let hint = expecting.map { "; expected \($0)" } ?? ""
        return JSONParseFailure("\(problem) at offset \(offset) (line \(line), column \(column))\(hint)")
    }

    func endOfInput() -> JSONParseFailure { failure("unexpected end of input", at: bytes.count) }

    func unexpected(at offset: Int, expecting: String? = nil) -> JSONParseFailure {
        guard offset < bytes.count else { return endOfInput() }
        return failure("unexpected \(Self.describe(bytes[offset]))", at: offset, expecting: expecting)
    }

    /// Only computed on failure, so the hot path never counts lines. Columns count bytes, from 1.
    private func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// A printable ASCII byte as itself, anything else as hex (never a run of input text).
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte <= 0x7E { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte \(hex(byte))"
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
