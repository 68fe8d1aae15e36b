import Foundation
import NodewardCore
import Testing

@Suite struct JSONQuotingTests {
    static let samples = ["", "plain", "tenants/acme/crm", "née ✓ 😀", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab",
                          "\u{01}\u{1F}", "mixed \u{7F} del and ü", String(repeating: "x", count: 1_000) + "\""]

    /// Every quoted string reads back as itself through Foundation's parser, and escapes only what
    /// JSON requires (a string without a quote, backslash or control character is copied as is).
    @Test(arguments: samples)
    func quotedStringsReadBackAsThemselves(text: String) throws {
        var out = ""
        JSONValue.writeQuoted(text, into: &out)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(out)]".utf8)) as? [String]
        #expect(parsed == [text])
        let needsEscape = text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
        #expect((out == "\"\(text)\"") == !needsEscape)
    }

    @Test func controlCharactersUseTheShortOrUnicodeEscapes() {
        var out = ""
        JSONValue.writeQuoted("a\"b\\c\nd\u{01}", into: &out)
        #expect(out == #""a\"b\\c\nd\u0001""#)
    }
}
