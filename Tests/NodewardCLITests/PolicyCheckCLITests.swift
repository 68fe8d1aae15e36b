import Foundation
import Testing

/// `nodeward policy check` end to end on a copy of the sample workspace: exit codes, the positional
/// policies folder, and a narrowed sandbox caught as a confinement error.
@Suite struct PolicyCheckCLITests {
    /// A workspace with the sample's config, tenants, graphs and threat model (no traces), and the
    /// policies `policy generate` writes from the sample's graphs.
    static func workspace() async throws -> URL {
        let root = try CLI.temporaryDirectory()
        let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")
        for item in ["nodeward.yaml", "threats.yaml", "tenants", "graphs"] {
            try FileManager.default.copyItem(at: fleet.appendingPathComponent(item), to: root.appendingPathComponent(item))
        }
        let generated = try await CLI.run(["policy", "generate", fleet.path, "--graphs", fleet.appendingPathComponent("graphs").path,
                                           "--policies", root.appendingPathComponent("policies").path])
        #expect(generated.status == 0, "\(generated.stderr)")
        return root
    }

    @Test func aGeneratedWorkspaceChecksCleanAndANarrowedSandboxFails() async throws {
        let root = try await Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let clean = try await CLI.run(["policy", "check", root.path])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.hasPrefix("4 policy files, 34 nodes: 0 confinement errors against 5 tenant sandboxes, "))
        #expect(clean.stdout.contains("6 threats (5 open)"))
        #expect(clean.stdout.contains("Threat T6 (runaway-cost): mitigated"))
        // Lints are warnings: they fail only with --strict; open threats only with --fail-on-open-threats.
        #expect(try await CLI.run(["policy", "check", root.path, "--strict"]).status == 1)
        #expect(try await CLI.run(["policy", "check", root.path, "--fail-on-open-threats"]).status == 1)

        let acme = root.appendingPathComponent("tenants/acme.yaml")
        let text = try String(contentsOf: acme, encoding: .utf8)
        try text.replacingOccurrences(of: "{tool: web.fetch}, ", with: "").write(to: acme, atomically: true, encoding: .utf8)
        let widened = try await CLI.run(["policy", "check", root.path, "--format", "json"])
        #expect(widened.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(widened.stdout.utf8)) as? [String: Any])
        let widenings = try #require(json["widenings"] as? [[String: Any]])
        #expect(widenings.count == 1)
        #expect(widenings.first?["node"] as? String == "tool_call.web.fetch")
        #expect(widenings.first?["tenant"] as? String == "acme")
        #expect(widenings.first?["field"] as? String == "match.operation")
        #expect(widenings.first?["legacyRule"] as? String == "acme/tools.default")
        #expect(widened.stderr.contains("1 confinement error against 5 tenant sandboxes"))
    }

    @Test func aPositionalPoliciesFolderIsCheckedAgainstGivenTenants() async throws {
        let root = try await Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let policies = root.appendingPathComponent("policies").path
        let alone = try await CLI.run(["policy", "check", policies])
        #expect(alone.status == 0)
        #expect(alone.stdout.contains("confinement not checked (no tenant sandboxes)"))
        let confined = try await CLI.run(["policy", "check", policies, "--tenants", root.appendingPathComponent("tenants").path, "--format", "markdown"])
        #expect(confined.status == 0)
        #expect(confined.stdout.hasPrefix("## Policy check"))
        #expect(confined.stdout.contains("0 confinement errors against 5 tenant sandboxes"))
    }

    @Test func invalidThreatFilesAndUsageErrorsHaveTheirExitCodes() async throws {
        let root = try await Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let threats = root.appendingPathComponent("threats.yaml")
        try "threats:\n  - {id: T1, kind: data-theft}\n".write(to: threats, atomically: true, encoding: .utf8)
        let invalid = try await CLI.run(["policy", "check", root.path])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("threats.yaml:2:") && invalid.stderr.contains("[threats.invalid]"))
        #expect(try await CLI.run(["policy", "check", root.path, "--format", "xml"]).status == 64)
    }
}
