import Testing
import NodewardCore

private func parse(_ text: String, maxDepth: Int = 128) throws(JSONParseFailure) -> JSONValue {
    try ByteJSONParser(maxDepth: maxDepth).parse(ArraySlice(Array(text.utf8)))
}

@Suite struct ByteJSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "a" : [ 1 , -2.5 , "x" , true , false , null , { } , [ ] ] , "b" : { "c" : "d" } } "#)
        #expect(value == .object([
            "a": .array([.int(1), .double(-2.5), .string("x"), .bool(true), .bool(false), .null, .object([:]), .array([])]),
            "b": .object(["c": .string("d")]),
        ]))
        #expect(try parse("\t\r\n 7 \n") == .int(7))
        #expect(try parse(#""top""#) == .string("top"))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a":1,"b":2,"a":3}"#) == .object(["a": .int(3), "b": .int(2)]))
    }

    /// Keys are Swift Strings, so canonically equivalent spellings are one key (Foundation agrees).
    @Test func canonicallyEquivalentKeysAreDuplicates() throws {
        let text = #"{"\u00e9":1,"e\u0301":2}"#
        #expect(try parse(text) == .object(["é": .int(2)]))
        #expect(try FoundationJSONParser().parse(ArraySlice(Array(text.utf8))) == (try parse(text)))
    }

    @Test func aLeadingByteOrderMarkIsIgnored() throws {
        #expect(try ByteJSONParser().parse([0xEF, 0xBB, 0xBF, 0x31]) == .int(1))
    }

    @Test func parsesASliceWithNonZeroStartIndex() throws {
        let bytes = Array(#"xx{"k":[1,2]}yy"#.utf8)
        #expect(try ByteJSONParser().parse(bytes[2..<13]) == .object(["k": .array([.int(1), .int(2)])]))
        // Offsets in messages count from the slice's start, not the array's.
        let failure = #expect(throws: JSONParseFailure.self) { try ByteJSONParser().parse(bytes[2..<14]) }
        #expect(failure?.message.contains("at offset 11 (line 1, column 12)") == true)
    }

    @Test func decodesEveryEscape() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try parse(#""\u0041\u00e9\u20AC\u0000""#) == .string("Aé€\u{0}"))
        #expect(try parse(#""\ud83d\ude00 \uD83D\uDE00 \udbff\udfff""#) == .string("😀 😀 \u{10FFFF}"))
        #expect(try parse(#""plain \n then raw é 😀 and more""#) == .string("plain \n then raw é 😀 and more"))
    }

    @Test func keepsRawUTF8AsIs() throws {
        #expect(try parse("\"é € 😀 日本語 \u{7F}\"") == .string("é € 😀 日本語 \u{7F}"))
        #expect(try parse("{\"ключ\":\"значение\"}") == .object(["ключ": .string("значение")]))
    }

    @Test func depthLimitMatchesFoundationJSONParser() throws {
        // The innermost value of n nested arrays is at depth n - 1 (the top level is depth 0).
        let deepest = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(try parse(deepest) == (0..<128).reduce(JSONValue.array([])) { inner, _ in .array([inner]) })
        #expect(try FoundationJSONParser().parse(ArraySlice(Array(deepest.utf8))) == (try parse(deepest)))
        let tooDeep = String(repeating: "[", count: 130) + String(repeating: "]", count: 130)
        #expect(throws: JSONParseFailure.self) { try parse(tooDeep) }
        #expect(throws: JSONParseFailure.self) { try FoundationJSONParser().parse(ArraySlice(Array(tooDeep.utf8))) }
        // Scalars count too, as in FoundationJSONParser.
        let scalarTooDeep = String(repeating: "[", count: 129) + "1" + String(repeating: "]", count: 129)
        #expect(throws: JSONParseFailure.self) { try parse(scalarTooDeep) }
        #expect(throws: JSONParseFailure.self) { try FoundationJSONParser().parse(ArraySlice(Array(scalarTooDeep.utf8))) }
        #expect(try parse(#"{"a":{"b":1}}"#, maxDepth: 2) == .object(["a": .object(["b": .int(1)])]))
        #expect(throws: JSONParseFailure.self) { try parse(#"{"a":{"b":1}}"#, maxDepth: 1) }
    }

    /// Iterative, so even a huge limit cannot overflow the stack: 100,000 '[' is only an unclosed array.
    @Test func hugeNestingNeverOverflowsTheStack() throws {
        let opens = String(repeating: "[", count: 100_000)
        let limited = #expect(throws: JSONParseFailure.self) { try parse(opens) }
        #expect(limited?.message == "nesting deeper than 128 levels at offset 129 (line 1, column 130)")
        let unlimited = #expect(throws: JSONParseFailure.self) { try parse(opens, maxDepth: 1_000_000) }
        #expect(unlimited?.message.hasPrefix("unexpected end of input at offset 100000") == true)
        let objects = String(repeating: #"{"k":"#, count: 100_000)
        let objectFailure = #expect(throws: JSONParseFailure.self) { try parse(objects) }
        #expect(objectFailure?.message.hasPrefix("nesting deeper than 128 levels at offset 645") == true)
        // (A fully closed 100,000-deep value is not built here: releasing a JSONValue that deep recurses.)
    }

    @Test func messagesNameTheOffsetLineAndColumn() {
        let cases: [(text: String, message: String)] = [
            ("{\n  \"a\": x\n}", "unexpected character 'x' at offset 9 (line 2, column 8); expected a value"),
            (#"{"a" 1}"#, "unexpected character '1' at offset 5 (line 1, column 6); expected ':'"),
            ("[1,\n2,\n]", "trailing comma before ']' at offset 5 (line 2, column 2)"),
            (#"{"key": 012}"#, "leading zero in a number at offset 8 (line 1, column 9)"),
            ("\"ab\tc\"", "unescaped control character 0x09 in a string at offset 3 (line 1, column 4)"),
            (#"["\ud83d"]"#, #"unpaired UTF-16 surrogate \uD83D in a string at offset 2 (line 1, column 3)"#),
            ("[1] x", "unexpected character 'x' after the value at offset 4 (line 1, column 5)"),
            ("", "empty input at offset 0 (line 1, column 1)"),
            ("[true, fals", "unexpected end of input at offset 11 (line 1, column 12)"),
            ("1e400", "number out of range at offset 0 (line 1, column 1)"),
        ]
        for (text, message) in cases {
            let failure = #expect(throws: JSONParseFailure.self) { try parse(text) }
            #expect(failure?.message == message)
        }
    }

    @Test func messagesNeverQuoteInputText() {
        let failure = #expect(throws: JSONParseFailure.self) { try parse(#"{"secret-token-value" 1}"#) }
        #expect(failure?.message.contains("secret") == false)
    }
}
