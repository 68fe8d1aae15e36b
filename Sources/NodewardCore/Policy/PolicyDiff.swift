/// A semantic diff of two policy sets for code review (`nodeward policy diff OLD NEW`): nodes added or
/// removed, and per node which grants became wider (a security review item) or narrower (a workflow may
/// break). Evidence and withheld notes are not grants and are not compared.
public struct PolicyDiff: Sendable, Hashable, Codable {
    public enum Direction: String, Sendable, Hashable, Codable, Comparable {
        case widened
        case narrowed
        case changed

        public static func < (lhs: Direction, rhs: Direction) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Change: Sendable, Hashable, Codable {
        public var workflow: String
        /// The node id, or nil for a change of the whole workflow.
        public var node: String?
        public var direction: Direction
        /// What changed: `workflow`, `node`, `tenants`, `resources`, `inputs`, `arguments.<name>.<part>`, `limits.<name>`.
        public var aspect: String
        public var detail: String
    }

    public var changes: [Change]

    public var widened: [Change] { changes.filter { $0.direction == .widened } }

    public init(old: [PolicySet], new: [PolicySet]) {
        var changes: [Change] = []
        let before = Dictionary(old.map { ($0.workflow, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.workflow, $0) }, uniquingKeysWith: { first, _ in first })
        for workflow in Set(before.keys).union(after.keys).sorted() {
            switch (before[workflow], after[workflow]) {
            case (nil, .some(let added)):
                changes.append(Change(workflow: workflow, node: nil, direction: .widened, aspect: "workflow",
                                      detail: "new workflow with \(added.nodes.count) nodes"))
            case (.some(let removed), nil):
                changes.append(Change(workflow: workflow, node: nil, direction: .narrowed, aspect: "workflow",
                                      detail: "workflow removed (\(removed.nodes.count) nodes): its steps become unknown"))
            case (.some(let a), .some(let b)):
                changes += Self.compare(a, b)
            default:
                break
            }
        }
        self.changes = changes
    }

    static func compare(_ old: PolicySet, _ new: PolicySet) -> [Change] {
        let before = Dictionary(old.nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [Change] = []
        for id in Set(before.keys).union(after.keys).sorted() {
            func change(_ direction: Direction, _ aspect: String, _ detail: String) {
                changes.append(Change(workflow: new.workflow, node: id, direction: direction, aspect: aspect, detail: detail))
            }
            guard let a = before[id] else {
                change(.widened, "node", "new node granted to \(after[id]!.tenants.joined(separator: ", "))")
                continue
            }
            guard let b = after[id] else {
                change(.narrowed, "node", "node removed: its steps become unknown")
                continue
            }
            setChange(a.tenants, b.tenants, "tenants", change)
            // A node granted to no tenant allows nothing: the rest of its grants no longer matter.
            guard !b.tenants.isEmpty else { continue }
            // Resources with per-tenant restrictions compare tenant by tenant; the others as templates.
            if a.allow.resourceTenants == nil && b.allow.resourceTenants == nil {
                setChange(a.allow.resources, b.allow.resources, "resources", change)
            } else {
                setChange(effectiveResources(a), effectiveResources(b), "resources", change)
            }
            setChange(a.inputs.flatMap { grant in grant.arguments.map { "\(grant.from) -> \($0)" } },
                      b.inputs.flatMap { grant in grant.arguments.map { "\(grant.from) -> \($0)" } }, "inputs", change)
            compareArguments(a.allow.arguments ?? [], b.allow.arguments ?? [], change)
            limitChange(a.limits.perRun, b.limits.perRun, "limits.perRun", change)
            limitChange(a.limits.perMinute, b.limits.perMinute, "limits.perMinute", change)
            if a.match != b.match { change(.changed, "match", "the steps this node matches changed") }
        }
        return changes
    }

    /// `resource for tenant` pairs a node allows, its per-tenant restrictions applied.
    static func effectiveResources(_ node: NodePolicy) -> [String] {
        let limited = Dictionary((node.allow.resourceTenants ?? []).map { ($0.resource, $0.tenants) }, uniquingKeysWith: { $0 + $1 })
        return node.allow.resources.flatMap { resource in (limited[resource] ?? node.tenants).map { tenant in "\(resource) for \(tenant)" } }
    }

    /// More members grant more.
    static func setChange(_ old: [String], _ new: [String], _ aspect: String, _ change: (Direction, String, String) -> Void) {
        let added = Set(new).subtracting(old).sorted(), removed = Set(old).subtracting(new).sorted()
        if !added.isEmpty { change(.widened, aspect, "+ " + added.joined(separator: ", ")) }
        if !removed.isEmpty { change(.narrowed, aspect, "- " + removed.joined(separator: ", ")) }
    }

    /// A higher limit, or none where there was one, is wider.
    static func limitChange(_ old: Int?, _ new: Int?, _ aspect: String, _ change: (Direction, String, String) -> Void) {
        guard old != new else { return }
        let text = { (value: Int?) in value.map(String.init) ?? "none" }
        let wider = new == nil || (old != nil && new! > old!)
        change(wider ? .widened : .narrowed, aspect, "\(text(old)) -> \(text(new))")
    }

    /// A constraint removed or relaxed widens; added or tightened narrows. Value lists and origins grant
    /// more with more members; a pattern or exclusion change cannot be ordered and is `changed`.
    static func compareArguments(_ old: [ArgumentConstraint], _ new: [ArgumentConstraint], _ change: (Direction, String, String) -> Void) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in Set(before.keys).union(after.keys).sorted() {
            let aspect = "arguments.\(name)"
            guard let a = before[name] else { change(.narrowed, aspect, "new constraint"); continue }
            guard let b = after[name] else { change(.widened, aspect, "constraint removed"); continue }
            optionalSetChange(a.values, b.values, aspect + ".values", change)
            optionalSetChange(a.origin, b.origin, aspect + ".origin", change)
            if a.pattern != b.pattern {
                switch (a.pattern, b.pattern) {
                case (nil, .some(let pattern)): change(.narrowed, aspect + ".pattern", "now must match \(pattern)")
                case (.some(let pattern), nil): change(.widened, aspect + ".pattern", "no longer must match \(pattern)")
                default: change(.changed, aspect + ".pattern", "\(a.pattern!) -> \(b.pattern!)")
                }
            }
            if a.pattern != nil, b.pattern != nil, a.patternTenants != b.patternTenants {
                // nil binds every tenant of the node; binding fewer tenants is wider for the others.
                let direction: Direction
                switch (a.patternTenants.map(Set.init), b.patternTenants.map(Set.init)) {
                case (nil, .some): direction = .widened
                case (.some, nil): direction = .narrowed
                case (.some(let x), .some(let y)): direction = y.isSubset(of: x) ? .widened : x.isSubset(of: y) ? .narrowed : .changed
                default: direction = .changed
                }
                change(direction, aspect + ".patternTenants",
                       "\(a.patternTenants?.joined(separator: ",") ?? "all") -> \(b.patternTenants?.joined(separator: ",") ?? "all")")
            }
            // Fewer exclusions allow more.
            optionalSetChange(a.excluded, b.excluded, aspect + ".excluded", change, moreIsWider: false)
        }
    }

    /// nil means unconstrained: the widest.
    static func optionalSetChange(_ old: [String]?, _ new: [String]?, _ aspect: String, _ change: (Direction, String, String) -> Void, moreIsWider: Bool = true) {
        switch (old, new) {
        case (nil, nil): return
        case (.some, nil): change(moreIsWider ? .widened : .narrowed, aspect, "no longer constrained")
        case (nil, .some(let values)): change(moreIsWider ? .narrowed : .widened, aspect, "now constrained to \(values.sorted().joined(separator: ", "))")
        case (.some(let a), .some(let b)):
            let added = Set(b).subtracting(a).sorted(), removed = Set(a).subtracting(b).sorted()
            if !added.isEmpty { change(moreIsWider ? .widened : .narrowed, aspect, "+ " + added.joined(separator: ", ")) }
            if !removed.isEmpty { change(moreIsWider ? .narrowed : .widened, aspect, "- " + removed.joined(separator: ", ")) }
        }
    }

    public func document() -> Document {
        var doc = Document()
        let widenedCount = widened.count
        doc.heading("Policy changes")
        guard !changes.isEmpty else {
            doc.paragraph("No changes to any grant.")
            return doc
        }
        doc.paragraph("\(changes.count) change\(changes.count == 1 ? "" : "s"), \(widenedCount) widening (review these first).")
        var table = TextTable(headers: ["direction", "workflow", "node", "what", "detail"])
        for item in changes.sorted(by: { ($0.direction, $0.workflow, $0.node ?? "", $0.aspect) < ($1.direction, $1.workflow, $1.node ?? "", $1.aspect) }) {
            table.rows.append([item.direction.rawValue, item.workflow, item.node ?? "-", item.aspect, item.detail])
        }
        doc.table(table)
        return doc
    }
}
