import Foundation
import Testing
@testable import NodewardCore

@Suite struct PolicyFileTests {
    typealias S = PolicyScenario

    static let policies = S.policies(S.benignRuns + [S.poisonedRun])

    static func fixture(_ name: String) throws -> String {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try String(contentsOf: folder.appendingPathComponent("policy/\(name)"), encoding: .utf8)
    }

    @Test func theGeneratedFileMatchesTheReviewedFixture() throws {
        // The fixture is the reviewed output for the scenario (and the example in docs/policy-language.md).
        #expect(Self.policies.yaml() == (try Self.fixture("support.yaml")))
    }

    @Test func yamlRoundTripsToTheSameValueAndBytes() throws {
        let text = Self.policies.yaml()
        let (read, diagnostics) = PolicyReader.read(yaml: text, file: "policies/support.yaml")
        #expect(diagnostics.isEmpty)
        let policies = try #require(read)
        #expect(policies == Self.policies)
        #expect(policies.yaml() == text)
    }

    @Test func aFileReadBackEvaluatesLikeTheGeneratedOne() throws {
        let policies = try #require(PolicyReader.read(yaml: try Self.fixture("support.yaml"), file: "support.yaml").policies)
        var evaluator = S.evaluator([policies])
        #expect(evaluator.evaluate(S.benignRuns[0]).allSatisfy { $0.effect == .allow })
        #expect(evaluator.evaluate(S.poisonedRun)[3].rule == "support/tool_call.email.send/arguments.to.origin")
    }

    @Test func anUnknownNodeInInputsIsReportedWhereItIsWritten() throws {
        let text = try Self.fixture("support.yaml").replacingOccurrences(of: "  - from: tool_call.tickets.get\n",
                                                                         with: "  - from: tool_call.tickets.list\n")
        let (policies, diagnostics) = PolicyReader.read(yaml: text, file: "support.yaml")
        #expect(policies == nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(diagnostic.code == .policyUnknownNode)
        #expect(diagnostic.message == "names a node that is not in this file")
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("tickets.list") })
        #expect(diagnostic.location == SourceLocation(file: "support.yaml", line: line + 1, column: 11))
        #expect(diagnostic.keyPath == "nodes.3.inputs.1.from")
    }

    @Test func unknownNodesInAfterAndOriginAreErrors() {
        var policies = Self.policies
        policies.nodes[0].match.after = ["start", "tool_call.nope"]
        policies.nodes[3].allow.arguments = [ArgumentConstraint(name: "to", origin: ["request", "llm.ghost"])]
        let diagnostics = PolicyReader.read(yaml: policies.yaml(), file: "p.yaml").diagnostics
        #expect(diagnostics.map(\.message) == ["names a node that is not in this file", "names a node that is not in this file"])
        #expect(diagnostics.map(\.keyPath) == ["nodes.0.match.after.1", "nodes.3.allow.arguments.0.origin"], "the key path says which")
        #expect(diagnostics.allSatisfy { $0.location?.line ?? 0 > 1 && $0.location?.column != nil })
    }

    @Test func aBadTypeIsReportedWithItsLocation() throws {
        let text = try Self.fixture("support.yaml").replacingOccurrences(of: "    perRun: 2\n    perMinute: 300\n  evidence:\n    runs: 61\n    tenants:\n    - acme\n    - globex\n    firstSeen: '1970-01-01T00:00:00.000Z'\n    lastSeen: '1970-01-01T00:01:00.000Z'\n    sampleRuns:\n    - acme/r1000\n    - acme/r1002\n    - acme/r1004\n- id: output.reply",
                                                                         with: "    perRun: lots\n    perMinute: 300\n  evidence:\n    runs: 61\n    tenants:\n    - acme\n    - globex\n    firstSeen: '1970-01-01T00:00:00.000Z'\n    lastSeen: '1970-01-01T00:01:00.000Z'\n    sampleRuns:\n    - acme/r1000\n    - acme/r1002\n    - acme/r1004\n- id: output.reply")
        #expect(text.contains("perRun: lots"))
        let (policies, diagnostics) = PolicyReader.read(yaml: text, file: "support.yaml")
        #expect(policies == nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.code == .policyType)
        #expect(diagnostic.keyPath == "nodes.0.limits.perRun")
        #expect(diagnostic.message == "expected an integer")
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("perRun: lots") })
        #expect(diagnostic.location == SourceLocation(file: "support.yaml", line: line + 1, column: 13))
        #expect(!diagnostic.description.contains("lots"))
    }

    @Test func missingFieldsSyntaxErrorsAndVersionsAreDiagnosed() {
        let missing = PolicyReader.read(yaml: "version: 1\nworkflow: w\nagent: a\nnodes: []\n", file: "m.yaml").diagnostics
        #expect(missing.map(\.code) == [.policyMissingField])
        #expect(missing.first?.message == "missing field evidence")
        let syntax = PolicyReader.read(yaml: "version: 1\nnodes: [\n", file: "s.yaml").diagnostics
        #expect(syntax.map(\.code) == [.policySyntax])
        #expect(syntax.first?.location?.file == "s.yaml")
        #expect(syntax.first.map { $0.location!.line >= 2 } == true)
        var future = Self.policies
        future.version = 2
        #expect(PolicyReader.read(yaml: future.yaml(), file: "f.yaml").diagnostics.map(\.code) == [.policyVersion])
        #expect(PolicyReader.read(yaml: "", file: "e.yaml").diagnostics.map(\.code) == [.policySyntax])
    }

    @Test func duplicateNodeIdsAndBadGlobsAreErrors() {
        var policies = Self.policies
        policies.nodes.append(policies.nodes[0])
        policies.nodes[3].allow.arguments = [ArgumentConstraint(name: "to", pattern: "[a-")]
        let codes = PolicyReader.read(yaml: policies.yaml(), file: "d.yaml").diagnostics.map(\.code)
        #expect(codes == [.policyDuplicateNode, .policyInvalidValue])
    }
}

extension PolicyFileTests {
    @Test func misspeltKeysAreErrorsBecauseTheyWouldDropAConstraint() throws {
        let text = try Self.fixture("support.yaml").replacingOccurrences(of: "      origin:\n      - request\n",
                                                                         with: "      orgin:\n      - request\n")
        let diagnostics = PolicyReader.read(yaml: text, file: "support.yaml").diagnostics
        #expect(diagnostics.map(\.code) == [.policyUnknownKey])
        #expect(diagnostics.first?.keyPath == "nodes.3.allow.arguments.0.orgin")
        #expect(diagnostics.first?.location?.column == 7)
    }

    @Test func duplicateKeysAreErrors() {
        let diagnostics = PolicyReader.read(yaml: "version: 1\nversion: 1\n", file: "k.yaml").diagnostics
        #expect(diagnostics.map(\.code) == [.policyDuplicateKey])
    }
}

extension PolicyFileTests {
    @Test func aliasesAndDeepNestingAreRejectedBeforeComposing() {
        let bomb = "version: 1\na: &a [x, x]\nb: &b [*a, *a]\n"
        #expect(PolicyReader.read(yaml: bomb, file: "b.yaml").diagnostics.map(\.code) == [.yamlAliasLimit])
        let unquoted = PolicyReader.read(yaml: "version: 1\npattern: *@acme.example\n", file: "u.yaml").diagnostics
        #expect(unquoted.first?.message.contains("quote a value that starts with *") == true)
        #expect(unquoted.first?.location == SourceLocation(file: "u.yaml", line: 2, column: 10))
        let deep = "version: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        #expect(PolicyReader.read(yaml: deep, file: "d.yaml").diagnostics.map(\.code) == [.yamlTooDeep])
    }
}

extension PolicyFileTests {
    @Test func anUnknownStepKindIsAnInvalidValueAtItsPosition() throws {
        let text = try Self.fixture("support.yaml").replacingOccurrences(of: "    kind: output\n", with: "    kind: robot\n")
        let diagnostic = try #require(PolicyReader.read(yaml: text, file: "support.yaml").diagnostics.first)
        #expect(diagnostic.code == .policyInvalidValue)
        #expect(diagnostic.keyPath == "nodes.1.match.kind")
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("kind: robot") })
        #expect(diagnostic.location?.line == line + 1)
    }
}

extension PolicyFileTests {
    @Test func globsStartingWithAStarRoundTripWithoutLookingLikeAliases() throws {
        var policies = Self.policies
        policies.nodes[3].allow.arguments = [ArgumentConstraint(name: "to", pattern: "*@${tenant.id}.example", excluded: ["*@evil.example", "[!a]*"])]
        let (read, diagnostics) = PolicyReader.read(yaml: policies.yaml(), file: "g.yaml")
        #expect(diagnostics.isEmpty)
        #expect(read == policies)
    }
}

extension PolicyFileTests {
    @Test func aFolderLoadsEveryFileAndRejectsASecondFileForTheSameWorkflow() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("policy").path
        let (sets, diagnostics) = PolicyFolder.load(directory: folder)
        #expect(diagnostics.isEmpty)
        #expect(sets == [Self.policies])
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-policy-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        for name in ["a.yaml", "b.yaml"] { try Self.policies.yaml().write(to: copy.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let twice = PolicyFolder.load(directory: copy.path)
        #expect(twice.sets.count == 1)
        #expect(twice.diagnostics.map(\.code) == [.policyDuplicateWorkflow])
        #expect(PolicyFolder.load(directory: copy.appendingPathComponent("missing").path).diagnostics.map(\.code) == [.fileUnreadable])
    }
}
