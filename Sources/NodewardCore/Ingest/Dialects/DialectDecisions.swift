/// How every native dialect evaluator writes a decision: regime legacy, rule id `<tenant>/<dialect path>`,
/// and an allow by a grant lists that rule as exercised only when grants are being collected (the
/// decision-only path allocates no array). One place, so the evaluators cannot drift apart.
struct DialectDecisions: Sendable {
    let prefix: String

    init(tenant: String) { prefix = "\(tenant)/" }

    func id(_ path: String) -> String { prefix + path }

    func decide(_ effect: Effect, _ path: String, _ reason: String, grant: Bool = false, collecting: Bool) -> LegacyEvaluation {
        let rule = prefix + path
        return LegacyEvaluation(decision: Decision(regime: .legacy, effect: effect, rule: rule, reason: reason),
                                exercised: grant && collecting ? [rule] : [])
    }
}
