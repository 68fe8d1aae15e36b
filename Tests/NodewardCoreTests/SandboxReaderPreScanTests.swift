import Testing
@testable import NodewardCore

@Suite struct SandboxReaderPreScanTests {
    private func offence(_ text: String, _ limits: SandboxLimits = .default) -> SandboxPreScan.Offence? {
        SandboxPreScan.check(SandboxPreScan.DocumentChunk(text: text, firstLine: 1), limits: limits)
    }

    @Test func bracketsAndStarsInsideScalarsAndCommentsAreNotCounted() {
        var limits = SandboxLimits()
        limits.maxDepth = 4
        limits.maxAliases = 0
        let text = """
            a: "[[[[[[ *x *y"
            b: '{{{{{{ it''s *z'
            c: crm.* [[[[[[
            d: |
              [[[[[[[[ *alias {{{{
               ]]]] *more
            e: 1 # [[[[[[[[ *c
            f: [x, "[[[[", '{{{{', y*]
            """
        #expect(offence(text, limits) == nil)
    }

    @Test func aShallowerLineEndsABlockScalar() {
        var limits = SandboxLimits()
        limits.maxDepth = 4
        let text = "a: |\n      text\n   [[[[[[\n"
        #expect(offence(text, limits) == SandboxPreScan.Offence(
            code: .yamlTooDeep, message: "nesting is deeper than 4 levels", line: 3, column: 6))
    }

    @Test func aliasTokensAreCountedInBlockAndFlowContext() {
        var limits = SandboxLimits()
        limits.maxAliases = 2
        let text = "a: &a x\nb: *a\nc: [*a, *a]\n"
        #expect(offence(text, limits) == SandboxPreScan.Offence(
            code: .yamlAliasLimit, message: "more than 2 aliases in one document (possible alias bomb)", line: 3, column: 9))
    }

    @Test func flowAndBlockDepthAddUp() {
        var limits = SandboxLimits()
        limits.maxDepth = 4
        #expect(offence("a:\n  b: [{c: 1}]\n", limits) == nil)
        #expect(offence("a:\n  b: [{c: [1]}]\n", limits)?.code == .yamlTooDeep)
        #expect(offence("a:\n  b: [{c: [1]}]\n", limits)?.column == 11)
    }

    @Test func nestedSequencesOnOneLineCountAsLevels() throws {
        let text = "kind: TenantAgentSandbox\nspec:\n  " + String(repeating: "- ", count: 100_000) + "x\n"
        let clock = ContinuousClock()
        var result = SandboxReadResult()
        let elapsed = clock.measure { result = SandboxReader().parse(text: text, file: "dashes.yaml") }
        #expect(result.diagnostics.map(\.description) == ["dashes.yaml:3:127: error: nesting is deeper than 64 levels [yaml.too-deep]"])
        #expect(elapsed < .seconds(2))
    }

    @Test func deepFlowMappingsAreRejectedQuickly() {
        let text = "spec: " + String(repeating: "{a: ", count: 100_000) + "1" + String(repeating: "}", count: 100_000) + "\n"
        let clock = ContinuousClock()
        var result = SandboxReadResult()
        let elapsed = clock.measure { result = SandboxReader().parse(text: text, file: "deep.yaml") }
        #expect(result.diagnostics.map(\.description) == ["deep.yaml:1:259: error: nesting is deeper than 64 levels [yaml.too-deep]"])
        #expect(elapsed < .seconds(2))
    }

    @Test func documentsAreSplitWithTheirFileLines() {
        let text = "%YAML 1.1\n# comment\n---\na: 1\n---\nb: 2\n...\n\n# trailing\n---\n"
        let chunks = SandboxPreScan.splitDocuments(text)
        #expect(chunks.map(\.firstLine) == [1, 5, 8])
        #expect(chunks.last?.text == "\n# trailing\n---\n", "lines before a marker stay with the document after it")
        #expect(chunks.first?.text == "%YAML 1.1\n# comment\n---\na: 1")
    }

    @Test func markersAndCommentsAloneCountAsEmpty() {
        let result = SandboxReader().parse(text: "# nothing here\n---\n...\n---\n", file: "e.yaml")
        #expect(result.diagnostics.map(\.description) == ["e.yaml:1:1: warning: file holds no YAML document [sandbox.empty]"])
    }

    @Test func aBrokenDocumentDoesNotHideTheNextOne() {
        let good = "apiVersion: agents.example.com/v1\nkind: TenantAgentSandbox\nspec:\n  tenant: {id: fine}\n"
        let text = "kind: TenantAgentSandbox\nspec: [unclosed\n---\n" + good + "---\nkind: TenantAgentSandbox\nspec: {tenant: {id: late}}}\n"
        let result = SandboxReader().parse(text: text, file: "m.yaml")
        #expect(result.sandboxes.map(\.tenantId) == ["fine"])
        #expect(result.errors.map(\.code) == [.yamlSyntax, .yamlSyntax])
        #expect(result.errors.map { $0.location?.line } == [3, 10])
    }
}
