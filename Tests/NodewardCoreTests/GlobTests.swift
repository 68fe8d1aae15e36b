import Testing
@testable import NodewardCore

@Suite struct GlobTests {
    @Test func wildcardsMatchAcrossDots() throws {
        #expect(try Glob("crm.*").matches("crm.update"))
        #expect(try !Glob("crm.*").matches("crmx"))
        #expect(try Glob("*@acme.example").matches("bob@acme.example"))
        #expect(try !Glob("*@acme.example").matches("bob@evil.example"))
        #expect(try Glob("a?c").matches("abc"))
        #expect(try Glob("[a-c]x").matches("bx"))
        #expect(try !Glob("[!a-c]x").matches("bx"))
        #expect(try Glob("\\*").matches("*"))
        #expect(try !Glob("\\*").matches("x"))
    }

    @Test func invalidPatternsAreRejected() {
        #expect(throws: Glob.SyntaxError.self) { try Glob("") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("tool[") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("tool\\") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("[z-a]") }
    }

    @Test func pathologicalPatternIsLinear() throws {
        let glob = try Glob(String(repeating: "*a", count: 40) + "b")
        #expect(!glob.matches(String(repeating: "a", count: 5000)))
    }

    @Test func cidrContainment() throws {
        let block = try #require(CIDRBlock("10.40.0.0/16"))
        #expect(block.contains("10.40.3.7"))
        #expect(!block.contains("10.41.0.1"))
        #expect(!block.contains("api.openai.com"))
        #expect(CIDRBlock("10.0.0.0/33") == nil)
        #expect(CIDRBlock("300.1.1.1") == nil)
    }
}

@Suite struct FormattingTests {
    @Test func percentagesKeepExceptionsVisible() {
        #expect((16_319.0 / 16_324.0).percent == "99.97%")
        #expect(0.5.percent == "50.0%")
        #expect(1.0.percent == "100.0%")
        #expect(0.0003.percent == "0.03%")
        #expect(0.123.percent == "12.3%")
    }

    @Test func thousandsAreGrouped() {
        #expect(1_234_567.grouped == "1,234,567")
        #expect(999.grouped == "999")
        #expect((-1_000).grouped == "-1,000")
    }

    @Test func timestampsAreRFC3339() {
        #expect(Timestamp.rfc3339(nanos: 1_762_074_843_120_000_000) == "2025-11-02T09:14:03.120Z")
        #expect(Timestamp.rfc3339(nanos: 0) == "1970-01-01T00:00:00.000Z")
    }
}

@Suite struct YAMLTextTests {
    @Test func scientificFloatsBecomePlain() {
        #expect(YAMLText.plainFloats("share: 7.6e-1\nfitness: 1.0e+0\nname: 3e-2x\nid: run-1e5\nprecision: 8.497e-1") ==
                "share: 0.76\nfitness: 1.0\nname: 3e-2x\nid: run-1e5\nprecision: 0.8497")
    }
}
