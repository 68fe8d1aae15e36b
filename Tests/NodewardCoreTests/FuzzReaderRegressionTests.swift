import Testing
@testable import NodewardCore

/// Regressions for what the fuzz targets and the bad-input corpus found (docs/fuzzing.md), one test each.
@Suite struct FuzzReaderRegressionTests {
    /// Found by the corpus: Workspace.parse put `"\(YamlError)"` into the message, which quotes the
    /// offending source line (here a token), and reported every syntax error at line 1.
    @Test func workspaceSyntaxErrorQuotesNoSourceText() throws {
        let text = "version: 1\ntenants: [tenants/]\nattributes: {tenant: sk-live-4f2a9c, workflow: w\n"
        #expect(throws: Diagnostic.self) { try Workspace.parse(text: text, file: "nodeward.yaml", folder: "/ws") }
        do throws(Diagnostic) { _ = try Workspace.parse(text: text, file: "nodeward.yaml", folder: "/ws") } catch {
            #expect(error.code == .yamlSyntax)
            #expect(!error.message.contains("sk-live"))
            #expect(!error.description.contains("sk-live"))
            #expect(error.location?.line == 4)
            #expect(error.location?.column != nil)
        }
    }

    /// Found by the corpus: every threats.yaml syntax error was "not valid YAML" at line 1.
    @Test func threatModelSyntaxErrorHasItsPosition() {
        let text = "version: 1\nthreats:\n  - id: T1\n    kind: exfiltration\n    scope: {tools: [a]\n"
        let diagnostics = ThreatModelReader.read(yaml: text, file: "threats.yaml").diagnostics
        #expect(diagnostics.map(\.code) == [.threatsSyntax])
        #expect(diagnostics.first?.location == SourceLocation(file: "threats.yaml", line: 6, column: 1))
        #expect(ThreatModelReader.read(yaml: "a: 1\na: 2\n", file: "threats.yaml").diagnostics.map(\.code) == [.threatsSyntax])
    }

    /// Found by the server fuzz target: a step whose principal has several claims that are not strings
    /// was refused naming whichever claim dictionary order met first, so two decodes of one body differed.
    @Test func badClaimsAreReportedTheSameOnEveryDecode() throws {
        let body = #"{"tenant":"acme","agent":"a","run":"r","step":"s1","time":1,"kind":"llm","operation":"m","#
            + #""principal":{"claims":{"a":["x"],"b":{"y":1},"c":"ok","d":[1],"e":{}}}}"#
        let first = DecisionRequestDecoding.single(Array(body.utf8)[...])
        guard case .failure(let failure) = first else {
            Issue.record("a step with non-string claims decoded")
            return
        }
        #expect(failure.reason.contains("an array"), "\(failure.reason)")
        for _ in 0..<50 { #expect(DecisionRequestDecoding.single(Array(body.utf8)[...]) == first) }
    }
}
