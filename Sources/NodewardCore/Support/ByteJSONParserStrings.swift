/// Strings: validated in place; a string without escapes becomes a `String` straight from the input bytes.
extension ByteJSONScanner {
    /// The cursor is on the opening quote; on return it is past the closing quote.
    mutating func parseString() throws(JSONParseFailure) -> String {
        let start = position + 1
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(start: start, firstEscape: index) }
            if byte < 0x20 { throw controlCharacter(byte, at: index) }
            index = byte < 0x80 ? index + 1 : try validateUTF8Sequence(at: index)
        }
        throw endOfInput()
    }

    /// The slow path: the unescaped text is assembled in `scratch`, copying runs between escapes at once.
    private mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseFailure) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var index = firstEscape
        var runStart = firstEscape
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                position = index + 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index = try decodeEscape(at: index)
                runStart = index
                continue
            }
            if byte < 0x20 { throw controlCharacter(byte, at: index) }
            index = byte < 0x80 ? index + 1 : try validateUTF8Sequence(at: index)
        }
        throw endOfInput()
    }

    /// Decodes the escape whose backslash is at `index` into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int) throws(JSONParseFailure) -> Int {
        guard index + 1 < bytes.count else { throw endOfInput() }
        let decoded: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"): return try decodeUnicodeEscape(at: index)
        default: throw failure("invalid escape in a string: \(Self.describe(bytes[index + 1]))", at: index)
        }
        scratch.append(decoded)
        return index + 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair; an unpaired surrogate is an error (it is not a scalar).
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONParseFailure) -> Int {
        let unit = try hexQuad(at: index + 2, escapeAt: index)
        var next = index + 6
        let scalar: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            guard next < bytes.count else { throw endOfInput() }
            guard bytes[next] == UInt8(ascii: "\\") else { throw unpairedSurrogate(unit, at: index) }
            guard next + 1 < bytes.count else { throw endOfInput() }
            guard bytes[next + 1] == UInt8(ascii: "u") else { throw unpairedSurrogate(unit, at: index) }
            let low = try hexQuad(at: next + 2, escapeAt: next)
            guard (0xDC00...0xDFFF).contains(low) else { throw unpairedSurrogate(unit, at: index) }
            scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw unpairedSurrogate(unit, at: index)
        default:
            scalar = unit
        }
        appendUTF8(scalar)
        return next
    }

    private func hexQuad(at index: Int, escapeAt: Int) throws(JSONParseFailure) -> UInt32 {
        var unit: UInt32 = 0
        for offset in index..<(index + 4) {
            guard offset < bytes.count else { throw endOfInput() }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape: \(Self.describe(byte)) is not a hex digit", at: escapeAt)
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// One multi-byte UTF-8 sequence led by `bytes[index]` (≥ 0x80), per RFC 3629 §4: no overlong forms,
    /// no UTF-16 surrogates (ED A0..BF), nothing above U+10FFFF. Returns the index after the sequence.
    @inline(__always)
    func validateUTF8Sequence(at index: Int) throws(JSONParseFailure) -> Int {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw invalidUTF8(at: index)
        }
        for offset in (index + 1)..<(index + length) {
            // A sequence cut short by the end of the input reads as truncation, like every other cut.
            guard offset < bytes.count else { throw endOfInput() }
            let byte = bytes[offset]
            guard byte >= lower, byte <= upper else { throw invalidUTF8(at: index) }
            lower = 0x80
            upper = 0xBF
        }
        return index + length
    }

    private func invalidUTF8(at index: Int) -> JSONParseFailure {
        failure("invalid UTF-8 sequence starting with byte \(Self.hex(bytes[index]))", at: index)
    }

    private func controlCharacter(_ byte: UInt8, at index: Int) -> JSONParseFailure {
        failure("unescaped control character \(Self.hex(byte)) in a string", at: index)
    }

    private func unpairedSurrogate(_ unit: UInt32, at index: Int) -> JSONParseFailure {
        failure("unpaired UTF-16 surrogate \\u\(String(unit, radix: 16, uppercase: true)) in a string", at: index)
    }
}
