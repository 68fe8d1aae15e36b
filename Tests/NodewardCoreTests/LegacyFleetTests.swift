import Testing
@testable import NodewardCore

@Suite struct LegacyFleetTests {
    typealias F = LegacyFixture

    @Test func unknownTenantIsDenied() {
        var fleet = LegacyFleet(sandboxes: [F.sandbox(tools: ToolsConfig(defaultEffect: .allow))])
        let decision = fleet.evaluate(F.step(.toolCall, "email.read", tenant: "initech"))
        #expect(decision == Decision(regime: .legacy, effect: .deny, rule: "fleet/unknown-tenant",
                                     reason: "no tenant sandbox declares tenant \"initech\""))
        #expect(fleet.evaluateDetailed(F.step(.toolCall, "email.read", tenant: "initech")).exercised.isEmpty)
    }

    @Test func stepsAreRoutedToTheirTenantWithSeparateBuckets() {
        var fleet = LegacyFleet(sandboxes: [
            F.sandbox(tenant: "acme", limits: LimitsConfig(requestsPerMinute: 1)),
            F.sandbox(tenant: "globex", limits: LimitsConfig(requestsPerMinute: 1)),
        ])
        #expect(fleet.evaluate(F.step(.llm, "m", tenant: "acme")).rule == "acme/llm")
        #expect(fleet.evaluate(F.step(.llm, "m", tenant: "acme")).rule == "acme/limits.requestsPerMinute")
        #expect(fleet.evaluate(F.step(.llm, "m", tenant: "globex")).rule == "globex/llm")
    }
}

@Suite struct LegacyExercisedGrantTests {
    typealias F = LegacyFixture

    func evaluate(_ step: Step) -> LegacyEvaluation {
        var evaluator = LegacyEvaluator(sandbox: F.full)
        return evaluator.evaluateDetailed(step)
    }

    @Test func allowedToolCallListsEveryGrantItUsed() {
        let step = F.step(.toolCall, "crm.update",
                          resources: [.store("crm", path: "acme.accounts", access: .write), .egress("api.openai.com", port: 443),
                                      .memory("acme-memory", key: "notes"), .vector("shared-docs", field: "group_id", value: "acme")],
                          arguments: ["account": .string("initech")])
        let evaluation = evaluate(step)
        #expect(evaluation.decision.rule == "acme/tools.allow[2]")
        #expect(evaluation.exercised == [
            "acme/dataStores[crm].access", "acme/memory.namespace", "acme/network.egress.allow[0]",
            "acme/tools.allow[2]", "acme/vectorIndex.tenantKey",
        ])
    }

    @Test func repeatedGrantsAreListedOnce() {
        let step = F.step(.dataWrite, "save", resources: [.store("crm", path: "acme.a", access: .write), .store("crm", path: "acme.b", access: .write)])
        let evaluation = evaluate(step)
        #expect(evaluation.decision.rule == "acme/dataStores[crm].access")
        #expect(evaluation.exercised == ["acme/dataStores[crm].access"])
    }

    @Test func implicitAllowsAreNotGrants() {
        #expect(evaluate(F.step(.output, "reply")).exercised.isEmpty)
        #expect(evaluate(F.step(.llm, "gpt-4.1")).exercised == ["acme/limits.models"])
    }

    @Test func deniedAndUnevaluableStepsExerciseNothing() {
        let denied = F.step(.toolCall, "email.read", resources: [.store("crm", path: "globex.a", access: .read)])
        #expect(evaluate(denied).decision.rule == "acme/dataStores[crm].scope")
        #expect(evaluate(denied).exercised.isEmpty)
        let unevaluable = F.step(.toolCall, "email.send", resources: [.egress("api.openai.com", port: 443)])
        #expect(evaluate(unevaluable).decision.effect == .unevaluable)
        #expect(evaluate(unevaluable).exercised.isEmpty)
    }

    @Test func evaluateReturnsTheDetailedDecision() {
        var plain = LegacyEvaluator(sandbox: F.full)
        var detailed = LegacyEvaluator(sandbox: F.full)
        for tool in ["email.read", "crm.export", "payments.pay", "calendar.read", "email.send"] {
            let step = F.step(.toolCall, tool, arguments: ["to": .string("a@acme.example")])
            #expect(plain.evaluate(step) == detailed.evaluateDetailed(step).decision)
        }
    }
}
