/// The resource templates and tenant ids of a compiled policy set, numbered once, so that a decision
/// compares small integers instead of hashing strings. A string the policies never name has no id
/// (-1), and no node's set contains -1, so membership answers are those of the string sets.
final class PolicyInterning: Sendable {
    let templates: [String: Int32]
    let tenants: [String: Int32]

    init(_ sets: [PolicySet]) {
        var templates: [String: Int32] = [:]
        var tenants: [String: Int32] = [:]
        func add(_ text: String, to table: inout [String: Int32]) {
            if table[text] == nil { table[text] = Int32(table.count) }
        }
        for set in sets {
            for node in set.nodes {
                for template in node.match.resources + node.allow.resources { add(template, to: &templates) }
                for tenant in node.tenants { add(tenant, to: &tenants) }
                for entry in node.allow.resourceTenants ?? [] {
                    add(entry.resource, to: &templates)
                    for tenant in entry.tenants { add(tenant, to: &tenants) }
                }
            }
        }
        self.templates = templates
        self.tenants = tenants
    }

    var tenantCount: Int { tenants.count }

    func template(_ text: String) -> Int32 { templates[text] ?? -1 }
    func tenant(_ text: String) -> Int32 { tenants[text] ?? -1 }
}

/// A small set of ids as a sorted array: a linear or binary search, no hashing.
struct IdSet: Sendable, Hashable {
    let sorted: [Int32]

    init<S: Sequence>(_ ids: S) where S.Element == Int32 {
        var unique = Array(Set(ids))
        unique.removeAll { $0 < 0 }
        unique.sort()
        sorted = unique
    }

    var count: Int { sorted.count }

    @inline(__always)
    func contains(_ id: Int32) -> Bool {
        if sorted.count <= 16 {
            for member in sorted where member >= id { return member == id }
            return false
        }
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == id
    }
}

/// A step's resource templated with its tenant's sandbox, with the template's id and whether the
/// tenant's boundary check of it passes, both cached per tenant and resource. Only the outcome is kept
/// (no reason strings, so copying an entry stays cheap); a failure's detail is rebuilt when it decides.
struct ResolvedResource: Sendable {
    let template: String
    let id: Int32
    let isEgress: Bool
    let insideBoundary: Bool

    init(_ template: String, interning: PolicyInterning, insideBoundary: Bool) {
        self.template = template
        id = interning.template(template)
        isEgress = CompiledNode.isEgress(template)
        self.insideBoundary = insideBoundary
    }
}
