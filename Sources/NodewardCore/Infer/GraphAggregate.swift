/// Accumulates node and edge evidence over weighted variants, then emits the `TaskGraph`.
struct GraphAggregate {
    struct Evidence {
        var runs = 0
        var count = 0
        var tenants: Set<String> = []
        var first: Int64 = .max
        var last: Int64 = .min
        var samples: Set<String> = []

        mutating func add(_ stats: VariantStats, weight: Int, occurrences: Int, maxSamples: Int) {
            runs += weight
            count += weight * occurrences
            tenants.formUnion(stats.tenants)
            first = min(first, stats.first)
            last = max(last, stats.last)
            for sample in stats.samples { samples.insert(sample) }
            if samples.count > maxSamples * 4 { samples = Set(samples.sorted().prefix(maxSamples)) }
        }

        func sampleList(_ limit: Int) -> [String] { Array(samples.sorted().prefix(limit)) }

        func graphEvidence(_ limit: Int) -> TaskGraph.Evidence {
            TaskGraph.Evidence(runs: runs, tenants: tenants.sorted(),
                               firstSeen: first == .max ? nil : Timestamp.rfc3339(nanos: first),
                               lastSeen: last == .min ? nil : Timestamp.rfc3339(nanos: last),
                               sampleRuns: sampleList(limit))
        }
    }

    struct DataKey: Hashable {
        let from: Int
        let to: Int
        let argument: String
        let trust: TaskGraph.TrustClass
        let explicit: Bool
    }

    let maxSamples: Int
    var nodes: [Evidence]
    var facts: [PositionFacts]
    var blocked: [Int]
    var maxPerRun: [Int]
    /// Per node: the nodes its steps' first control parents matched (`startNode` for none).
    var firstParents: [Set<Int>]
    var control: [RoleModel.EdgeKey: Evidence] = [:]
    var data: [DataKey: Evidence] = [:]
    var workflow = Evidence()

    init(nodeCount: Int, maxSamples: Int) {
        self.maxSamples = maxSamples
        nodes = Array(repeating: Evidence(), count: nodeCount)
        facts = Array(repeating: PositionFacts(), count: nodeCount)
        blocked = Array(repeating: 0, count: nodeCount)
        maxPerRun = Array(repeating: 0, count: nodeCount)
        firstParents = Array(repeating: [], count: nodeCount)
    }

    mutating func add(variant: VariantKey, stats: VariantStats, weight: Int, nodes positions: [Int]) {
        workflow.add(stats, weight: weight, occurrences: 1, maxSamples: maxSamples)
        var occurrences: [Int: Int] = [:]
        for (position, node) in positions.enumerated() {
            occurrences[node, default: 0] += 1
            facts[node].formUnion(stats.facts[position])
            blocked[node] += stats.blocked[position] * weight / max(stats.runs, 1)
            firstParents[node].insert(variant.parents[position].first.map { positions[Int($0)] } ?? RoleModel.startNode)
        }
        for (node, count) in occurrences {
            nodes[node].add(stats, weight: weight, occurrences: count, maxSamples: maxSamples)
            maxPerRun[node] = max(maxPerRun[node], count)
        }
        var edgeCounts: [RoleModel.EdgeKey: Int] = [:]
        for edge in RoleModel.controlEdges(of: variant, nodes: positions) { edgeCounts[edge, default: 0] += 1 }
        for (edge, count) in edgeCounts { control[edge, default: Evidence()].add(stats, weight: weight, occurrences: count, maxSamples: maxSamples) }
        var flowCounts: [DataKey: Int] = [:]
        for flow in variant.flows {
            let from = flow.source < 0 ? RoleModel.startNode : positions[Int(flow.source)]
            flowCounts[DataKey(from: from, to: positions[Int(flow.target)], argument: flow.argument, trust: flow.trust, explicit: flow.explicit), default: 0] += 1
        }
        for (key, count) in flowCounts { data[key, default: Evidence()].add(stats, weight: weight, occurrences: count, maxSamples: maxSamples) }
    }

    func graph(workflow info: WorkflowVariants, roles: [RoleModel.Role], ids: [String], keys: [BaseKey], total: Int,
               options: InferenceOptions, model: RoleModel, isSink: (RoleModel.Role, PositionFacts) -> Bool) -> TaskGraph {
        func support(_ evidence: Evidence) -> [String] {
            var flags: [String] = []
            if total > 0, Double(evidence.runs) / Double(total) < options.rareShare { flags.append("rare") }
            if evidence.runs < options.minRuns || evidence.tenants.count < options.minTenants { flags.append("low-support") }
            return flags
        }
        func name(_ node: Int, request: Bool = false) -> String {
            switch node {
            case RoleModel.startNode: return request ? TaskGraph.request : TaskGraph.start
            case RoleModel.endNode: return TaskGraph.end
            default: return ids[node]
            }
        }
        let graphNodes = roles.enumerated().map { index, role -> TaskGraph.Node in
            let key = keys[Int(role.key)]
            let evidence = nodes[index]
            let share = total > 0 ? Double(evidence.runs) / Double(total) : 0
            return TaskGraph.Node(
                id: ids[index], kind: key.kind, operation: key.operation, resources: key.resources,
                disambiguator: role.predecessor.map { predecessor in
                    switch predecessor {
                    case .runStart: return "first step of the run"
                    case .key(let key): return "after \(keys[Int(key)].description)"
                    }
                },
                arguments: facts[index].arguments.sorted(),
                egress: facts[index].egress.count >= PositionFacts.limit ? ["egress:*"] : facts[index].egress.sorted(),
                models: facts[index].operations.sorted(), share: Self.rounded(share), optional: evidence.runs < total,
                blocked: blocked[index], steps: evidence.count, maxPerRun: maxPerRun[index], evidence: evidence.graphEvidence(maxSamples), flags: support(evidence).sorted(),
                after: role.predecessor == nil ? nil : firstParents[index].map { name($0) }.sorted())
        }.sorted { $0.id < $1.id }
        let loops = Self.backEdges(model)
        let controlEdges = control.map { edge, evidence -> TaskGraph.ControlEdge in
            var flags = support(evidence)
            if loops.contains(edge) { flags.append("loop") }
            if (model.successors[edge.from]?.count ?? 0) > 1 { flags.append("branch") }
            return TaskGraph.ControlEdge(from: name(edge.from), to: name(edge.to), count: evidence.count, runs: evidence.runs,
                                         tenants: evidence.tenants.sorted(), flags: flags.sorted(), sampleRuns: evidence.sampleList(maxSamples))
        }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        let dataEdges = data.map { key, evidence -> TaskGraph.DataEdge in
            var flags = support(evidence)
            if key.trust.isExternal, key.to >= 0, isSink(roles[key.to], facts[key.to]) { flags.append("external-to-write") }
            return TaskGraph.DataEdge(from: name(key.from, request: true), to: name(key.to), argument: key.argument, trust: key.trust,
                                      basis: key.explicit ? "explicit" : "value-match", runs: evidence.runs,
                                      tenants: evidence.tenants.sorted(), flags: flags.sorted(), sampleRuns: evidence.sampleList(maxSamples))
        }.sorted { ($0.to, $0.argument, $0.from, $0.trust, $0.basis) < ($1.to, $1.argument, $1.from, $1.trust, $1.basis) }
        return TaskGraph(workflow: info.workflow, agent: info.agent, evidence: workflow.graphEvidence(maxSamples),
                         nodes: graphNodes, controlEdges: controlEdges, dataEdges: dataEdges)
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// Edges that close a cycle, found by depth-first search from `start` in node order.
    static func backEdges(_ model: RoleModel) -> Set<RoleModel.EdgeKey> {
        var state: [Int: Int] = [:]  // 1 = on stack, 2 = done
        var back: Set<RoleModel.EdgeKey> = []
        func visit(_ node: Int) {
            state[node] = 1
            for next in (model.successors[node] ?? []).sorted() {
                switch state[next] {
                case 1: back.insert(RoleModel.EdgeKey(from: node, to: next))
                case nil: visit(next)
                default: break
                }
            }
            state[node] = 2
        }
        visit(RoleModel.startNode)
        return back
    }
}
