import Foundation
import NodewardCore
import NodewardStore

/// The inputs the sidecar decides with: tenant sandboxes and node policies, each workflow's policy
/// identified by the hash of its file text (the same `PolicyVersion` offline replay records).
public struct PolicyBundle: Sendable {
    public var sandboxes: [TenantSandbox]
    public var sets: [PolicySet]
    /// Workflow → policy version, from `Fingerprint.label` of the policy file as Nodeward writes it.
    public var versions: [String: PolicyVersion]

    public init(sandboxes: [TenantSandbox], sets: [PolicySet]) {
        self.sandboxes = sandboxes.sorted { $0.tenantId < $1.tenantId }
        self.sets = sets.sorted { $0.workflow < $1.workflow }
        versions = Dictionary(
            sets.map { ($0.workflow, PolicyVersion(workflow: $0.workflow, contentHash: Fingerprint.label($0.yaml()))) },
            uniquingKeysWith: { first, _ in first })
    }

    public var tenants: [String] { sandboxes.map(\.tenantId) }

    /// Why this bundle must not replace a working one (empty when it may).
    public func problems() -> [String] {
        var problems: [String] = []
        if sandboxes.isEmpty { problems.append("no tenant sandboxes") }
        if sets.isEmpty { problems.append("no node policies") }
        var seen = Set<String>()
        for set in sets where !seen.insert(set.workflow).inserted {
            problems.append("workflow \(set.workflow) has more than one policy set")
        }
        if sets.contains(where: { $0.workflow == Canary.workflow }) || sandboxes.contains(where: { Canary.tenants.contains($0.tenantId) }) {
            problems.append("\(Canary.workflow) is reserved for the shadow self-test")
        }
        return problems
    }
}

/// Why loading or validating a bundle failed: diagnostics as `file:line: message` (no payloads).
public struct PolicyLoadFailure: Error, Sendable, Hashable {
    public var reasons: [String]
    public init(reasons: [String]) { self.reasons = reasons }
}

/// Where the bundle is read from on start and on every reload: sandbox files or folders, and a
/// folder of committed node policy files (`nodeward policy generate` writes them).
public struct PolicySource: Sendable {
    public var tenants: [String]
    public var policies: String

    public init(tenants: [String], policies: String) {
        self.tenants = tenants
        self.policies = policies
    }

    public func load() -> Result<PolicyBundle, PolicyLoadFailure> {
        let sandboxes = SandboxReader().read(paths: tenants)
        let policies = PolicyFolder.load(directory: self.policies)
        let errors = (sandboxes.diagnostics + policies.diagnostics).filter { $0.severity == .error }
        if !errors.isEmpty { return .failure(PolicyLoadFailure(reasons: errors.map(\.description))) }
        let bundle = PolicyBundle(sandboxes: sandboxes.sandboxes, sets: policies.sets)
        let problems = bundle.problems()
        return problems.isEmpty ? .success(bundle) : .failure(PolicyLoadFailure(reasons: problems))
    }

    /// What a serve session reads, for the store's session row (paths only).
    public var description: String { (tenants + [policies]).joined(separator: " ") }
}
