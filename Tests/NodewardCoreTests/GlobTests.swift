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
