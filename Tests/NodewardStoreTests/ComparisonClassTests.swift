import NodewardCore
import NodewardStore
import Testing

@Suite struct ComparisonClassTests {
    @Test(arguments: [
        (Effect.allow, Effect?.some(.allow), "support-triage/lookup/tools", ComparisonClass.agreeAllow),
        (.deny, .deny, "support-triage/lookup/tools", .agreeDeny),
        (.allow, .deny, "support-triage/lookup/tools", .tightened),
        (.deny, .allow, "support-triage/lookup/tools", .widened),
        (.allow, .unevaluable, "support-triage/lookup/tools", .unevaluable),
        (.deny, .unevaluable, "support-triage/lookup/tools", .unevaluable),
        (.unevaluable, .allow, "support-triage/lookup/tools", .unevaluable),
        (.unevaluable, .deny, "support-triage/lookup/tools", .unevaluable),
        (.allow, .deny, "support-triage/unknown-step", .unknownStep),
        (.deny, .deny, "billing/unknown-workflow", .unknownStep),
        (.allow, .unevaluable, "billing/unknown-workflow", .unknownStep),
        (.allow, nil, "", .unknownStep),
        (.unevaluable, nil, "", .unknownStep),
    ])
    func classifiesDecisionPairs(legacy: Effect, node: Effect?, rule: String, expected: ComparisonClass) {
        let nodeDecision = node.map { Sample.node($0, rule: rule) }
        #expect(ComparisonClass.classify(legacy: Sample.legacy(legacy), node: nodeDecision) == expected)
    }

    @Test func rawValuesAreTheSchemaCheckValues() {
        #expect(ComparisonClass.allCases.map(\.rawValue)
            == ["agree-allow", "agree-deny", "tightened", "widened", "unevaluable", "unknown-step"])
    }

    @Test func unknownStepSuffixMustBeARuleSegment() {
        // A rule merely containing the words elsewhere is an ordinary node rule.
        let node = Sample.node(.deny, rule: "support-triage/unknown-step-handler")
        #expect(ComparisonClass.classify(legacy: Sample.legacy(.allow), node: node) == .tightened)
    }
}
