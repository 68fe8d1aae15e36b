/// How the node decision for a step compares with the legacy decision: the six shadow-mode classes.
public enum ComparisonClass: String, CaseIterable, Sendable, Codable {
    case agreeAllow = "agree-allow"
    case agreeDeny = "agree-deny"
    /// Legacy allowed, the node policy denies.
    case tightened
    /// Legacy denied, the node policy allows.
    case widened
    /// Either regime lacked the context to decide.
    case unevaluable
    /// No node policy covers the step (no node decision, or the evaluator reported an unknown step or workflow).
    case unknownStep = "unknown-step"

    public static func classify(legacy: Decision, node: Decision?) -> ComparisonClass {
        guard let node, !node.rule.hasSuffix("/unknown-step"), !node.rule.hasSuffix("/unknown-workflow") else {
            return .unknownStep
        }
        switch (legacy.effect, node.effect) {
        case (_, .unevaluable), (.unevaluable, _): return .unevaluable
        case (.allow, .allow): return .agreeAllow
        case (.deny, .deny): return .agreeDeny
        case (.allow, .deny): return .tightened
        case (.deny, .allow): return .widened
        }
    }
}
