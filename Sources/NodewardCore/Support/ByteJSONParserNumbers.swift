/// Numbers: integers that fit Int64 become `.int`; everything else (fraction, exponent, overflow) `.double`.
extension ByteJSONScanner {
    /// The cursor is on '-' or a digit.
    mutating func parseNumber() throws(JSONParseFailure) -> JSONValue {
        let start = position
        let count = bytes.count
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        // Up to 19 significant digits are exact in a UInt64; more only matter to the slow path.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var fractionDigits = 0
        @inline(__always) func accumulate(_ digit: UInt8) {
            if mantissa == 0, digit == 0 { return }
            significantDigits += 1
            if significantDigits <= 19 { mantissa = mantissa &* 10 &+ UInt64(digit) }
        }

        guard index < count else { throw endOfInput() }
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            index += 1
            if index < count, Self.isDigit(bytes[index]) { throw failure("leading zero in a number", at: index - 1) }
        } else if Self.isDigit(first) {
            while index < count, Self.isDigit(bytes[index]) {
                accumulate(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
        } else {
            throw unexpected(at: index, expecting: "a digit")
        }

        var isInteger = true
        if index < count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try requireDigit(at: index, after: "'.'")
            while index < count, Self.isDigit(bytes[index]) {
                accumulate(bytes[index] &- UInt8(ascii: "0"))
                fractionDigits += 1
                index += 1
            }
        }

        var exponent = 0
        if index < count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            try requireDigit(at: index, after: "the exponent")
            while index < count, Self.isDigit(bytes[index]) {
                // Clamped: beyond this any exponent over- or underflows a Double anyway.
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        position = index

        if isInteger, significantDigits <= 19 {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        if mantissa == 0 { return .double(negative ? -0.0 : 0.0) }
        // Clinger's fast path: both operands are exact doubles, so one IEEE operation rounds correctly.
        let scale = exponent - fractionDigits
        if significantDigits <= 19, mantissa <= 1 << 53, scale >= -22, scale <= 22 {
            var magnitude = Double(mantissa)
            magnitude = scale < 0 ? magnitude / powersOfTen[-scale] : magnitude * powersOfTen[scale]
            return .double(negative ? -magnitude : magnitude)
        }
        return try parseDoubleSlowly(start: start, end: index)
    }

    /// The standard library's correctly rounded conversion, for the rare numbers the fast path can't take.
    private func parseDoubleSlowly(start: Int, end: Int) throws(JSONParseFailure) -> JSONValue {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        // JSON has no infinity; Foundation rejects these too. Underflow to zero is accepted, as there.
        guard let number = Double(text), number.isFinite else {
            throw failure("number out of range", at: start)
        }
        return .double(number)
    }

    private func requireDigit(at index: Int, after what: String) throws(JSONParseFailure) {
        guard index < bytes.count else { throw endOfInput() }
        guard Self.isDigit(bytes[index]) else { throw unexpected(at: index, expecting: "a digit after \(what)") }
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}

/// Every power of ten a Double holds exactly.
private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]
