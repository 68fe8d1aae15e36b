/// The Cedar schema and entities of an export: the shape of the request context the policies read
/// (`StepFacts` as JSON, built by `CedarRequestBuilder`) and the tenants, workflows and nodes.
extension CedarExport {
    /// Argument names with value parts (`values`, `pattern`, `excluded`) on any node: the keys of
    /// `context.data.arguments`, each optional (absent: the step did not record that argument).
    static func factArguments(_ sets: [PolicySet]) -> [String] {
        var names = Set<String>()
        for set in sets {
            for node in set.nodes {
                for constraint in node.allow.arguments ?? [] where hasValueParts(constraint) { names.insert(constraint.name) }
            }
        }
        return names.sorted()
    }

    static func hasValueParts(_ constraint: ArgumentConstraint) -> Bool {
        constraint.values != nil || constraint.pattern != nil || !(constraint.excluded ?? []).isEmpty
    }

    static func schema(_ sets: [PolicySet]) -> String {
        let arguments = factArguments(sets).map { "\n          \(quoted($0))?: Argument" }.joined(separator: ",")
        return """
            // Nodeward node policies exported to Cedar: the request shape (docs/cedar-export.md).
            namespace \(namespace) {
              entity Tenant;
              entity Workflow = { agent: String };
              entity Node in [Workflow] = { kind: String, operation: String };

              // A data flow provenance found: from `request`, a node id, or "\(StepFacts.unmatchedSource)", into an argument.
              type Flow = { source: String, argument: String };
              // A constrained argument: its values' texts and the globs Nodeward matched them against.
              type Argument = { texts: Set<String>, matchedPatterns: Set<String>, matchedExclusions: Set<String> };

              action "\(action)" appliesTo {
                principal: [Tenant],
                resource: [Node, Workflow],
                context: {
                  resources: Set<String>,
                  egress: Set<String>,
                  legacyEgress: Bool,
                  tenantBoundary?: Bool,
                  data?: {
                    arguments: {\(arguments)\(arguments.isEmpty ? "" : "\n        ")},
                    flows: Set<Flow>
                  },
                  allowedInRun: Long,
                  minuteToken: Bool
                }
              };
            }

            """
    }

    static func entities(_ sets: [PolicySet]) -> String {
        var tenants = Set<String>()
        var lines: [JSONValue] = []
        for set in sets {
            tenants.formUnion(set.evidence.tenants)
            lines.append(entity(workflowType, set.workflow, attributes: ["agent": .string(set.agent)], parents: []))
            for node in set.nodes.sorted(by: { $0.id < $1.id }) {
                tenants.formUnion(node.tenants)
                for limited in node.allow.resourceTenants ?? [] { tenants.formUnion(limited.tenants) }
                for constraint in node.allow.arguments ?? [] { tenants.formUnion(constraint.patternTenants ?? []) }
                lines.append(entity(nodeType, nodeID(workflow: set.workflow, node: node.id),
                                    attributes: ["kind": .string(node.match.kind.rawValue), "operation": .string(node.match.operation)],
                                    parents: [(workflowType, set.workflow)]))
            }
        }
        lines = tenants.sorted().map { entity(tenantType, $0, attributes: [:], parents: []) } + lines
        return "[\n" + lines.map { "  " + $0.canonicalText }.joined(separator: ",\n") + "\n]\n"
    }

    static func uid(_ type: String, _ id: String) -> JSONValue { .object(["type": .string(type), "id": .string(id)]) }

    static func entity(_ type: String, _ id: String, attributes: [String: JSONValue], parents: [(String, String)]) -> JSONValue {
        .object(["uid": uid(type, id), "attrs": .object(attributes), "parents": .array(parents.map { uid($0.0, $0.1) })])
    }
}
