/// One Cedar authorization request for one step, and Nodeward's own decision of the same step.
public struct CedarRequest: Sendable, Hashable {
    /// `run/step`, for reports.
    public var id: String
    /// `{principal, action, resource, context}` in Cedar's JSON request form (entity references as
    /// `{type, id}`), as `cedarpy.is_authorized` takes it.
    public var request: JSONValue
    public var nodeward: Decision
}

/// Builds the Cedar requests of runs with the node evaluator (docs/cedar-export.md): principal = the
/// step's tenant, action = `step`, resource = the node the step matched (Nodeward's matching) or, for an
/// unknown workflow or step, the workflow; context = the step's `StepFacts`. Stateful like the evaluator
/// (minute buckets): feed runs in time order.
public struct CedarRequestBuilder: Sendable {
    var evaluator: NodeEvaluator

    public init(policies: [PolicySet], sandboxes: [TenantSandbox]) {
        evaluator = NodeEvaluator(policies: CompiledPolicySet(policies), sandboxes: sandboxes)
    }

    public mutating func requests(for run: Run) -> [CedarRequest] {
        var context = RunContext(run)
        return run.steps.map { step in
            let (decision, facts) = evaluator.evaluateWithFacts(step, in: &context)
            return CedarRequest(id: "\(run.runId)/\(step.stepId)", request: Self.request(facts), nodeward: decision)
        }
    }

    public static func request(_ facts: StepFacts) -> JSONValue {
        let resource: JSONValue
        switch facts.match {
        case .node(let node): resource = CedarExport.uid(CedarExport.nodeType, CedarExport.nodeID(workflow: facts.workflow, node: node))
        case .unknownStep, .unknownWorkflow: resource = CedarExport.uid(CedarExport.workflowType, facts.workflow)
        }
        return .object([
            "principal": CedarExport.uid(CedarExport.tenantType, facts.tenant),
            "action": CedarExport.uid(CedarExport.actionType, CedarExport.action),
            "resource": resource,
            "context": context(facts),
        ])
    }

    static func context(_ facts: StepFacts) -> JSONValue {
        func strings(_ items: [String]) -> JSONValue { .array(items.map(JSONValue.string)) }
        var context: [String: JSONValue] = [
            "resources": strings(facts.resources.filter { !CompiledNode.isEgress($0) }),
            "egress": strings(facts.resources.filter(CompiledNode.isEgress)),
            "legacyEgress": .bool(facts.withinLegacyEgress),
            "allowedInRun": .int(Int64(facts.allowedInRun)),
            "minuteToken": .bool(facts.minuteToken),
        ]
        // Absent when a boundary check is undecided: reading it errors, Nodeward's unevaluable.
        switch facts.boundary {
        case .inside: context["tenantBoundary"] = .bool(true)
        case .outside: context["tenantBoundary"] = .bool(false)
        case .undecided: break
        }
        // Absent when the step recorded neither arguments nor inputs: constraints on it are unevaluable.
        if facts.recorded {
            let arguments = facts.arguments.mapValues { argument -> JSONValue in
                .object(["texts": strings(argument.texts), "matchedPatterns": strings(argument.matchedPatterns),
                         "matchedExclusions": strings(argument.matchedExclusions)])
            }
            let flows = facts.flows.map { JSONValue.object(["source": .string($0.source), "argument": .string($0.argument)]) }
            context["data"] = .object(["arguments": .object(arguments), "flows": .array(flows)])
        }
        return .object(context)
    }
}
