import Foundation
import Testing

/// `plan` reports a tenant ready only on evidence, and needs a sandbox for every tenant in the traces.
@Suite struct PlanEvidenceCLITests {
    @Test func aTenantSeenInTracesWithoutASandboxIsBadInputNamingIt() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")
        let tenants = root.appendingPathComponent("tenants")
        try FileManager.default.createDirectory(at: tenants, withIntermediateDirectories: true)
        // The only sandbox file has an unknown kind: a warning, and no sandbox for umbrella.
        try Data("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: umbrella}\n".utf8).write(to: tenants.appendingPathComponent("umbrella.yaml"))
        let result = try await CLI.run(["plan", "--tenants", tenants.path, "--traces", fleet.appendingPathComponent("traces/umbrella.steps.jsonl").path,
                                        "--no-store", "--out", root.appendingPathComponent("out").path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("warning: kind: kind is not TenantAgentSandbox (skipped) [sandbox.kind]"), "\(result.stderr)")
        #expect(result.stderr.contains("error: tenant umbrella appears in the traces but has no tenant sandbox; add its TenantAgentSandbox file"),
                "\(result.stderr)")
        #expect(result.stderr.contains("[plan.missing-sandbox]"))
        #expect(!result.stdout.contains("ready to cut over"))
    }
}
