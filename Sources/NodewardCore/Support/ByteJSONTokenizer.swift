/// Pull-tokenizer primitives over `ByteJSONScanner` for decoders that walk a document's envelope
/// themselves: match keys against known names without allocating, skip unknown values while validating
/// them exactly as `parseValue` would, and materialize only the values a decoder keeps.
///
/// Every routine accepts exactly what `ByteJSONParser` accepts (same grammar, same UTF-8 and depth rules),
/// so a decoder that reaches the end of a line without an error has seen a document the reference parser
/// accepts too. Messages on failure do not matter: callers then hand the line to the reference path.
extension ByteJSONScanner {
    /// Skips a byte order mark and leading whitespace; fails on empty input.
    mutating func beginDocument() throws(JSONParseFailure) {
        guard !bytes.isEmpty else { throw endOfInput() }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        skipWhitespace()
    }

    /// Only whitespace may follow the top-level value.
    mutating func endDocument() throws(JSONParseFailure) {
        skipWhitespace()
        if position < bytes.count { throw unexpected(at: position) }
    }

    /// The byte at the cursor after whitespace, or nil at the end.
    @inline(__always) mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    @inline(__always) mutating func expect(_ byte: UInt8) throws(JSONParseFailure) {
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == byte else { throw unexpected(at: position) }
        position += 1
    }

    /// After `{` or `[` has been consumed: true when the container is empty (its closer is consumed too).
    mutating func closesImmediately(_ closer: UInt8) -> Bool {
        skipWhitespace()
        if position < bytes.count, bytes[position] == closer {
            position += 1
            return true
        }
        return false
    }

    /// After a member or element: true on `,` (another one follows), false on `closer` (consumed).
    mutating func nextMember(closer: UInt8) throws(JSONParseFailure) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        let byte = bytes[position]
        if byte == UInt8(ascii: ",") {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == closer { throw unexpected(at: position) }
            return true
        }
        guard byte == closer else { throw unexpected(at: position) }
        position += 1
        return false
    }

    /// A member key and its colon. Returns the raw bytes of a key without escapes, or nil for a key with
    /// escapes (validated; callers treat such keys as unusual and take the reference path).
    mutating func scanKey() throws(JSONParseFailure) -> Range<Int>? {
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        guard bytes[position] == UInt8(ascii: "\"") else { throw unexpected(at: position) }
        let range = try scanString()
        try expect(UInt8(ascii: ":"))
        return range
    }

    /// Validates the string at the cursor (on its quote) and returns its contents' range when it has no
    /// escapes; nil when it has (then it was decoded once, into the scratch buffer, to validate it).
    mutating func scanString() throws(JSONParseFailure) -> Range<Int>? {
        let start = position + 1
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return start..<index
            }
            if byte == UInt8(ascii: "\\") {
                _ = try parseString()
                return nil
            }
            if byte < 0x20 { throw unexpected(at: index) }
            index = byte < 0x80 ? index + 1 : try validateUTF8Sequence(at: index)
        }
        throw endOfInput()
    }

    /// True when `range` holds exactly the ASCII bytes of `name`.
    @inline(__always) func bytes(_ range: Range<Int>, equal name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        var offset = 0
        for index in range {
            guard bytes[index] == expected[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// A string value (the cursor on anything): nil when the value is not a string (the cursor is then
    /// unmoved, past whitespace).
    mutating func stringIfPresent() throws(JSONParseFailure) -> String? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        return try parseString()
    }

    /// The value at the cursor, materialized, when it sits at nesting depth `depth` of its document.
    mutating func value(atDepth depth: Int, maxDepth: Int) throws(JSONParseFailure) -> JSONValue {
        // Strings are most of what decoders keep: straight to `parseString`, past the container machinery.
        if peek() == UInt8(ascii: "\""), depth <= maxDepth { return .string(try parseString()) }
        return try parseValue(maxDepth: maxDepth - depth)
    }

    /// Skips the value at the cursor without building it, validating it exactly as `parseValue` does.
    mutating func skipValue(atDepth depth: Int, maxDepth: Int) throws(JSONParseFailure) {
        guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels", at: position) }
        skipWhitespace()
        guard position < bytes.count else { throw endOfInput() }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            if closesImmediately(UInt8(ascii: "}")) { return }
            repeat {
                _ = try scanKey()
                try skipValue(atDepth: depth + 1, maxDepth: maxDepth)
            } while try nextMember(closer: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            position += 1
            if closesImmediately(UInt8(ascii: "]")) { return }
            repeat {
                try skipValue(atDepth: depth + 1, maxDepth: maxDepth)
            } while try nextMember(closer: UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try parseNumber()
        default:
            throw unexpected(at: position)
        }
    }
}
