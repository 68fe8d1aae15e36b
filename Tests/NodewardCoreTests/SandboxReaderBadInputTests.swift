import Foundation
import Testing
@testable import NodewardCore

/// The bad-input corpus under Fixtures/sandbox/bad: every file yields exactly the diagnostics listed.
@Suite struct SandboxReaderBadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var fixture: String
        /// Each expected diagnostic as its full compiler-style description, fixture folder stripped.
        var expected: [String]
        /// Tenant ids still returned.
        var sandboxes: [String] = []
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "syntax-error.yaml", expected: [
            "bad/syntax-error.yaml:7:3: error: did not find expected ',' or ']' (while parsing a flow sequence at line 6, column 12) [yaml.syntax]",
        ]),
        Case(fixture: "wrong-type.yaml", expected: [
            "bad/wrong-type.yaml:14:24: error: spec.limits.requestsPerMinute: expected an integer, found a string of 4 characters [sandbox.type]",
            "bad/wrong-type.yaml:15:22: error: spec.limits.tokensPerMinute: expected an integer, found a list [sandbox.type]",
        ]),
        Case(fixture: "unknown-keys.yaml", expected: [
            "bad/unknown-keys.yaml:8:5: warning: spec.tools.allowList: unknown key (ignored); known keys: allow, ask, default, deny, effects, mcpServers [sandbox.unknown-key]",
            "bad/unknown-keys.yaml:9:35: warning: spec.limits.burst: unknown key (ignored); known keys: budget, models, requestsPerMinute, tokensPerMinute [sandbox.unknown-key]",
            "bad/unknown-keys.yaml:10:3: warning: spec.sidecar: unknown key (ignored); known keys: audit, contextTagging, dataStores, identity, limits, memory, network, runtime, tenant, tools, vectorIndex [sandbox.unknown-key]",
            "bad/unknown-keys.yaml:11:1: warning: status: unknown key (ignored); known keys: apiVersion, kind, metadata, spec [sandbox.unknown-key]",
        ], sandboxes: ["curious"]),
        Case(fixture: "duplicate-key.yaml", expected: [
            "bad/duplicate-key.yaml:9:5: error: duplicate key in one mapping (first at line 7); the document is skipped [sandbox.duplicate-key]",
        ]),
        Case(fixture: "missing-tenant-id.yaml", expected: [
            "bad/missing-tenant-id.yaml:6:5: error: spec.tenant.id: missing required field \"id\" [sandbox.missing-field]",
        ]),
        Case(fixture: "invalid-glob.yaml", expected: [
            "bad/invalid-glob.yaml:8:16: error: spec.tools.allow[1].tool: invalid glob: the pattern has an unclosed '[' [sandbox.invalid-glob]",
        ]),
        Case(fixture: "invalid-cidr.yaml", expected: [
            "bad/invalid-cidr.yaml:9:18: error: spec.network.egress.allow[1].cidr: invalid CIDR; expected an IPv4 block like 10.40.0.0/16 [sandbox.invalid-value]",
        ]),
        Case(fixture: "bad-enum.yaml", expected: [
            "bad/bad-enum.yaml:6:14: error: spec.tools.default: expected one of deny, allow; found a string of 5 characters [sandbox.invalid-value]",
        ]),
        Case(fixture: "alias-bomb.yaml", expected: [
            "bad/alias-bomb.yaml:12:24: error: more than 64 aliases in one document (possible alias bomb) [yaml.alias-limit]",
        ]),
        Case(fixture: "node-bomb.yaml", expected: [
            "bad/node-bomb.yaml:7:23: error: the document expands to more than 200000 nodes (aliases counted at every use) [yaml.node-limit]",
        ]),
        Case(fixture: "deep-nesting.yaml", expected: [
            "bad/deep-nesting.yaml:3:70: error: nesting is deeper than 64 levels [yaml.too-deep]",
        ]),
        Case(fixture: "invalid-utf8.yaml", expected: [
            "bad/invalid-utf8.yaml:3:21: error: the file is not valid UTF-8 (save it as UTF-8) [input.invalid-utf8]",
        ]),
        Case(fixture: "not-a-sandbox.yaml", expected: [
            "bad/not-a-sandbox.yaml:2:7: warning: kind: kind is not TenantAgentSandbox (skipped) [sandbox.kind]",
        ]),
        Case(fixture: "empty.yaml", expected: [
            "bad/empty.yaml:1:1: warning: file holds no YAML document [sandbox.empty]",
        ]),
        Case(fixture: "multi-document.yaml", expected: [
            "bad/multi-document.yaml:7:43: error: spec.dataStores[0].access: expected one of read, write, read-write; found a string of 5 characters [sandbox.invalid-value]",
        ], sandboxes: ["second"]),
        Case(fixture: "missing-api-version.yaml", expected: [
            "bad/missing-api-version.yaml:1:1: warning: apiVersion: missing apiVersion; assuming agents.example.com/v1 [sandbox.missing-field]",
        ], sandboxes: ["versionless"]),
        Case(fixture: "top-level-list.yaml", expected: [
            "bad/top-level-list.yaml:1:1: error: expected a mapping, found a list [sandbox.type]",
        ]),
        // Every error of a document is collected, not just the first.
        Case(fixture: "several-errors.yaml", expected: [
            "bad/several-errors.yaml:5:10: error: spec.tools: expected a mapping, found a list [sandbox.type]",
            "bad/several-errors.yaml:6:16: error: spec.vectorIndex.tenantKey: missing required field \"tenantKey\" (required unless isolation is collection) [sandbox.missing-field]",
            "bad/several-errors.yaml:9:14: error: spec.dataStores[1].name: data store name is already used by spec.dataStores[0] [sandbox.invalid-value]",
            "bad/several-errors.yaml:13:41: error: spec.network.egress.deny[0].cidr: set exactly one of fqdn, cidr, not both [sandbox.invalid-value]",
            "bad/several-errors.yaml:13:54: error: spec.network.egress.deny[1]: missing required field \"fqdn\" or \"cidr\" [sandbox.missing-field]",
            "bad/several-errors.yaml:13:63: error: spec.network.egress.deny[1].ports[0]: expected a port between 1 and 65535, found an integer outside that range [sandbox.invalid-value]",
            "bad/several-errors.yaml:14:31: error: spec.limits.requestsPerMinute: expected a positive integer, found zero [sandbox.invalid-value]",
            "bad/several-errors.yaml:14:51: error: spec.limits.budget.maxUsd: expected a number, found a string of 3 characters [sandbox.type]",
        ]),
    ]

    @Test(arguments: cases)
    func badFileYieldsExactDiagnostics(_ testCase: Case) throws {
        let path = try SandboxFixtures.path("bad/" + testCase.fixture)
        let clock = ContinuousClock()
        var result = SandboxReadResult()
        let elapsed = clock.measure { result = SandboxReader().read(paths: [path]) }
        let prefix = try SandboxFixtures.folder() + "/"
        let descriptions = result.diagnostics.map { $0.description.replacingOccurrences(of: prefix, with: "") }
        #expect(descriptions == testCase.expected)
        #expect(result.sandboxes.map(\.tenantId) == testCase.sandboxes)
        #expect(result.filesRead == 1)
        // Hang guard only: the bombs and the deep file must be rejected without expanding them.
        #expect(elapsed < .seconds(2))
    }

    @Test func diagnosticsCarryCodeLocationAndKeyPathSeparately() throws {
        let result = SandboxReader().parse(text: try SandboxFixtures.text("bad/wrong-type.yaml"), file: "acme.yaml")
        let first = try #require(result.errors.first)
        #expect(first.code == .sandboxType)
        #expect(first.location == NodewardCore.SourceLocation(file: "acme.yaml", line: 14, column: 24))
        #expect(first.keyPath == "spec.limits.requestsPerMinute")
        #expect(first.message == "expected an integer, found a string of 4 characters")
        #expect(first.description == "acme.yaml:14:24: error: spec.limits.requestsPerMinute: expected an integer, found a string of 4 characters [sandbox.type]")
    }

    @Test func duplicateTenantAcrossFilesNamesTheFirst() throws {
        let folder = try SandboxFixtures.path("bad/duplicate-tenant")
        let result = SandboxReader().read(paths: [folder])
        #expect(result.filesRead == 2)
        #expect(result.sandboxes.map(\.name) == ["twin"], "the first file in path order wins")
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.code == .sandboxDuplicateTenant)
        #expect(error.location == NodewardCore.SourceLocation(file: "\(folder)/b-second.yml", line: 7, column: 9))
        #expect(error.message == "the tenant id is already declared at \(folder)/a-first.yaml:5:16")
    }

    @Test func duplicateTenantAcrossDocumentsOfOneText() {
        let doc = "apiVersion: agents.example.com/v1\nkind: TenantAgentSandbox\nspec:\n  tenant: {id: same}\n"
        let result = SandboxReader().parse(text: doc + "---\n" + doc, file: "t.yaml")
        #expect(result.sandboxes.count == 1)
        #expect(result.diagnostics.map(\.description) == [
            "t.yaml:9:16: error: spec.tenant.id: the tenant id is already declared at t.yaml:4:16 [sandbox.duplicate-tenant]",
        ])
    }

    @Test func oversizedFileIsRejectedBeforeReading() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-big-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        var limits = SandboxLimits()
        limits.maxFileBytes = 1_000
        let padding = String(repeating: "# padding line\n", count: 100)
        try ("kind: TenantAgentSandbox\n" + padding).write(to: url, atomically: true, encoding: .utf8)
        let result = SandboxReader(limits: limits).read(paths: [url.path])
        #expect(result.diagnostics.map(\.description) == [
            "\(url.path):1:1: error: file is 1525 bytes; the limit is 1000 bytes (SandboxLimits.maxFileBytes) [input.too-large]",
        ])
        // The default 4 MiB limit applies to in-memory text too.
        let huge = String(repeating: "a", count: SandboxLimits.default.maxFileBytes + 1)
        #expect(SandboxReader().parse(text: huge, file: "huge.yaml").errors.map(\.code) == [.fileTooLarge])
    }

    @Test func aliasesWithinLimitsStillWork() throws {
        let text = """
            apiVersion: agents.example.com/v1
            kind: TenantAgentSandbox
            metadata: {name: anchored, labels: &labels {tier: gold}}
            spec:
              tenant: {id: anchored}
              audit: {events: &events [tool_call, data_access]}
              network: {egress: {allow: [&openai {fqdn: api.openai.com, ports: [443]}, *openai]}}
            """
        let result = SandboxReader().parse(text: text, file: "a.yaml")
        #expect(result.diagnostics.isEmpty)
        #expect(result.sandboxes.first?.network.egressAllow.map(\.index) == [0, 1])
    }

    @Test func tighterLimitsAreHonoured() {
        var limits = SandboxLimits()
        limits.maxDepth = 3
        let deep = "a:\n  b:\n    c:\n      d: 1\n"
        #expect(SandboxReader(limits: limits).parse(text: deep, file: "d.yaml").diagnostics.map(\.description) == [
            "d.yaml:4:7: error: nesting is deeper than 3 levels [yaml.too-deep]",
        ])
        limits = SandboxLimits()
        limits.maxNodes = 10
        let wide = "kind: TenantAgentSandbox\nspec: {tenant: {id: x}, audit: {events: [a, b, c, d, e, f]}}\n"
        #expect(SandboxReader(limits: limits).parse(text: wide, file: "w.yaml").errors.map(\.code) == [.yamlNodeLimit])
    }
}

@Suite struct SandboxReaderEdgeCaseTests {
    private func descriptions(_ text: String) -> [String] {
        SandboxReader().parse(text: text, file: "e.yaml").diagnostics.map(\.description)
    }

    @Test func documentsWithoutKindOrMappingAreReported() {
        #expect(descriptions("spec: {tenant: {id: a}}\n") == [
            "e.yaml:1:1: warning: kind: document has no kind; expected TenantAgentSandbox (skipped) [sandbox.kind]",
        ])
        #expect(descriptions("just text\n") == ["e.yaml:1:1: error: expected a mapping, found a string of 9 characters [sandbox.type]"])
        #expect(descriptions("kind: TenantAgentSandbox\napiVersion: v1\n") == [
            "e.yaml:1:1: error: spec: missing required field \"spec\" [sandbox.missing-field]",
        ])
    }

    @Test func knownButIgnoredKeysAreStillTypeChecked() {
        let text = """
            apiVersion: agents.example.com/v1
            kind: TenantAgentSandbox
            metadata: {labels: {enabled: yes}}
            spec:
              tenant: {id: typed}
              identity: {issuers: [{issuer: https://a.example/, jwksUri: [x]}]}
              tools:
                mcpServers: [{allowedTools: [search]}]
                effects: {email.send: delete}
            """
        #expect(descriptions(text) == [
            "e.yaml:3:30: error: metadata.labels.enabled: expected a string, found a boolean [sandbox.type]",
            "e.yaml:6:62: error: spec.identity.issuers[0].jwksUri: expected a string, found a list [sandbox.type]",
            "e.yaml:8:18: error: spec.tools.mcpServers[0].name: missing required field \"name\" [sandbox.missing-field]",
            "e.yaml:9:27: error: spec.tools.effects.email.send: expected one of read, write; found a string of 6 characters [sandbox.invalid-value]",
        ])
    }

    @Test func valuesAreDescribedByKindAndLengthNeverQuoted() {
        let long = String(repeating: "x", count: 60)
        let text = "kind: TenantAgentSandbox\napiVersion: v1\nspec: {tenant: {id: t}, limits: {tokensPerMinute: \(long)}}\n"
        #expect(descriptions(text) == [
            "e.yaml:3:51: error: spec.limits.tokensPerMinute: expected an integer, found a string of 60 characters [sandbox.type]",
        ])
    }
}
