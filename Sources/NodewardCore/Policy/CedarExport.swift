/// Node policies as Cedar (docs/cedar-export.md): one `permit` per node granted to at least one tenant,
/// whose `when` clause checks the node's rules in the evaluator's order (tenants, resources, legacy
/// egress ceiling, tenant boundary, arguments, inputs, limits) with `&&`, which Cedar evaluates left to right and
/// short-circuits. So the first failing check decides as in Nodeward: a false check denies, and reading
/// an attribute the request context omits (`data`, an unrecorded argument) is an error, which Cedar
/// reports as a deny with an error diagnostic: Nodeward's `unevaluable`. No permit matches a step of an
/// unknown workflow or an unknown step (their resource is a `Workflow`, never a `Node`): default deny.
public enum CedarExport {
    public static let namespace = "Nodeward"
    public static let tenantType = namespace + "::Tenant"
    public static let workflowType = namespace + "::Workflow"
    public static let nodeType = namespace + "::Node"
    public static let actionType = namespace + "::Action"
    public static let action = "step"

    /// The Cedar entity id of a node.
    public static func nodeID(workflow: String, node: String) -> String { "\(workflow)/\(node)" }

    /// Sets for the same workflow: the first wins, as in `CompiledPolicySet`. Output is sorted by workflow,
    /// then node id, so the same sets give the same bytes.
    public static func export(_ sets: [PolicySet]) -> CedarBundle {
        var seen = Set<String>()
        let unique = sets.filter { seen.insert($0.workflow).inserted }.sorted { $0.workflow < $1.workflow }
        var policies = header
        var rules: [String] = []
        for set in unique {
            let universe = [TaskGraph.request, StepFacts.unmatchedSource] + Set(set.nodes.map(\.id)).sorted()
            for node in set.nodes.sorted(by: { $0.id < $1.id }) {
                let rule = "\(set.workflow)/\(node.id)"
                guard !node.tenants.isEmpty else {
                    policies += "\n// \(comment(rule)): granted to no tenant, so no permit.\n"
                    continue
                }
                policies += "\n" + permit(node, workflow: set.workflow, rule: rule, universe: universe)
                rules.append(rule)
            }
        }
        return CedarBundle(policies: policies, schema: schema(unique), entities: entities(unique), policyRules: rules)
    }

    static let header = """
        // Nodeward node policies exported to Cedar (docs/cedar-export.md). Generated: do not edit.
        // One permit per node; no permit, no allow. Nodeward matches a step to its node (kind, templated
        // operation, predecessor, resources) and sends it as the resource; the request context carries the
        // facts Nodeward computes from the run. A context attribute a check needs but the step did not
        // record is absent, so the check errors: Cedar denies with an error, Nodeward's `unevaluable`.

        """

    static func permit(_ node: NodePolicy, workflow: String, rule: String, universe: [String]) -> String {
        var checks: [(String, String)] = [("tenants", "\(tenantSet(node.tenants)).contains(principal)")]
        checks += resourceChecks(node)
        // The tenant's boundary (identity, context tags, namespace, partition, store scopes), decided by
        // Nodeward with the legacy sandbox's own checks: false denies, absent (undecided) errors.
        checks.append(("tenant boundary", "context.tenantBoundary"))
        for constraint in node.allow.arguments ?? [] {
            checks += argumentChecks(constraint, universe: universe)
        }
        // A grant from an id the file does not define matches no flow in Nodeward; leave it out here too.
        let known = Set(universe).subtracting([StepFacts.unmatchedSource])
        let grants = Set(node.inputs.filter { known.contains($0.from) }.flatMap { grant in
            grant.arguments.map { StepFacts.Flow(source: grant.from, argument: $0) }
        }).sorted()
        // No data: nothing recorded, so nothing flowed. `if` (not `!has || ...`) so the validator sees the guard.
        checks.append(("inputs", "(if context has data then "
                       + (grants.isEmpty ? "context.data.flows.isEmpty()" : "\(flowSet(grants)).containsAll(context.data.flows)") + " else true)"))
        if let perRun = node.limits.perRun { checks.append(("limits.perRun", "context.allowedInRun < \(perRun)")) }
        if node.limits.perMinute != nil { checks.append(("limits.perMinute", "context.minuteToken")) }
        var text = "// \(comment(rule))\n@id(\(quoted(rule)))\npermit (\n  principal,\n  action == \(actionType)::\(quoted(action)),\n"
        text += "  resource == \(nodeType)::\(quoted(nodeID(workflow: workflow, node: node.id)))\n)\nwhen {\n"
        for (index, (check, expression)) in checks.enumerated() {
            text += "  // \(comment(check))\n  \(expression)\(index == checks.count - 1 ? "" : " &&")\n"
        }
        return text + "};\n"
    }

    /// Every templated resource must be allowed; a resource listed in `resourceTenants` only for those
    /// tenants; with `egress:*`, any egress destination within the tenant's legacy egress rules.
    static func resourceChecks(_ node: NodePolicy) -> [(String, String)] {
        let limited = Dictionary((node.allow.resourceTenants ?? []).map { ($0.resource, Set($0.tenants)) }, uniquingKeysWith: { $0.union($1) })
        let allowed = Set(node.allow.resources).union(limited.keys)
        let anyEgress = node.allow.resources.contains("egress:*")
        let local = allowed.filter { !CompiledNode.isEgress($0) }.sorted()
        var checks = [("resources", local.isEmpty ? "context.resources.isEmpty()" : "\(stringSet(local)).containsAll(context.resources)")]
        if !anyEgress {
            let egress = allowed.filter(CompiledNode.isEgress).sorted()
            checks.append(("resources (egress)", egress.isEmpty ? "context.egress.isEmpty()" : "\(stringSet(egress)).containsAll(context.egress)"))
        }
        for (resource, tenants) in limited.sorted(by: { $0.key < $1.key }) {
            let set = CompiledNode.isEgress(resource) ? "context.egress" : "context.resources"
            let used = "\(set).contains(\(quoted(resource)))"
            checks.append(("resources: \(resource) for some tenants",
                           tenants.isEmpty ? "!\(used)" : "(!\(used) || \(tenantSet(tenants.sorted())).contains(principal))"))
        }
        if anyEgress { checks.append(("resources: egress:* within the tenant's legacy egress", "context.legacyEgress")) }
        return checks
    }

    /// Each part reads the argument's facts first, so an unrecorded argument errors (unevaluable) before
    /// any part can pass or fail, as in Nodeward; `origin` reads only the flows.
    static func argumentChecks(_ constraint: ArgumentConstraint, universe: [String]) -> [(String, String)] {
        let rule = "arguments.\(constraint.name)"
        let facts = "context.data.arguments[\(quoted(constraint.name))]"
        var checks: [(String, String)] = []
        if let values = constraint.values {
            let set = Set(values).sorted()
            checks.append((rule + ".values", set.isEmpty ? "\(facts).texts.isEmpty()" : "\(stringSet(set)).containsAll(\(facts).texts)"))
        }
        if let excluded = constraint.excluded, !excluded.isEmpty {
            checks.append((rule + ".excluded", "!\(facts).matchedExclusions.containsAny(\(stringSet(Set(excluded).sorted())))"))
        }
        if let pattern = constraint.pattern {
            var expression = "\(facts).matchedPatterns.contains(\(quoted(pattern)))"
            // Facts first: a missing argument errors even where the pattern does not bind the tenant.
            if let tenants = constraint.patternTenants {
                expression = "(\(expression) || " + (tenants.isEmpty ? "true)" : "!\(tenantSet(tenants)).contains(principal))")
            }
            checks.append((rule + ".pattern", expression))
        }
        if let origin = constraint.origin {
            // Flows from a step that matched no node are never in an origin, whatever the file says.
            let forbidden = universe.filter { $0 == StepFacts.unmatchedSource || !origin.contains($0) }.map { StepFacts.Flow(source: $0, argument: constraint.name) }
            checks.append((rule + ".origin", "!context.data.flows.containsAny(\(flowSet(forbidden)))"))
        }
        return checks
    }

    // MARK: Cedar text

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Line comments end at a newline; ids in comments are shown without control characters.
    static func comment(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 }))
    }

    static func stringSet(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }

    static func tenantSet(_ tenants: [String]) -> String {
        "[" + Set(tenants).sorted().map { "\(tenantType)::\(quoted($0))" }.joined(separator: ", ") + "]"
    }

    static func flowSet(_ flows: [StepFacts.Flow]) -> String {
        "[" + flows.map { "{source: \(quoted($0.source)), argument: \(quoted($0.argument))}" }.joined(separator: ", ") + "]"
    }
}

/// The three files of `nodeward policy export --format cedar`.
public struct CedarBundle: Sendable, Hashable {
    /// `policies.cedar`.
    public var policies: String
    /// `schema.cedarschema` (Cedar schema syntax).
    public var schema: String
    /// `entities.json`: tenants, workflows and nodes (a node's parent is its workflow).
    public var entities: String
    /// The Nodeward allow rule (`<workflow>/<node id>`) of each permit, in text order; Cedar names the
    /// permits `policy0`, `policy1`, ... in that order (each also carries `@id` with the rule).
    public var policyRules: [String]
}
