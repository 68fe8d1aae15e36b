public struct PolicyGeneratorOptions: Sendable, Hashable {
    public var strictness: PolicyStrictness = .balanced
    /// Edges seen in fewer runs are low-support (not granted in balanced and strict).
    public var minRuns = 3
    /// Edges seen in fewer tenants are low-support; strict needs max(2, minTenants) tenants for
    /// external-content edges into state-changing nodes.
    public var minTenants = 1
    /// Per-run limit = the most steps seen in one run × headroom, rounded up.
    public var headroom = 2.0
    /// Upper bound of any generated per-run limit.
    public var maxPerRun = 1_000

    public init(strictness: PolicyStrictness = .balanced) { self.strictness = strictness }
}

/// Generates one workflow's node policies from its task graph (docs/policy-language.md, "Generation"):
/// least privilege per node, edge grants only where the evidence supports them, origin constraints on
/// state-changing nodes, limits from observed counts with headroom, never wider than the legacy sandboxes.
public struct PolicyGenerator: Sendable {
    public let graph: TaskGraph
    public let sandboxes: [String: TenantSandbox]
    public let options: PolicyGeneratorOptions
    let sinks: GraphBuilder

    public init(graph: TaskGraph, sandboxes: [TenantSandbox], options: PolicyGeneratorOptions = PolicyGeneratorOptions()) {
        self.graph = graph
        let byTenant = Dictionary(sandboxes.map { ($0.tenantId, $0) }, uniquingKeysWith: { first, _ in first })
        self.sandboxes = byTenant
        self.options = options
        // The graph builder's sink notion (writes, sends, egress), with the same merged tool effects.
        let effects = byTenant.keys.sorted().reduce(into: [String: ToolEffect]()) { merged, tenant in
            merged.merge(byTenant[tenant]?.tools.effects ?? [:]) { first, _ in first }
        }
        sinks = GraphBuilder(keys: [], options: InferenceOptions(), toolEffects: effects)
    }

    public func generate() -> PolicySet {
        let nodes = graph.nodes.map(policy).sorted { $0.id < $1.id }
        return PolicySet(workflow: graph.workflow, agent: graph.agent,
                         generator: .init(strictness: options.strictness, minRuns: options.minRuns,
                                          minTenants: options.minTenants, headroom: options.headroom),
                         evidence: graph.evidence, nodes: nodes)
    }

    func isStateChanging(_ node: TaskGraph.Node) -> Bool {
        sinks.isSink(BaseKey(kind: node.kind, operation: node.operation, resources: node.resources), reachesNetwork: !node.egress.isEmpty)
    }

    func policy(for node: TaskGraph.Node) -> NodePolicy {
        var withheld: [String] = []
        let (tenants, globs) = confine(node, withheld: &withheld)
        let grants = grantedEdges(into: node, withheld: &withheld)
        let stateChanging = isStateChanging(node)
        var constraints: [String: ArgumentConstraint] = [:]
        if stateChanging, options.strictness != .permissive {
            var origins: [String: Set<String>] = [:]
            for edge in grants where edge.argument != "*" { origins[edge.argument, default: []].insert(edge.from) }
            // Strict: an argument of a write that never carried upstream data must keep not carrying it.
            if options.strictness == .strict { for argument in node.arguments where origins[argument] == nil { origins[argument] = [] } }
            for (argument, sources) in origins { constraints[argument] = ArgumentConstraint(name: argument, origin: sources.sorted()) }
        }
        for (argument, pattern) in globs.required {
            constraints[argument, default: ArgumentConstraint(name: argument)].pattern = pattern
            constraints[argument]?.patternTenants = globs.requiredTenants[argument]
        }
        for (argument, excluded) in globs.excluded { constraints[argument, default: ArgumentConstraint(name: argument)].excluded = excluded.sorted() }
        var inputs: [String: Set<String>] = [:]
        for edge in grants { inputs[edge.from, default: []].insert(edge.argument) }
        let after = node.disambiguator == nil ? nil : node.after ?? Set(graph.controlEdges.filter { $0.to == node.id }.map(\.from)).sorted()
        return NodePolicy(
            id: node.id,
            match: .init(kind: node.kind, operation: node.operation, resources: node.resources, after: after),
            tenants: tenants,
            // Egress destinations are node facts, not identity (docs/inference.md): allowed as observed, each
            // to the node's tenants whose legacy egress rules allow it.
            allow: .init(resources: Array(Set(node.resources + node.egress)).sorted(),
                         resourceTenants: { let limited = PolicyConfinement.egressTenants(node, tenants: tenants, sandboxes: sandboxes)
                                            return limited.isEmpty ? nil : limited.sorted { $0.key < $1.key }.map { NodePolicy.ResourceTenants(resource: $0.key, tenants: $0.value) } }(),
                         arguments: constraints.isEmpty ? nil : constraints.values.sorted { $0.name < $1.name }),
            inputs: inputs.sorted { $0.key < $1.key }.map { InputGrant(from: $0.key, arguments: $0.value.sorted()) },
            limits: limits(node, tenants: tenants),
            evidence: node.evidence,
            withheld: withheld.isEmpty ? nil : withheld.sorted())
    }

    /// Data edges into the node that this strictness grants; the others are noted in `withheld`.
    func grantedEdges(into node: TaskGraph.Node, withheld: inout [String]) -> [TaskGraph.DataEdge] {
        let minTenants = options.strictness == .strict ? max(2, options.minTenants) : options.minTenants
        return graph.dataEdges.filter { edge in
            guard edge.to == node.id else { return false }
            let rare = edge.flags.contains("rare")
            let lowSupport = edge.runs < options.minRuns || edge.tenants.count < options.minTenants || edge.flags.contains("low-support")
            let externalToWrite = edge.flags.contains("external-to-write")
            var reasons: [String] = []
            switch options.strictness {
            case .permissive:
                // Every observed edge: permissive allows every step of the runs it was generated from
                // (PipelinePropertyTests), and stops only what those runs never did.
                break
            case .balanced, .strict:
                if rare { reasons.append("rare") }
                if lowSupport { reasons.append("low-support") }
                if options.strictness == .strict, externalToWrite, edge.tenants.count < minTenants {
                    reasons.append("external-to-write seen in \(edge.tenants.count) of the \(minTenants) tenants strict needs")
                }
            }
            if !reasons.isEmpty { withheld.append("input \(edge.from) -> \(edge.argument): \(reasons.joined(separator: ", "))") }
            return reasons.isEmpty
        }
    }

    /// Tenants granted the node (strict: those seen on it; otherwise those running the workflow) whose
    /// legacy sandbox allows it, and the tool-argument globs they share.
    func confine(_ node: TaskGraph.Node, withheld: inout [String]) -> ([String], PolicyConfinement.ToolArgumentGlobs) {
        // A write the evidence barely supports (one poisoned run can add a node) is granted to no one:
        // balanced withholds low-support ones, strict also rare ones.
        if isStateChanging(node), options.strictness != .permissive {
            let lowSupport = node.evidence.runs < options.minRuns || node.evidence.tenants.count < options.minTenants
                || node.flags.contains("low-support")
            let rare = node.flags.contains("rare")
            if lowSupport || (options.strictness == .strict && rare) {
                withheld.append("all tenants: \(options.strictness.rawValue) grants no \(lowSupport ? "low-support" : "rare") state-changing node")
                return ([], .init())
            }
        }
        // Strict grants a state-changing node only to the tenants seen on it; reads stay cheap (the
        // workflow's tenants, as in balanced and permissive).
        let candidates = options.strictness == .strict && isStateChanging(node) ? node.evidence.tenants : graph.evidence.tenants
        var granted: [(tenant: String, globs: PolicyConfinement.ToolArgumentGlobs)] = []
        for tenant in candidates {
            guard let sandbox = sandboxes[tenant] else {
                withheld.append("tenant \(tenant): no tenant sandbox")
                continue
            }
            switch PolicyConfinement.verdict(for: node, sandbox: sandbox) {
            case .granted(let globs): granted.append((tenant, globs))
            case .denied(let rule): withheld.append("tenant \(tenant): the legacy sandbox denies this node (\(rule))")
            case .unbound: withheld.append("tenant \(tenant): its sandbox lacks a value the node's templates need")
            }
        }
        // Where the tenants that constrain an argument agree on its templated pattern, the pattern applies
        // to every granted tenant: narrower for the unconstrained ones, never wider for any.
        var agreed: [String: String] = [:]
        var conflicting = false
        for entry in granted {
            for (argument, pattern) in entry.globs.required {
                if let existing = agreed[argument], existing != pattern { conflicting = true }
                agreed[argument] = agreed[argument] ?? pattern
            }
        }
        if !conflicting {
            var globs = PolicyConfinement.ToolArgumentGlobs(required: agreed)
            let tenants = Set(granted.map(\.tenant))
            for argument in agreed.keys {
                let constrained = granted.filter { $0.globs.required[argument] != nil }.map(\.tenant).sorted()
                // Unconstrained tenants keep their legacy breadth: the pattern names who it binds.
                if Set(constrained) != tenants { globs.requiredTenants[argument] = constrained }
            }
            for entry in granted { globs.excluded.merge(entry.globs.excluded) { $0.union($1) } }
            return (granted.map(\.tenant).sorted(), globs)
        }
        // Otherwise the largest group of tenants sharing the required globs keeps the node, ties to the
        // smallest globs. Exclusions are united: narrower, never wider.
        var groups: [PolicyConfinement.ToolArgumentGlobs: [String]] = [:]
        for entry in granted {
            var key = entry.globs
            key.excluded = [:]
            groups[key, default: []].append(entry.tenant)
        }
        guard let chosen = groups.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }) else { return ([], .init()) }
        var globs = chosen.key
        for entry in granted where chosen.value.contains(entry.tenant) {
            globs.excluded.merge(entry.globs.excluded) { $0.union($1) }
        }
        for entry in granted where !chosen.value.contains(entry.tenant) {
            withheld.append("tenant \(entry.tenant): its tool rules constrain arguments differently from the other tenants")
        }
        return (chosen.value.sorted(), globs)
    }

    func limits(_ node: TaskGraph.Node, tenants: [String]) -> NodePolicy.Limits {
        let perRun = min(options.maxPerRun, max(1, Int((Double(supportedPerRun(node)) * max(options.headroom, 1)).rounded(.up))))
        // The graph keeps no per-minute peaks, so the rate limit is the legacy cap: the smallest
        // requestsPerMinute among the granted tenants (outputs consume no legacy request budget).
        let perMinute = node.kind == .output ? nil : tenants.compactMap { sandboxes[$0]?.limits.requestsPerMinute }.min()
        return NodePolicy.Limits(perRun: perRun, perMinute: perMinute)
    }

    /// The per-run count the limit is derived from. Balanced and permissive: the most steps seen in one run.
    /// Strict: a count seen in one run only is not evidence (one runaway loop in the log would otherwise
    /// license the next), so the limit comes from the most the *other* runs can have had: the graph keeps
    /// the node's steps and runs, and every other run had at least one step, which bounds the second
    /// largest count by `steps - maxPerRun - (runs - 2)`.
    func supportedPerRun(_ node: TaskGraph.Node) -> Int {
        let most = max(node.maxPerRun, 1)
        guard options.strictness == .strict, node.evidence.runs >= 2 else { return most }
        let secondAtMost = node.steps - most - (node.evidence.runs - 2)
        return min(most, max(1, secondAtMost))
    }
}
