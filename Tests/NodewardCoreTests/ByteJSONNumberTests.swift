import Foundation
import Testing
import NodewardCore

private func ours(_ text: String) throws(JSONParseFailure) -> JSONValue {
    try ByteJSONParser().parse(ArraySlice(Array(text.utf8)))
}

private func foundations(_ text: String) throws(JSONParseFailure) -> JSONValue {
    try FoundationJSONParser().parse(ArraySlice(Array(text.utf8)))
}

@Suite struct ByteJSONNumberTests {
    /// Same kind and value as FoundationJSONParser: no fraction or exponent and in range → `.int`.
    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("7", .int(7)), ("-42", .int(-42)),
        ("9223372036854775807", .int(Int64.max)), ("-999999999999999999", .int(-999_999_999_999_999_999)),
        ("1.0", .double(1)), ("-0.0", .double(-0.0)), ("1e2", .double(100)), ("1E+2", .double(100)),
        ("12e0", .double(12)), ("1e-2", .double(0.01)), ("0.5", .double(0.5)), ("-2.5E-3", .double(-0.0025)),
        ("-9223372036854775809", .double(-9223372036854775809.0)), ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        ("1e-400", .double(0)), ("1.7976931348623157e308", .double(.greatestFiniteMagnitude)),
        ("4.9e-324", .double(.leastNonzeroMagnitude)), ("9007199254740993", .int(9007199254740993)),
        ("0.000001234", .double(0.000001234)), ("100000000000000000000.0", .double(1e20)),
    ])
    func numbersHaveFoundationsKindAndValue(text: String, expected: JSONValue) throws {
        #expect(try ours(text) == expected)
        #expect(try foundations(text) == expected)
    }

    /// `-0.0` keeps its sign (`==` alone would not tell).
    @Test func negativeZeroKeepsItsSign() throws {
        guard case .double(let zero) = try ours("-0.0") else { Issue.record("not a double"); return }
        #expect(zero.sign == .minus)
        guard case .double(let exponentZero) = try ours("-0e5") else { Issue.record("not a double"); return }
        #expect(exponentZero.sign == .minus)
    }

    /// Divergence: Foundation (Linux) returns negative 19-digit integers as doubles although they fit,
    /// losing their low digits; ByteJSON keeps the exact `.int`.
    @Test(arguments: [Int64.min, -Int64.max, -1_000_000_000_000_000_000, -4_611_686_018_427_387_905])
    func negativeNineteenDigitIntegersStayExact(number: Int64) throws {
        #expect(try ours(String(number)) == .int(number))
        #expect(try foundations(String(number)) == .double(Double(number)))
    }

    /// Divergence: FoundationJSONParser wraps integers above Int64.max into negative `.int`s (JSONSerialization
    /// stores them as UInt64 and `int64Value` truncates). ByteJSON returns the nearest double.
    @Test func integersAboveInt64AreDoubles() throws {
        #expect(try ours("9223372036854775808") == .double(0x1p63))
        #expect(try ours("18446744073709551615") == .double(0x1p64))
        #expect(try foundations("18446744073709551615") == .int(-1))
    }

    /// Divergence: JSONSerialization on Linux misrounds many 16–17 digit decimals by a few ulps; ByteJSON
    /// always returns the double nearest to the text (the one `Double(String)` returns).
    @Test func decimalsAreCorrectlyRounded() throws {
        #expect(try ours("0.30000000000000004") == .double(0.1 + 0.2))
        #expect(try ours("0.8962163808333913") == .double(0.8962163808333913))
        var generator = SplitMixForNumbers(state: 99)
        for _ in 0..<5_000 {
            var number = Double(bitPattern: generator.next())
            if !number.isFinite { number = Double(generator.next() >> 11) / 0x1p53 }
            // Shortest round-trip, 17 digits, and 26 digits (past the fast path's 19).
            for text in ["\(number)", String(format: "%.17g", number), String(format: "%.25e", number)] {
                // "%.17g" spells some whole numbers without a fraction: those are integers.
                let isInteger = !text.contains { $0 == "." || $0 == "e" || $0 == "E" }
                #expect(try ours(text) == (isInteger ? .int(Int64(text)!) : .double(Double(text)!)), "\(text)")
            }
        }
        for text in ["2.2250738585072011e-308", "2.2250738585072012e-308", "1.00000000000000011102230246251565404236316680908203125",
                     "9007199254740993.0", "123456789012345678.5e-3", "0.1e-320", "179769313486231570000e288"] {
            #expect(try ours(text) == .double(Double(text)!), "\(text)")
        }
    }

    @Test(arguments: ["1e400", "-1e400", "1.7976931348623159e308", "1e99999999999999999999"])
    func infiniteNumbersAreRejectedLikeFoundation(text: String) {
        #expect(throws: JSONParseFailure.self) { try ours(text) }
        #expect(throws: JSONParseFailure.self) { try foundations(text) }
    }
}

private typealias SplitMixForNumbers = SplitMix64
