/// The outcome of evaluating one step under one regime.
public enum Effect: String, Sendable, Hashable, Codable, CaseIterable {
    case allow
    case deny
    /// The step lacks context a rule needs (e.g. the log did not record the arguments a glob tests).
    case unevaluable
}

/// Which enforcement produced a decision: the old per-tenant sandbox, or the new node policies.
public enum Regime: String, Sendable, Hashable, Codable {
    case legacy
    case node
}

/// A decision: effect, the rule that decided it, and a reason a reviewer can read. One type shared by
/// the legacy evaluator and the node-policy evaluator, so shadow mode can compare them field by field.
public struct Decision: Sendable, Hashable, Codable, CustomStringConvertible {
    public var regime: Regime
    public var effect: Effect
    /// A stable rule id, e.g. `acme/tools.allow[1]` or `acme/limits.requestsPerMinute`.
    public var rule: String
    public var reason: String

    public init(regime: Regime, effect: Effect, rule: String, reason: String) {
        self.regime = regime
        self.effect = effect
        self.rule = rule
        self.reason = reason
    }

    public var description: String { "\(regime.rawValue): \(effect.rawValue) by \(rule): \(reason)" }
}
