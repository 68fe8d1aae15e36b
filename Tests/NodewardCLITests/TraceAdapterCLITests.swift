import Foundation
import Testing
import NodewardCore

/// `analyze`, `infer`, `policy generate` and `plan` through the built binary on a small workspace per
/// trace adapter (issue 14), each over that adapter's fixtures from Tests/NodewardCoreTests/Fixtures:
/// exit 0, and the steps and runs the commands report are the ones the library reads from the same
/// workspace.
@Suite struct TraceAdapterCLITests {
    struct Adapter: CustomStringConvertible, Sendable {
        var name: String
        var format: TraceFormat
        /// Fixture files, relative to Tests/NodewardCoreTests/Fixtures.
        var traces: [String]
        var attributes: String
        /// Tenant id → extra `spec` YAML lines of its sandbox.
        var tenants: [String: [String]]
        var description: String { name }
    }

    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/NodewardCoreTests/Fixtures")

    static let adapters: [Adapter] = [
        Adapter(
            name: "chat-transcripts", format: .chatTranscripts, traces: ["transcripts/tau-bench-airline/slice.json"],
            attributes: #"{transcriptTenant: "=airline", transcriptRun: "task_id+trial", transcriptWorkflow: "=airline-support"}"#,
            tenants: ["airline": []]),
        Adapter(name: "claude-code", format: .claudeCodeLogs, traces: ["traces/claude-code/session.jsonl"], attributes: "{}", tenants: ["org-acme": []]),
        Adapter(name: "openai-agents", format: .agentsSDK, traces: ["traces/openai-agents/multi-agent.jsonl"], attributes: "{}", tenants: ["acme": [], "globex": []]),
        Adapter(
            name: "openinference", format: .otlpJSON, traces: ["traces/openinference/agent-run.json"], attributes: "{tenant: metadata.tenant}",
            tenants: ["acme": ["vectorIndex: {collection: policies, isolation: collection}"]]),
        Adapter(
            name: "otel-genai", format: .otlpJSONLines,
            traces: ["traces/otel-genai/crew-run.jsonl", "traces/otel-genai/baggage-tenant.json", "traces/otel-genai/mcp-sessions.jsonl"],
            attributes: "{}",
            tenants: [
                "acme": ["memory: {namespace: acme-memory}", "vectorIndex: {collection: travel-docs, isolation: collection}", "network: {egress: {default: allow}}"],
                "globex": [], "initech": [],
            ]),
    ]

    /// A workspace folder: nodeward.yaml, one allow-by-default sandbox per tenant, the fixtures in traces/.
    static func workspace(_ adapter: Adapter) throws -> URL {
        let root = try CLI.temporaryDirectory()
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("tenants"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("traces"), withIntermediateDirectories: true)
        let yaml = "version: 1\ntenants: [tenants/]\ntraces: [traces/]\nattributes: \(adapter.attributes)\n"
        try Data(yaml.utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        for (tenant, extra) in adapter.tenants {
            var lines = [
                "apiVersion: agents.example.com/v1", "kind: TenantAgentSandbox", "metadata: {name: \(tenant)}", "spec:",
                "  tenant: {id: \(tenant)}", "  tools: {default: allow}",
            ]
            lines += extra.map { "  " + $0 }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: root.appendingPathComponent("tenants/\(tenant).yaml"))
        }
        for trace in adapter.traces {
            let source = fixtures.appendingPathComponent(trace)
            try manager.copyItem(at: source, to: root.appendingPathComponent("traces").appendingPathComponent(source.lastPathComponent))
        }
        return root
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: adapters)
    func everyCommandRunsOnTheAdaptersFixtures(_ adapter: Adapter) async throws {
        let root = try Self.workspace(adapter)
        defer { try? FileManager.default.removeItem(at: root) }

        // What the library reads from the same workspace: the numbers the commands must report.
        let workspace = try Workspace.load(folder: root.path)
        var runs: [Run] = []
        let summary = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { runs.append($0) }
        let steps = runs.reduce(0) { $0 + $1.steps.count }
        let workflows = Set(runs.map(\.workflow)).sorted()
        #expect(runs.count > 0 && steps > 0)
        #expect(summary.files.values.contains(adapter.format), "\(summary.files)")
        #expect(Set(runs.map(\.tenant)) == Set(adapter.tenants.keys))

        let analyze = try await CLI.run(["analyze", root.path, "--format", "json"])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let report = try Self.object(analyze.stdout)
        let traces = try #require(report["traces"] as? [String: Any])
        #expect(traces["steps"] as? Int == steps && traces["runs"] as? Int == runs.count, "\(traces)")

        let infer = try await CLI.run(["infer", root.path, "--format", "json"])
        #expect(infer.status == 0, "\(infer.stderr)")
        let graphs = try #require(try JSONSerialization.jsonObject(with: Data(infer.stdout.utf8)) as? [[String: Any]])
        #expect(graphs.compactMap { $0["workflow"] as? String }.sorted() == workflows)

        let generate = try await CLI.run(["policy", "generate", root.path])
        #expect(generate.status == 0, "\(generate.stderr)")
        let policies = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("policies").path).filter { $0.hasSuffix(".yaml") }
        #expect(policies.count == workflows.count, "\(policies)")

        let out = root.appendingPathComponent("reports")
        let plan = try await CLI.run(["plan", root.path, "--out", out.path, "--no-store", "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let coverage = try #require(try Self.object(plan.stdout)["coverage"] as? [String: Any])
        #expect(coverage["steps"] as? Int == steps && coverage["runs"] as? Int == runs.count, "\(coverage)")
        #expect(coverage["workflows"] as? Int == workflows.count && coverage["tenants"] as? Int == adapter.tenants.count)
        #expect(coverage["skippedRecords"] as? Int == summary.skippedTotal)
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(written.contains("plan.json") && written.contains("plan.md"))
    }

    /// `--trace-format` through the binary: it reads a file detection misreads (Nodeward JSONL whose first
    /// run header keeps the conversation as `messages`), an unknown name is a usage error, and so is an
    /// unknown workspace `traceFormat` as bad input at its line.
    @Test func traceFormatForcesTheAdapterAndRejectsUnknownNames() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("tenants"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("traces"), withIntermediateDirectories: true)
        let sandbox = ["apiVersion: agents.example.com/v1", "kind: TenantAgentSandbox", "metadata: {name: acme}", "spec:",
                       "  tenant: {id: acme}", "  tools: {default: allow}"].joined(separator: "\n") + "\n"
        try Data(sandbox.utf8).write(to: root.appendingPathComponent("tenants/acme.yaml"))
        let traces = [
            #"{"v":1,"type":"run","tenant":"acme","agent":"helper","workflow":"triage","run":"r-1","messages":[{"role":"user","content":"hi"}]}"#,
            #"{"v":1,"tenant":"acme","agent":"helper","workflow":"triage","run":"r-1","step":"s1","time":"2026-11-02T09:14:03.120Z","kind":"tool_call","operation":"email.read"}"#,
        ].joined(separator: "\n") + "\n"
        try Data(traces.utf8).write(to: root.appendingPathComponent("traces/run.jsonl"))
        let inputs = ["--tenants", root.appendingPathComponent("tenants").path, "--traces", root.appendingPathComponent("traces").path]

        let forced = try await CLI.run(["analyze"] + inputs + ["--trace-format", "nodeward-jsonl", "--format", "json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let counts = try #require(try Self.object(forced.stdout)["traces"] as? [String: Any])
        #expect(counts["steps"] as? Int == 1 && counts["runs"] as? Int == 1, "\(counts)")
        let detected = try await CLI.run(["analyze"] + inputs + ["--format", "json"])
        let detectedCounts = try #require(try Self.object(detected.stdout)["traces"] as? [String: Any])
        #expect(detectedCounts["steps"] as? Int != 1, "\(detectedCounts)")

        let unknown = try await CLI.run(["infer"] + inputs + ["--trace-format", "otel"])
        #expect(unknown.status == 64 && unknown.stderr.contains("trace-format"), "\(unknown.stderr)")

        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\ntraceFormat: otel\n".utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        let badKey = try await CLI.run(["analyze", root.path])
        #expect(badKey.status == 2 && badKey.stderr.contains("nodeward.yaml:4") && badKey.stderr.contains("traceFormat"), "\(badKey.stderr)")
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\ntraceFormat: nodeward-jsonl\n".utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        let fromKey = try await CLI.run(["plan", root.path, "--out", root.appendingPathComponent("reports").path, "--no-store", "--format", "json"])
        #expect(fromKey.status == 0, "\(fromKey.stderr)")
        let coverage = try #require(try Self.object(fromKey.stdout)["coverage"] as? [String: Any])
        #expect(coverage["steps"] as? Int == 1, "\(coverage)")
    }
}
