/// How base keys map to roles in one workflow: a base key is split by its predecessor's base key when
/// one operation plays distinct roles (docs/inference.md, "Role splitting").
struct RoleModel {
    /// Split base keys → the predecessors that name their roles.
    var splits: [Int32: Set<Predecessor>] = [:]
    var nodeIndex: [Role: Int] = [:]
    var edges: Set<EdgeKey> = []
    var successors: [Int: Set<Int>] = [:]

    struct Role: Hashable {
        let key: Int32
        /// The predecessor for split keys, nil otherwise.
        let predecessor: Predecessor?
    }

    /// What comes before a step in a run: the run start, or a step with a base key. A case of its own
    /// rather than a `-1` key, so the run start can never be used as an index into the base keys (it once
    /// was, and crashed inference on runs that call a split tool first).
    enum Predecessor: Hashable {
        case runStart
        case key(Int32)

        static func of(position: Int, in variant: VariantKey) -> Predecessor {
            guard let parent = variant.parents[position].first else { return .runStart }
            return .key(variant.keys[Int(parent)])
        }
    }

    /// Node indices for `start` and `end` in edge keys.
    static let startNode = -1
    static let endNode = -2

    struct EdgeKey: Hashable {
        let from: Int
        let to: Int
    }

    func role(at position: Int, in variant: VariantKey) -> Role {
        let key = variant.keys[position]
        guard splits[key] != nil else { return Role(key: key, predecessor: nil) }
        return Role(key: key, predecessor: .of(position: position, in: variant))
    }

    /// Node index per position, or nil if some position has a role the model does not know.
    func nodes(of variant: VariantKey) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(variant.keys.count)
        for position in variant.keys.indices {
            guard let node = nodeIndex[role(at: position, in: variant)] else { return nil }
            result.append(node)
        }
        return result
    }

    /// Control edges of a variant as node-index pairs, start and end included.
    static func controlEdges(of variant: VariantKey, nodes: [Int]) -> [EdgeKey] {
        var edges: [EdgeKey] = []
        var hasSuccessor = Array(repeating: false, count: nodes.count)
        for position in nodes.indices {
            let parents = variant.parents[position]
            if parents.isEmpty { edges.append(EdgeKey(from: startNode, to: nodes[position])) }
            for parent in parents {
                edges.append(EdgeKey(from: nodes[Int(parent)], to: nodes[position]))
                hasSuccessor[Int(parent)] = true
            }
        }
        for position in nodes.indices where !hasSuccessor[position] {
            edges.append(EdgeKey(from: nodes[position], to: endNode))
        }
        return edges
    }
}

/// Builds a workflow's task graph from its run variants, each weighted (all runs, or a training fold).
struct GraphBuilder {
    let keys: [BaseKey]
    let options: InferenceOptions
    let toolEffects: [String: ToolEffect]

    func roleModel(_ variants: [(key: VariantKey, stats: VariantStats, weight: Int)]) -> (RoleModel, [RoleModel.Role]) {
        var model = RoleModel()
        // A base key is split when, in every variant, its occurrences have pairwise distinct predecessor
        // keys, and some variant has it more than once. Loops repeat predecessors, so they are not split.
        var candidates: [Int32: Set<RoleModel.Predecessor>] = [:]
        var disqualified: Set<Int32> = []
        var repeated: Set<Int32> = []
        for (variant, _, _) in variants {
            var seen: [Int32: Set<RoleModel.Predecessor>] = [:]
            for position in variant.keys.indices {
                let key = variant.keys[position]
                let predecessor = RoleModel.Predecessor.of(position: position, in: variant)
                if seen[key] != nil { repeated.insert(key) }
                if !seen[key, default: []].insert(predecessor).inserted || predecessor == .key(key) { disqualified.insert(key) }
                candidates[key, default: []].insert(predecessor)
            }
        }
        for key in repeated.subtracting(disqualified) { model.splits[key] = candidates[key] }
        var roles = Set<RoleModel.Role>()
        for (variant, _, _) in variants {
            for position in variant.keys.indices { roles.insert(model.role(at: position, in: variant)) }
        }
        let sortedRoles = roles.sorted { lhs, rhs in
            let (a, b) = (keys[Int(lhs.key)], keys[Int(rhs.key)])
            if a != b { return a < b }
            return predecessorOrder(lhs.predecessor, rhs.predecessor)
        }
        for (index, role) in sortedRoles.enumerated() { model.nodeIndex[role] = index }
        return (model, sortedRoles)
    }

    /// Unsplit roles, then the run start, then predecessors by operation and, on a tie, by their whole key,
    /// so the order (and so node ids) never depends on hashing.
    func predecessorOrder(_ lhs: RoleModel.Predecessor?, _ rhs: RoleModel.Predecessor?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil), (_, nil): return false
        case (nil, _): return true
        case (.runStart?, .runStart?), (.key?, .runStart?): return false
        case (.runStart?, .key?): return true
        case (.key(let a)?, .key(let b)?):
            let (left, right) = (keys[Int(a)], keys[Int(b)])
            if left.operation != right.operation { return left.operation < right.operation }
            return left < right
        }
    }

    func nodeIDs(_ roles: [RoleModel.Role]) -> [String] {
        var byKindOperation: [String: Set<Int32>] = [:]
        for role in roles {
            let key = keys[Int(role.key)]
            byKindOperation["\(key.kind.rawValue).\(key.operation)", default: []].insert(role.key)
        }
        return roles.map { role in
            let key = keys[Int(role.key)]
            var id = "\(key.kind.rawValue).\(key.operation)"
            if (byKindOperation[id]?.count ?? 0) > 1 {
                let digest = Fingerprint.hex(Fingerprint.of(key.resources.joined(separator: ","))).dropFirst(2).prefix(4)
                id += "~\(digest)"
            }
            switch role.predecessor {
            case nil: break
            case .runStart?: id += "@start"
            case .key(let predecessor)?: id += "@after.\(keys[Int(predecessor)].roleLabel)"
            }
            return id
        }
    }

    func build(_ workflow: WorkflowVariants, weight: (VariantStats) -> Int = { $0.runs }) -> (TaskGraph, RoleModel) {
        let variants = workflow.variants.compactMap { key, stats -> (key: VariantKey, stats: VariantStats, weight: Int)? in
            let w = weight(stats)
            return w > 0 ? (key, stats, w) : nil
        }.sorted { $0.stats.samples.first ?? "" < $1.stats.samples.first ?? "" }
        var (model, roles) = roleModel(variants)
        let ids = nodeIDs(roles)
        var aggregate = GraphAggregate(nodeCount: roles.count, maxSamples: options.maxSamples)
        for (variant, stats, w) in variants {
            guard let nodes = model.nodes(of: variant) else { continue }
            aggregate.add(variant: variant, stats: stats, weight: w, nodes: nodes)
        }
        model.edges = Set(aggregate.control.keys)
        for edge in model.edges { model.successors[edge.from, default: []].insert(edge.to) }
        let total = variants.reduce(0) { $0 + $1.weight }
        let graph = aggregate.graph(workflow: workflow, roles: roles, ids: ids, keys: keys, total: total, options: options,
                                    model: model, isSink: { isSink(keys[Int($0.key)], reachesNetwork: !$1.egress.isEmpty) })
        return (graph, model)
    }

    /// Writes, sends and egress: the steps whose inputs need explicit grants.
    func isSink(_ key: BaseKey, reachesNetwork: Bool) -> Bool {
        StateChange.isStateChanging(kind: key.kind, operation: key.operation, declaredEffects: toolEffects,
                                    reachesNetwork: reachesNetwork, writesResource: key.resources.contains { $0.hasSuffix("[write]") })
    }
}
