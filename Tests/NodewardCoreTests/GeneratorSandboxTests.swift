import Foundation
import NodewardCore
import NodewardSamples
import Testing
import Yams

@Suite struct GeneratorSandboxTests {
    private func sandboxes(tenants: Int = 5) throws -> (root: URL, specs: [String: [String: Any]]) {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 10, tenants: tenants))
        var specs: [String: [String: Any]] = [:]
        for path in fleet.summary.files where path.hasPrefix("tenants/") {
            let text = try String(contentsOf: fleet.root.appendingPathComponent(path), encoding: .utf8)
            let document = try #require(try Yams.load(yaml: text) as? [String: Any], "\(path) does not parse")
            #expect(document["kind"] as? String == "TenantAgentSandbox")
            let spec = try #require(document["spec"] as? [String: Any])
            let tenant = try #require((spec["tenant"] as? [String: Any])?["id"] as? String)
            #expect(path == "tenants/\(tenant).yaml")
            specs[tenant] = spec
        }
        return (fleet.root, specs)
    }

    @Test func tenantSandboxesCarryTheirRiskySettings() throws {
        let (root, specs) = try sandboxes()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(specs.keys.sorted() == ["acme", "globex", "hooli", "initech", "umbrella"])
        func value(_ tenant: String, _ path: String...) -> Any? {
            var current: Any? = specs[tenant]
            for key in path { current = (current as? [String: Any])?[key] }
            return current
        }
        // Default-allow tenant without an audit sink or tenant claim.
        #expect(value("umbrella", "tools", "default") as? String == "allow")
        #expect(value("umbrella", "audit") == nil)
        #expect(value("umbrella", "identity", "tenantClaim") == nil)
        // Wildcard allow.
        let hooliAllow = try #require(value("hooli", "tools", "allow") as? [[String: Any]])
        #expect(hooliAllow.contains { $0["tool"] as? String == "*" })
        // Shared collection with payload isolation.
        for tenant in ["acme", "initech"] {
            #expect(value(tenant, "vectorIndex", "collection") as? String == "shared-docs")
            #expect(value(tenant, "vectorIndex", "isolation") as? String == "payload")
            #expect(value(tenant, "vectorIndex", "tenantKey", "value") as? String == tenant)
        }
        // Shared memory namespace, overlapping s3 scopes.
        #expect(value("umbrella", "memory", "namespace") as? String == "agents-memory")
        #expect(value("hooli", "memory", "namespace") as? String == "agents-memory")
        func prefix(_ tenant: String) -> String? {
            ((value(tenant, "dataStores") as? [[String: Any]]) ?? []).compactMap { ($0["scope"] as? [String: Any])?["prefix"] as? String }.first
        }
        let hooliPrefix = try #require(prefix("hooli"))
        #expect(try #require(prefix("umbrella")).hasPrefix(hooliPrefix))
        // Starter tenant: namespace isolation, low rpm, Entra tid claim.
        #expect(value("globex", "vectorIndex", "tenantKey", "namespace") as? String == "globex")
        #expect(value("globex", "limits", "requestsPerMinute") as? Int == 60)
        #expect(value("globex", "identity", "tenantClaim") as? String == "tid")
        // acme is the brief's example.
        #expect(value("acme", "identity", "tenantClaimValue") as? String == "org_4f2a")
        #expect(value("acme", "runtime", "resources", "memory") as? String == "4Gi")
        #expect(value("acme", "runtime", "resources", "cpu") as? String == "2")
        let acmeDeny = try #require(value("acme", "tools", "deny") as? [[String: Any]])
        #expect(acmeDeny.map { $0["tool"] as? String } == ["crm.delete"])
    }

    @Test func synthesizedTenantsStandAlone() throws {
        let (root, specs) = try sandboxes(tenants: 8)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(specs.keys.sorted() == ["acme", "globex", "hooli", "initech", "tenant-06", "tenant-07", "tenant-08", "umbrella"])
        let six = try #require(specs["tenant-06"])
        #expect(((six["memory"] as? [String: Any])?["namespace"] as? String) == "tenant-06-memory")
        #expect(((six["vectorIndex"] as? [String: Any])?["tenantKey"] as? [String: Any])?["value"] as? String == "tenant-06")
    }
}
