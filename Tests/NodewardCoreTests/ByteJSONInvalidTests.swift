import Foundation
import Testing
import NodewardCore

/// Documents RFC 8259 rejects. Each case names the byte offset ByteJSONParser must report.
struct InvalidJSONCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let offset: Int
    /// JSONSerialization (swift-corelibs-foundation) accepts these although RFC 8259 does not; ByteJSON
    /// follows the RFC. Not asserted for Foundation, whose leniency differs across platforms.
    var foundationAccepts = false

    var testDescription: String { name }

    init(_ name: String, _ text: String, offset: Int, foundationAccepts: Bool = false) {
        self.init(name, Array(text.utf8), offset: offset, foundationAccepts: foundationAccepts)
    }

    init(_ name: String, _ bytes: [UInt8], offset: Int, foundationAccepts: Bool = false) {
        self.name = name
        self.bytes = bytes
        self.offset = offset
        self.foundationAccepts = foundationAccepts
    }

    /// A one-member string `"…"` around raw bytes, so invalid UTF-8 sits where it is not a syntax error.
    static func inString(_ name: String, _ raw: [UInt8]) -> InvalidJSONCase {
        InvalidJSONCase(name, [0x22] + raw + [0x22], offset: 1)
    }
}

@Suite struct ByteJSONInvalidTests {
    static let cases: [InvalidJSONCase] = [
        InvalidJSONCase("empty input", "", offset: 0),
        InvalidJSONCase("only whitespace", " \n\t", offset: 3),
        InvalidJSONCase("trailing comma in an array", "[1,]", offset: 2, foundationAccepts: true),
        InvalidJSONCase("trailing comma in an object", #"{"a":1,}"#, offset: 6, foundationAccepts: true),
        InvalidJSONCase("double comma", "[1,,2]", offset: 3),
        InvalidJSONCase("leading comma", "[,1]", offset: 1),
        InvalidJSONCase("missing comma", "[1 2]", offset: 3),
        InvalidJSONCase("missing comma between members", #"{"a":1 "b":2}"#, offset: 7),
        InvalidJSONCase("leading zero", "01", offset: 0),
        InvalidJSONCase("negative leading zero", "[-012]", offset: 2),
        InvalidJSONCase("fraction without digits", "1.", offset: 2),
        InvalidJSONCase("fraction without integer", ".5", offset: 0),
        InvalidJSONCase("plus sign", "+1", offset: 0),
        InvalidJSONCase("exponent without digits", "1e", offset: 2),
        InvalidJSONCase("signed exponent without digits", "[1e+]", offset: 4),
        InvalidJSONCase("lone minus", "[-]", offset: 2),
        InvalidJSONCase("hex number", "0x10", offset: 1),
        InvalidJSONCase("NaN", "NaN", offset: 0),
        InvalidJSONCase("Infinity", "Infinity", offset: 0),
        InvalidJSONCase("negative Infinity", "-Infinity", offset: 1),
        InvalidJSONCase("number overflowing a double", "[1e400]", offset: 1),
        InvalidJSONCase("unescaped tab", "\"a\tb\"", offset: 2),
        InvalidJSONCase("unescaped newline", "\"\n\"", offset: 1),
        InvalidJSONCase("unescaped NUL", [0x22, 0x00, 0x22], offset: 1),
        InvalidJSONCase("unknown escape", #""\x""#, offset: 1),
        InvalidJSONCase("uppercase U escape", #""\U0041""#, offset: 1),
        InvalidJSONCase("short unicode escape", #""\u12G4""#, offset: 1),
        InvalidJSONCase("unpaired high surrogate", #""\ud83d""#, offset: 1),
        InvalidJSONCase("unpaired low surrogate", #""\ude00""#, offset: 1),
        InvalidJSONCase("high surrogate and a non-surrogate", #""\ud83d\u0041""#, offset: 1),
        InvalidJSONCase("two high surrogates", #""\ud800\ud800""#, offset: 1),
        InvalidJSONCase("unterminated string", #""abc"#, offset: 4),
        InvalidJSONCase("dangling backslash", #""\"#, offset: 2),
        InvalidJSONCase("truncated literal", "tru", offset: 3),
        InvalidJSONCase("misspelled literal", "nulL", offset: 3),
        InvalidJSONCase("capitalised literal", "True", offset: 0),
        InvalidJSONCase("unquoted key", "{a:1}", offset: 1),
        InvalidJSONCase("number key", "{1:2}", offset: 1),
        InvalidJSONCase("missing colon", #"{"a" 1}"#, offset: 5),
        InvalidJSONCase("single quotes", "['a']", offset: 1),
        InvalidJSONCase("extra closing bracket", "[1]]", offset: 3),
        InvalidJSONCase("mismatched brackets", "[1}", offset: 2),
        InvalidJSONCase("trailing garbage", "1 x", offset: 2),
        InvalidJSONCase("two documents", "{} {}", offset: 3),
        InvalidJSONCase("NUL after a number", [0x31, 0x00], offset: 1, foundationAccepts: true),
        InvalidJSONCase("NUL after an object", [0x7B, 0x7D, 0x00], offset: 2),
        InvalidJSONCase("form feed is not whitespace", "\u{0C}1", offset: 0),
        InvalidJSONCase("vertical tab is not whitespace", "\u{0B}1", offset: 0),
        InvalidJSONCase("no-break space is not whitespace", "\u{A0}1", offset: 0),
        InvalidJSONCase("comment", "[1 /* c */]", offset: 3),
        InvalidJSONCase("deep nesting", String(repeating: "[", count: 100_000), offset: 129),
        .inString("overlong NUL", [0xC0, 0x80]),
        .inString("overlong two-byte", [0xC1, 0xBF]),
        .inString("overlong three-byte", [0xE0, 0x80, 0xBF]),
        .inString("overlong four-byte", [0xF0, 0x80, 0x80, 0x80]),
        .inString("UTF-8 encoded high surrogate", [0xED, 0xA0, 0x80]),
        .inString("UTF-8 encoded low surrogate", [0xED, 0xBF, 0xBF]),
        .inString("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        .inString("five-byte lead", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        .inString("byte 0xFF", [0xFF]),
        .inString("lone continuation byte", [0x80]),
        .inString("two-byte sequence cut short", [0xC3]),
        .inString("three-byte sequence cut short", [0xE2, 0x82]),
        .inString("four-byte sequence cut short", [0xF0, 0x9F, 0x98]),
        InvalidJSONCase("invalid UTF-8 outside a string", [0x5B, 0xC3, 0xA9, 0x5D], offset: 1),
    ]

    @Test(arguments: cases)
    func bothParsersReject(_ invalid: InvalidJSONCase) {
        let failure = #expect(throws: JSONParseFailure.self) { try ByteJSONParser().parse(invalid.bytes[...]) }
        #expect(failure?.message.contains("at offset \(invalid.offset) ") == true, "\(failure?.message ?? "")")
        if !invalid.foundationAccepts {
            #expect(throws: JSONParseFailure.self) { try FoundationJSONParser().parse(invalid.bytes[...]) }
        }
    }

    @Test func thereAreEnoughInvalidCases() {
        #expect(Self.cases.count >= 30)
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }

    /// Every proper prefix of a valid document is invalid, and the failure is always at the cut.
    @Test(arguments: ["globex", "handmade"])
    func everyTruncationIsRejectedAtTheCut(_ source: String) throws {
        let document: [UInt8]
        if source == "globex" {
            let url = ByteJSONDifferentialTests.tracesFolder.appendingPathComponent("globex.steps.jsonl")
            let bytes = try [UInt8](Data(contentsOf: url))
            document = Array(try #require(bytes.split(separator: 0x0A).first { $0.count > 200 }))
        } else {
            document = Array(#"{"s":"a\"b\\c\/\u00e9\ud83d\ude00 é😀","n":[-0.5e-3,12,true,false,null,{}],"e":""}"#.utf8)
        }
        _ = try ByteJSONParser().parse(document[...])
        _ = try FoundationJSONParser().parse(document[...])
        for length in 0..<document.count {
            let prefix = document[..<length]
            let failure = #expect(throws: JSONParseFailure.self) { try ByteJSONParser().parse(prefix) }
            let expected = length == 0 ? "empty input at offset 0" : "unexpected end of input at offset \(length) "
            #expect(failure?.message.hasPrefix(expected) == true, "cut at \(length): \(failure?.message ?? "")")
            #expect(throws: JSONParseFailure.self) { try FoundationJSONParser().parse(prefix) }
        }
    }
}
