import NodewardCore

/// Writes runs as Nodeward JSONL (docs/formats.md, "Nodeward JSONL"): a `run` record with the user's
/// request, then one `step` record per line, keys sorted.
enum JSONLWriter {
    static func lines(for run: GeneratedRun) -> String {
        var out = ""
        let header: JSONValue = .obj([
            "v": .num(1), "type": .str("run"), "tenant": .str(run.tenant), "agent": .str(run.workflow.agent),
            "workflow": .str(run.workflow.rawValue), "run": .str(run.runId), "request": .str(run.request),
        ])
        out += header.canonicalText + "\n"
        for step in run.steps { out += record(step).canonicalText + "\n" }
        return out
    }

    static func record(_ step: Step) -> JSONValue {
        var fields: [String: JSONValue] = [
            "v": .num(1), "tenant": .str(step.tenant), "agent": .str(step.agent), "workflow": .str(step.workflow),
            "run": .str(step.runId), "step": .str(step.stepId), "time": .str(Timestamp.rfc3339(nanos: step.startNanos)),
            "end": .str(Timestamp.rfc3339(nanos: step.endNanos)), "kind": .str(step.kind.rawValue), "operation": .str(step.operation),
        ]
        if !step.parents.isEmpty { fields["parents"] = .strs(step.parents) }
        if !step.inputs.isEmpty {
            fields["inputs"] = .array(step.inputs.map { input in
                var reference: [String: JSONValue] = ["step": .str(input.step)]
                if let argument = input.argument { reference["argument"] = .str(argument) }
                return .object(reference)
            })
        }
        if !step.resources.isEmpty { fields["resources"] = .array(step.resources.map { resource(for: $0, kind: step.kind) }) }
        if !step.arguments.isEmpty { fields["arguments"] = .object(step.arguments) }
        if let result = step.result { fields["result"] = result }
        if let tokens = step.tokens { fields["tokens"] = .obj(["input": .num(tokens.input), "output": .num(tokens.output)]) }
        if !step.dataItems.isEmpty {
            fields["items"] = .array(step.dataItems.map { item in
                var entry: [String: JSONValue] = ["id": .str(item.id)]
                if let tag = item.tenantTag { entry["tenant"] = .str(tag) }
                if item.access == .write { entry["access"] = .str("write") }
                return .object(entry)
            })
        }
        if let principal = step.principal { fields["principal"] = self.principal(principal) }
        if let decision = step.recordedDecision {
            var legacy: [String: JSONValue] = ["effect": .str(decision.effect.rawValue)]
            if let rule = decision.rule { legacy["rule"] = .str(rule) }
            if let reason = decision.reason { legacy["reason"] = .str(reason) }
            fields["legacy"] = .object(legacy)
        }
        if !step.executed { fields["executed"] = .bool(false) }
        if step.failed { fields["status"] = .str("error") }
        return .object(fields)
    }

    /// Plain text where the reader's default access is right; `{uri, access}` otherwise.
    static func resource(for resource: Resource, kind: StepKind) -> JSONValue {
        let defaultAccess: Access
        switch (resource.scheme, kind) {
        case (.egress, _), (.memory, .memoryWrite), (.store, .dataWrite): defaultAccess = .write
        default: defaultAccess = .read
        }
        if resource.access == defaultAccess { return .str(resource.description) }
        return .obj(["uri": .str(resource.description), "access": .str(resource.access.rawValue)])
    }

    static func principal(_ principal: Principal) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        if let issuer = principal.issuer { fields["iss"] = .str(issuer) }
        if let audience = principal.audience { fields["aud"] = .str(audience) }
        if let subject = principal.subject { fields["sub"] = .str(subject) }
        if !principal.claims.isEmpty { fields["claims"] = .object(principal.claims.mapValues(JSONValue.string)) }
        return .object(fields)
    }
}
