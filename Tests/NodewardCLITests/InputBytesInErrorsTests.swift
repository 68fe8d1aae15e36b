import Foundation
import Testing

/// Error messages name a location and a kind, never the bytes of the input: a workspace pointed at the
/// wrong file (credentials, /etc/hostname) must not print that file. Each shape below is malformed in a
/// different way and carries the same secret; no output of any command may contain it.
@Suite struct InputBytesInErrorsTests {
    static let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY"

    /// Malformed sandbox shapes, each holding the secret where a reader would be tempted to quote it.
    static let sandboxShapes: [(name: String, text: String)] = [
        ("credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = \(secret)\n"),
        ("plain-scalar", "aws_secret_access_key = \(secret)\n"),
        ("hostname", "\(secret)\n"),
        ("kind", "kind: \(secret)\nspec: {}\n"),
        ("kind-list", "kind: [\(secret)]\n"),
        ("wrong-type", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t1}\n  limits: {requestsPerMinute: \(secret)}\n"),
        ("bad-enum", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t2}\n  tools: {default: \(secret)}\n"),
        ("bad-cidr", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t3}\n  network: {egress: {allow: [{cidr: \(secret)}]}}\n"),
        ("bad-glob", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t4}\n  tools: {allow: [{tool: \"[\(secret)\"}]}\n"),
        ("bad-port", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t5}\n  network: {egress: {allow: [{host: a.example, ports: [\(secret)]}]}}\n"),
        ("duplicate-store", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t6}\n  dataStores:\n    - {name: \(secret), type: s3, access: read}\n    - {name: \(secret), type: s3, access: read}\n"),
        // A valid sandbox's tenant id is data (the inventory lists it); its duplicate's error does not repeat it.
        ("duplicate-tenant-a", "kind: TenantAgentSandbox\napiVersion: v1\nspec: {tenant: {id: twin}}\n"),
        ("duplicate-tenant-b", "kind: TenantAgentSandbox\napiVersion: v1\nspec: {tenant: {id: twin}, runtime: {image: \(secret)}, limits: {tokensPerMinute: x}}\n"),
        ("unclosed-quote", "kind: TenantAgentSandbox\nspec: {tenant: {id: \"\(secret)}\n"),
        ("bad-indent", "kind: TenantAgentSandbox\n  spec: \(secret)\n bad: [\n"),
        ("tab", "kind: TenantAgentSandbox\n\tsecret: \(secret)\n"),
        ("null-budget", "kind: TenantAgentSandbox\napiVersion: v1\nspec:\n  tenant: {id: t7}\n  limits: {budget: {maxUsd: \(secret), period: month}}\n"),
    ]

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func noMalformedInputShapePutsItsBytesInAnyOutput() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let tenants = root.appendingPathComponent("tenants")
        for shape in Self.sandboxShapes { try Self.write(shape.text, tenants.appendingPathComponent("\(shape.name).yaml")) }
        let traces = root.appendingPathComponent("traces/steps.jsonl")
        try Self.write("{\"tenant\":\"t1\",\"agent\":\"a\",\"run\":\"r1\",\"step\":\"s1\",\"time\":1,\"kind\":\"output\",\"operation\":\"o\"}\n", traces)
        // Labels, task graphs, policies and a workspace file in the same malformed shapes.
        let labels = root.appendingPathComponent("labels.yaml")
        try Self.write("incidents: \(Self.secret)\n", labels)
        try Self.write("version: 1\nworkflow: w\nnodes: \(Self.secret)\n", root.appendingPathComponent("policies/w.yaml"))
        try Self.write("incidents: [{id: \(Self.secret)}]\n", root.appendingPathComponent("labels2.yaml"))
        try Self.write("workflow: \(Self.secret)\nnodes: 3\n", root.appendingPathComponent("graphs/w.yaml"))
        let workspace = root.appendingPathComponent("ws")
        try Self.write("version: \(Self.secret)\ntenants: [\(Self.secret)\n", workspace.appendingPathComponent("nodeward.yaml"))
        let good = root.appendingPathComponent("good/t1.yaml")
        try Self.write("kind: TenantAgentSandbox\napiVersion: v1\nspec: {tenant: {id: t1}}\n", good)
        let badThreats = root.appendingPathComponent("threats.yaml")
        try Self.write("version: 1\nthreats: [{id: x, kind: \(Self.secret), description: \(Self.secret)}]\n", badThreats)

        var outputs: [(String, String)] = []
        for arguments in [
            ["analyze", "--tenants", tenants.path, "--traces", traces.path, "--labels", labels.path, "--format", "json"],
            ["analyze", "--tenants", good.path, "--traces", traces.path, "--labels", root.appendingPathComponent("labels2.yaml").path],
            ["plan", "--tenants", tenants.path, "--traces", traces.path, "--no-store", "--out", root.appendingPathComponent("out").path],
            ["policy", "check", root.appendingPathComponent("policies").path],
            ["policy", "check", "--policies", root.appendingPathComponent("policies").path, "--tenants", tenants.path, "--threats", badThreats.path],
            ["infer", "--tenants", good.path, "--traces", traces.path, "--compare", root.appendingPathComponent("graphs").path, "--no-write"],
            ["plan", workspace.path, "--no-store"],
            // /etc/hostname holds one plain line, like the "hostname" shape: its kind is named, never its text.
            ["analyze", "--tenants", "/etc/hostname", "--traces", traces.path],
        ] {
            let result = try await CLI.run(arguments)
            #expect(result.status != 0 || arguments.contains(good.path), "\(arguments) reads malformed input and must fail: \(result.stderr)")
            outputs.append(("\(arguments.prefix(2)) stdout", result.stdout))
            outputs.append(("\(arguments.prefix(2)) stderr", result.stderr))
        }
        let stderr = outputs.filter { $0.0.hasSuffix("stderr") }.map(\.1).joined()
        #expect(stderr.contains("found a string of"), "kinds are named instead: \(stderr)")
        #expect(stderr.contains("credentials.yaml:"), "locations are named")
        let leaks = outputs.filter { $0.1.contains(Self.secret) || $0.1.contains("AKIAIOSFODNN7EXAMPLE") }.map(\.0)
        #expect(leaks.isEmpty, "input bytes leaked into: \(leaks)")
        if let hostname = try? String(contentsOfFile: "/etc/hostname", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           hostname.count >= 6 {
            let last = try #require(outputs.last(where: { $0.0.hasSuffix("stderr") }))
            #expect(!last.1.replacingOccurrences(of: "/etc/hostname", with: "").contains(hostname), "/etc/hostname's content leaked: \(last.1)")
        }
    }
}
