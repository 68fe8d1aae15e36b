import Foundation

/// What the message parts of a run's spans say about one tool call (`gen_ai.input.messages` /
/// `gen_ai.output.messages`, parts `tool_call {id, name, arguments}` and `tool_call_response {id,
/// response}`), by the call's id: the join key to an `execute_tool` span's `gen_ai.tool.call.id`.
struct OTLPToolCallContent: Equatable {
    var arguments: JSONValue?
    var response: JSONValue?

    /// Fills what this one lacks from `other` (the first value seen for a field stays).
    mutating func merge(_ other: OTLPToolCallContent) {
        if arguments == nil { arguments = other.arguments }
        if response == nil { response = other.response }
    }
}

/// The GenAI content attributes (docs/formats.md, "Current GenAI conventions"): on the span itself, or
/// on its `gen_ai.client.inference.operation.details` events, whose attributes are those of the inference
/// span (open-telemetry/semantic-conventions-genai `model/gen-ai/events.yaml`).
enum OTLPGenAIContent {
    static let detailsEvent = "gen_ai.client.inference.operation.details"
    static let messageAttributes = ["gen_ai.input.messages", "gen_ai.output.messages"]

    /// The span's attributes first, then those of each details event, in order.
    static func contentAttributes(_ attributes: OTLPAttributes, events: JSONValue?) -> [OTLPAttributes] {
        var sets = [attributes]
        guard case .array(let list)? = events else { return sets }
        for event in list where event["name"]?.stringValue == detailsEvent {
            sets.append(OTLPAttributes(event["attributes"]))
        }
        return sets
    }

    /// A messages value as a list: structured (an `arrayValue` of `kvlistValue`s) or a JSON string.
    static func messages(_ value: JSONValue?, parser: any JSONParsing) -> [JSONValue]? {
        guard let value else { return nil }
        if case .string(let text) = value {
            guard let parsed = try? parser.parse(ArraySlice(text.utf8)) else { return nil }
            return parsed.arrayValue
        }
        return value.arrayValue
    }

    /// Every `tool_call` and `tool_call_response` part with an id, in the content attributes given.
    static func toolCalls(in sets: [OTLPAttributes], parser: any JSONParsing) -> [String: OTLPToolCallContent] {
        var calls: [String: OTLPToolCallContent] = [:]
        for attributes in sets {
            for key in messageAttributes {
                for message in messages(attributes[key], parser: parser) ?? [] {
                    for part in message["parts"]?.arrayValue ?? [] {
                        guard let id = part["id"]?.stringValue, !id.isEmpty else { continue }
                        var found = OTLPToolCallContent()
                        switch part["type"]?.stringValue {
                        case "tool_call":
                            found.arguments = part["arguments"].flatMap { $0 == .null ? nil : $0 }
                        case "tool_call_response":
                            // The JSON schema names it `response`; the registry's example once wrote `result`.
                            found.response = (part["response"] ?? part["result"]).flatMap { $0 == .null ? nil : $0 }
                        default:
                            continue
                        }
                        calls[id, default: OTLPToolCallContent()].merge(found)
                    }
                }
            }
        }
        return calls
    }

    /// The user's request: the text parts (or plain `content`) of `user` messages in
    /// `gen_ai.input.messages`, joined by newlines; the span attribute first, then the events'.
    static func userRequest(in sets: [OTLPAttributes], parser: any JSONParsing) -> String? {
        for attributes in sets {
            guard let list = messages(attributes["gen_ai.input.messages"], parser: parser) else { continue }
            var texts: [String] = []
            for message in list where message["role"]?.stringValue == "user" {
                if let content = message["content"]?.stringValue { texts.append(content) }
                for part in message["parts"]?.arrayValue ?? [] where part["type"]?.stringValue == "text" {
                    if let content = part["content"]?.stringValue { texts.append(content) }
                }
            }
            if !texts.isEmpty { return texts.joined(separator: "\n") }
        }
        return nil
    }
}

/// W3C Baggage (https://www.w3.org/TR/baggage/): `key=value` list members separated by commas, each
/// optionally followed by `;property`; values percent-encoded. Used when a span or resource records the
/// propagated `baggage` header as an attribute (docs/formats.md, "Current GenAI conventions", Tenant).
enum W3CBaggage {
    /// The value of the first list member named `key`, percent-decoded; nil when there is none.
    static func value(of key: String, in header: String) -> String? {
        for member in header.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = member.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingCharacters(in: .whitespaces)
            guard name == key else { continue }
            let raw = pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            return raw.removingPercentEncoding ?? raw
        }
        return nil
    }
}

/// A recorded guardrail decision (docs/formats.md, "Current GenAI conventions"): a `run_guardrail` span
/// (open-telemetry/semantic-conventions-genai `docs/gen-ai/gen-ai-security.md`: `gen_ai.guardrail.*`)
/// or an `apply_guardrail` span (the earlier draft in open-telemetry/semantic-conventions
/// `docs/gen-ai/gen-ai-security.md`: `gen_ai.security.*`, `gen_ai.guardian.*`). The assembler attaches it
/// to the step it guards when the run closes.
struct OTLPGuardrail {
    /// allow or deny; nil when the verdict is neither (escalate, or a custom value).
    var effect: Effect?
    var rule: String
    var reason: String
    /// `gen_ai.guardrail.target.id` / `gen_ai.security.target.id`: e.g. the guarded tool call's id.
    var targetId: String?
    /// True when the guardrail looked at the guarded operation's output (`target.type` = output).
    var guardsOutput: Bool
    /// Why no effect was read (the verdict named), for the warning.
    var unreadable: String?

    init(attributes: OTLPAttributes, spanName: String?) {
        func text(_ key: String) -> String? { attributes.string(key).flatMap { $0.isEmpty ? nil : $0 } }
        let action = text("gen_ai.guardrail.action.type")
        let verdict = text("gen_ai.guardrail.verdict.type") ?? text("gen_ai.security.decision.type")
        // The action is what the caller enforced; the verdict what the guardrail advised.
        if let action {
            switch action {
            case "block": effect = .deny
            case "allow", "modify", "audit": effect = .allow
            default: unreadable = "gen_ai.guardrail.action.type is not allow, block, modify or audit"
            }
        } else if let verdict {
            switch verdict {
            case "deny": effect = .deny
            case "allow", "modify", "warn", "audit": effect = .allow
            default: unreadable = "the guardrail verdict is not allow, deny, modify, warn or audit"
            }
        } else {
            unreadable = "the guardrail span has no gen_ai.guardrail.verdict.type or gen_ai.security.decision.type"
        }
        let name = text("gen_ai.guardrail.security.policy.rule.id") ?? text("gen_ai.guardrail.security.policy.id")
            ?? text("gen_ai.security.policy.id") ?? text("gen_ai.guardrail.component.name") ?? text("gen_ai.guardian.name")
            ?? spanName.flatMap { $0.isEmpty ? nil : $0 } ?? "guardrail"
        rule = "guardrail/" + name
        // Only well-known words: a custom verdict value is never echoed.
        reason = effect == .deny ? "a guardrail blocked it" : "a guardrail let it pass"
        targetId = text("gen_ai.guardrail.target.id") ?? text("gen_ai.security.target.id")
        let target = text("gen_ai.guardrail.target.type") ?? text("gen_ai.security.target.type")
        guardsOutput = target == "output" || target == "llm_output" || target == "knowledge_result"
    }
}
