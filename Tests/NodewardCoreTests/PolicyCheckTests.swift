import Foundation
import Testing
@testable import NodewardCore

/// Monotonic confinement of committed policy files: policies generated from the sample fleet are
/// confined, and a config change that makes them wider than a tenant sandbox is caught, grant by grant.
@Suite struct PolicyCheckTests {
    static let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet").path

    static func path(_ relative: String) -> String { (fleet as NSString).appendingPathComponent(relative) }

    static func sampleGraphs() throws -> [TaskGraph] {
        let (graphs, diagnostics) = GraphFiles.load(directory: path("graphs"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return graphs
    }

    static func sampleSandboxes() throws -> [TenantSandbox] {
        let read = SandboxReader().read(paths: [path("tenants")])
        #expect(read.errors.isEmpty, "\(read.errors)")
        return read.sandboxes
    }

    /// The sample fleet's policies as `policy generate` writes them (balanced), read back from YAML.
    static func sampleFiles() throws -> [PolicyFile] {
        let sandboxes = try sampleSandboxes()
        return try sampleGraphs().map { graph in
            let set = PolicyGenerator(graph: graph, sandboxes: sandboxes).generate()
            let (file, diagnostics) = PolicyReader.readFile(yaml: set.yaml(), file: "policies/\(set.fileStem).yaml")
            #expect(diagnostics.isEmpty)
            return try #require(file)
        }
    }

    static func sampleThreats() throws -> ThreatModel {
        let file = path("threats.yaml")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let (model, diagnostics) = ThreatModelReader.read(yaml: text, file: file)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(model)
    }

    static func sampleReport(files: [PolicyFile]? = nil, sandboxes: [TenantSandbox]? = nil) throws -> PolicyCheckReport {
        PolicyCheck(files: try files ?? sampleFiles(), sandboxes: try sandboxes ?? sampleSandboxes(), graphs: try sampleGraphs(),
                    threats: try sampleThreats()).run()
    }

    /// The fleet's sandboxes with one tenant's YAML edited as text (a config change in review).
    static func sandboxes(editing tenant: String, _ edit: (String) -> String) throws -> [TenantSandbox] {
        let file = path("tenants/\(tenant).yaml")
        let original = try String(contentsOfFile: file, encoding: .utf8)
        let edited = edit(original)
        #expect(edited != original, "the edit changed nothing")
        let read = SandboxReader().parse(text: edited, file: file)
        #expect(read.errors.isEmpty, "\(read.errors)")
        return try sampleSandboxes().filter { $0.tenantId != tenant } + read.sandboxes
    }

    func describe(_ widenings: [ConfinementWidening]) -> [String] {
        widenings.map { "\($0.workflow) \($0.node) \($0.tenant) \($0.field) \($0.granted) \($0.legacyRule ?? "-")" }
    }

    @Test func generatedSamplePoliciesAreConfined() throws {
        let report = try Self.sampleReport()
        #expect(report.confinementChecked)
        #expect(report.tenants == ["acme", "globex", "hooli", "initech", "umbrella"])
        #expect(report.widenings.isEmpty, "\(describe(report.widenings))")
    }

    @Test func removingAToolFromAnAllowlistIsCaught() throws {
        let sandboxes = try Self.sandboxes(editing: "acme") { $0.replacing("{tool: web.fetch}, ", with: "") }
        let report = try Self.sampleReport(sandboxes: sandboxes)
        #expect(describe(report.widenings) == ["crm-enrichment tool_call.web.fetch acme match.operation tool_call web.fetch acme/tools.default"])
        let widening = try #require(report.widenings.first)
        #expect(widening.location.file == "policies/crm-enrichment.yaml" && widening.location.line > 1 && widening.location.column != nil)
        #expect(widening.diagnostic.severity == .error && widening.diagnostic.code == .policyConfinementWidened)
        #expect(widening.diagnostic.description.contains("grants tenant acme tool_call web.fetch, which its legacy sandbox denies (acme/tools.default)"))
    }

    @Test func shrinkingAnEgressListIsCaught() throws {
        let sandboxes = try Self.sandboxes(editing: "acme") { $0.replacing("{fqdn: api.openai.com, ports: [443]}, ", with: "") }
        let report = try Self.sampleReport(sandboxes: sandboxes)
        #expect(describe(report.widenings) == [
            "crm-enrichment llm.${tenant.model} acme allow.resources egress:api.openai.com:443 acme/network.egress.default",
            "inbox-triage llm.${tenant.model} acme allow.resources egress:api.openai.com:443 acme/network.egress.default",
            "invoice-processing llm.${tenant.model} acme allow.resources egress:api.openai.com:443 acme/network.egress.default",
        ])
    }

    @Test func loweringTheRateLimitIsCaughtOnEveryFasterNode() throws {
        let sandboxes = try Self.sandboxes(editing: "globex") { $0.replacing("requestsPerMinute: 60,", with: "requestsPerMinute: 30,") }
        let files = try Self.sampleFiles()
        let report = try Self.sampleReport(files: files, sandboxes: sandboxes)
        // Every node granted to globex, except its outputs (legacy does not count them), now runs faster than globex may.
        let expected = files.flatMap { file in
            file.policies.nodes.filter { $0.tenants.contains("globex") && $0.match.kind != .output }.map {
                "\(file.policies.workflow) \($0.id) globex limits.perMinute perMinute \($0.limits.perMinute!) globex/limits.requestsPerMinute"
            }
        }.sorted()
        #expect(expected.count > 5)
        #expect(describe(report.widenings) == expected)
    }

    @Test func narrowingAStoreOrTheModelsIsCaught() throws {
        let readOnly = try Self.sandboxes(editing: "acme") { $0.replacing("{name: crm, kind: postgres, access: read-write", with: "{name: crm, kind: postgres, access: read") }
        #expect(describe(try Self.sampleReport(sandboxes: readOnly).widenings) == [
            "crm-enrichment tool_call.crm.update acme allow.resources store:crm/${tenant.scope}accounts [write] acme/dataStores[crm].access",
        ])
        // No model globex's traces used is admitted any more: its LLM nodes are wider than its sandbox.
        let models = try Self.sandboxes(editing: "globex") { $0.replacing("limits: {requestsPerMinute: 60,", with: "limits: {models: [mistral-large], requestsPerMinute: 60,") }
        #expect(describe(try Self.sampleReport(sandboxes: models).widenings) == [
            "invoice-processing llm.${tenant.model} globex match.operation llm ${tenant.model} globex/limits.models",
            "support-ticket-summary llm.${tenant.model} globex match.operation llm ${tenant.model} globex/limits.models",
        ])
    }

    @Test func theWorkspaceNamesItsThreatModel() throws {
        #expect(try Workspace.load(folder: Self.fleet).threats == Self.path("threats.yaml"))
        let explicit = try Workspace.parse(text: "version: 1\nthreats: security/threats.yaml\n", file: "nodeward.yaml", folder: "/ws")
        #expect(explicit.threats == "/ws/security/threats.yaml" && explicit.warnings.isEmpty)
        #expect(try Workspace.parse(text: "version: 1\n", file: "nodeward.yaml", folder: "/ws").threats == nil)
    }

    @Test func aPolicyEditThatDropsALegacyArgumentGlobIsCaught() throws {
        var files = try Self.sampleFiles()
        let index = try #require(files.firstIndex { $0.policies.workflow == "inbox-triage" })
        let node = try #require(files[index].policies.nodes.firstIndex { $0.id == "tool_call.email.send" })
        files[index].policies.nodes[node].allow.arguments = files[index].policies.nodes[node].allow.arguments?.map {
            var constraint = $0
            if constraint.name == "to" { constraint.pattern = nil; constraint.patternTenants = nil }
            return constraint
        }
        let report = try Self.sampleReport(files: files)
        #expect(describe(report.widenings) == [
            "inbox-triage tool_call.email.send acme allow.arguments.to.pattern argument to with any value acme/tools.allow[1]",
            "inbox-triage tool_call.email.send initech allow.arguments.to.pattern argument to with any value initech/tools.allow[1]",
        ])
    }

    @Test func grantingANodeToATenantItsSandboxDeniesIsCaught() throws {
        var files = try Self.sampleFiles()
        let index = try #require(files.firstIndex { $0.policies.workflow == "crm-enrichment" })
        let node = try #require(files[index].policies.nodes.firstIndex { $0.id == "retrieval.${tenant.vectorIndex}~f93a" })
        // The generator withheld initech: its vector tenant key denies acme's partition.
        files[index].policies.nodes[node].tenants += ["initech", "wayne"]
        let report = try Self.sampleReport(files: files)
        #expect(describe(report.widenings) == [
            "crm-enrichment retrieval.${tenant.vectorIndex}~f93a initech allow.resources vector:${tenant.vectorIndex}#group_id=acme initech/vectorIndex.tenantKey",
            "crm-enrichment retrieval.${tenant.vectorIndex}~f93a initech limits.perMinute perMinute 600 initech/limits.requestsPerMinute",
            "crm-enrichment retrieval.${tenant.vectorIndex}~f93a wayne tenants wayne -",
        ])
        #expect(report.widenings.last?.diagnostic.code == .policyConfinementUnknownTenant)
        // Another tenant's partition is outside initech's tenant boundary, not only outside a grant.
        #expect(report.widenings.first?.boundary == .vectorTenantKey)
        #expect(report.widenings.first?.diagnostic.code == .policyConfinementBoundary)
        #expect(report.widenings.dropFirst().allSatisfy { $0.boundary == nil })
    }

    /// The confinement rule of the tenant boundary: a node that grants a resource outside a granted
    /// tenant's boundary (another namespace, partition, store, or a path outside the store's scope) is a
    /// `policy.confinement.boundary` error naming the check, whatever else the node says.
    @Test func aGrantOutsideTheTenantBoundaryIsABoundaryConfinementError() throws {
        var files = try Self.sampleFiles()
        let index = try #require(files.firstIndex { $0.policies.workflow == "crm-enrichment" })
        let node = try #require(files[index].policies.nodes.firstIndex { $0.id == "tool_call.crm.update" })
        #expect(files[index].policies.nodes[node].tenants.contains("acme"))
        let widened = ["memory:globex-memory/notes/*", "vector:${tenant.vectorIndex}#group_id=globex",
                       "store:crm/globex.accounts [write]", "store:payroll/${tenant.id}/x"]
        files[index].policies.nodes[node].allow.resources += widened
        let report = try Self.sampleReport(files: files)
        let acme = report.widenings.filter { $0.tenant == "acme" && $0.node == "tool_call.crm.update" }
        #expect(acme.map { "\($0.granted) \($0.legacyRule ?? "-") \($0.boundary?.rawValue ?? "-")" } == [
            "memory:globex-memory/notes/* acme/memory.namespace memory.namespace",
            "store:crm/globex.accounts [write] acme/dataStores[crm].scope dataStores.scope",
            "store:payroll/${tenant.id}/x acme/dataStores dataStores",
            "vector:${tenant.vectorIndex}#group_id=globex acme/vectorIndex.tenantKey vectorIndex.tenantKey",
        ])
        let diagnostic = try #require(acme.first?.diagnostic)
        #expect(diagnostic.code == .policyConfinementBoundary && diagnostic.severity == .error)
        #expect(diagnostic.description.contains("outside its tenant boundary (boundary.memory.namespace"))
        #expect(report.document().plainText().contains("(outside the tenant boundary: memory.namespace)"))
        // Every tenant the node is granted to gets its own boundary errors; none is a plain widening.
        let granted = files[index].policies.nodes[node].tenants
        #expect(Set(report.widenings.filter { $0.node == "tool_call.crm.update" }.map(\.tenant)) == Set(granted))
        #expect(report.widenings.filter { $0.node == "tool_call.crm.update" }.allSatisfy { $0.boundary != nil })
    }

    @Test func aStoreReadOnlyForTheTenantIsAWideningButNotABoundaryError() throws {
        let readOnly = try Self.sandboxes(editing: "acme") { $0.replacing("{name: crm, kind: postgres, access: read-write", with: "{name: crm, kind: postgres, access: read") }
        let widening = try #require(try Self.sampleReport(sandboxes: readOnly).widenings.first)
        #expect(widening.boundary == nil && widening.diagnostic.code == .policyConfinementWidened)
    }

    @Test func withoutSandboxesConfinementIsNotChecked() throws {
        let report = PolicyCheck(files: try Self.sampleFiles()).run()
        #expect(!report.confinementChecked && report.widenings.isEmpty && report.threats == nil)
        #expect(report.document().plainText().contains("confinement not checked (no tenant sandboxes)"))
    }

    @Test func theReportIsDeterministicInEveryFormat() throws {
        let first = try Self.sampleReport(), second = try Self.sampleReport()
        #expect(StableJSON.encode(first) == StableJSON.encode(second))
        #expect(first.document().markdown() == second.document().markdown())
        let json = StableJSON.encode(first)
        #expect(json.contains("\"widenings\" : [") && json.contains("\"openPaths\""))
        let markdown = first.document().markdown()
        #expect(markdown.contains("Threat T6 (runaway-cost): mitigated"))
    }
}
