import NodewardCore

/// The decision responses written directly as JSON text, keys sorted, as `JSONEncoder` with
/// `.sortedKeys` would (minus its `\/` escaping): on the hot path, Foundation's encoder cost more than
/// deciding the step. `ResponseJSONTests` checks the output decodes to the same values.
enum ResponseJSON {
    static func single(_ response: DecisionResponse) -> [UInt8] {
        var out = ""
        out.reserveCapacity(512)
        write(response, into: &out)
        return Array(out.utf8)
    }

    static func batch(_ responses: [DecisionResponse]) -> [UInt8] {
        var out = "{\"results\":["
        out.reserveCapacity(512 * responses.count + 16)
        for (index, response) in responses.enumerated() {
            if index > 0 { out += "," }
            write(response, into: &out)
        }
        out += "]}"
        return Array(out.utf8)
    }

    static func write(_ response: DecisionResponse, into out: inout String) {
        out += "{\"canary\":"
        out += response.canary ? "true" : "false"
        out += ",\"class\":"
        JSONValue.writeQuoted(response.class.rawValue, into: &out)
        out += ",\"cutOver\":"
        out += response.cutOver ? "true" : "false"
        out += ",\"decision\":"
        write(response.decision, into: &out)
        if let node = response.node {
            out += ",\"node\":"
            JSONValue.writeQuoted(node, into: &out)
        }
        out += ",\"policyVersion\":"
        JSONValue.writeQuoted(response.policyVersion, into: &out)
        out += ",\"provenance\":"
        write(response.provenance, into: &out)
        out += ",\"run\":"
        JSONValue.writeQuoted(response.run, into: &out)
        out += ",\"shadow\":"
        write(response.shadow, into: &out)
        out += ",\"step\":"
        JSONValue.writeQuoted(response.step, into: &out)
        out += ",\"tenant\":"
        JSONValue.writeQuoted(response.tenant, into: &out)
        out += ",\"warnings\":"
        write(response.warnings, into: &out)
        out += ",\"workflow\":"
        JSONValue.writeQuoted(response.workflow, into: &out)
        out += "}"
    }

    static func write(_ decision: Decision, into out: inout String) {
        out += "{\"effect\":"
        JSONValue.writeQuoted(decision.effect.rawValue, into: &out)
        out += ",\"reason\":"
        JSONValue.writeQuoted(decision.reason, into: &out)
        out += ",\"regime\":"
        JSONValue.writeQuoted(decision.regime.rawValue, into: &out)
        out += ",\"rule\":"
        JSONValue.writeQuoted(decision.rule, into: &out)
        out += "}"
    }

    static func write(_ strings: [String], into out: inout String) {
        out += "["
        for (index, text) in strings.enumerated() {
            if index > 0 { out += "," }
            JSONValue.writeQuoted(text, into: &out)
        }
        out += "]"
    }
}
