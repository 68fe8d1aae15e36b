import Testing
@testable import NodewardCore

/// Shadow mode's core on the hand-built support scenario: both regimes on the same steps, classes,
/// provenance chains, the tally and the replay driver.
@Suite struct ShadowTests {
    typealias S = PolicyScenario

    static let policies = CompiledPolicySet([S.policies(S.benignRuns + [S.poisonedRun])])

    func evaluator() -> ShadowEvaluator { ShadowEvaluator(sandboxes: S.sandboxes, policies: Self.policies) }

    @Test func thePoisonedSendIsTightenedAndItsChainStartsAtTheRetrieval() {
        var shadow = evaluator()
        let outcomes = shadow.evaluate(S.poisonedRun)
        #expect(outcomes.map(\.comparison) == [.agreeAllow, .agreeAllow, .agreeAllow, .tightened, .agreeAllow])
        let send = outcomes[3]
        #expect(send.legacy.regime == .legacy && send.legacy.effect == .allow)
        #expect(send.node.rule == "support/tool_call.email.send/arguments.to.origin")
        #expect(send.nodeId == "tool_call.email.send")
        // `to` came from the retrieved document, `ticket` from the user's request.
        #expect(send.provenance == [ProvenanceLink(step: "s2", kind: "retrieval", operation: "shared-docs"), .request])
        #expect(send.authoritative(cutOver: false) == send.legacy)
        #expect(send.authoritative(cutOver: true) == send.node)
    }

    @Test func benignRunsAgreeAndAStepOutsideTheGraphIsAnUnknownStep() {
        var shadow = evaluator()
        #expect(shadow.evaluate(S.benignRuns[0]).allSatisfy { $0.comparison == .agreeAllow })
        let stray = S.run("acme", "x1", at: 0, [S.memoryRead("acme"), S.StepSpec(kind: .toolCall, operation: "payments.transfer")])
        let outcomes = shadow.evaluate(stray)
        #expect(outcomes[1].comparison == .unknownStep)
        #expect(outcomes[1].legacy.effect == .deny)
        #expect(outcomes[1].nodeId == nil)
    }

    @Test func chainsFollowDataTransitivelyNearestFirst() {
        // s0's result names an order; s1 looks it up and yields a customer; s2 mails the customer.
        let run = S.run("acme", "chain", at: 0, request: "check order ORD-77123123", [
            S.StepSpec(kind: .toolCall, operation: "orders.find", arguments: ["q": .string("ORD-77123")],
                       result: .object(["order": .string("ORD-77123"), "account": .string("ACC-50321")])),
            S.StepSpec(kind: .toolCall, operation: "accounts.get", arguments: ["id": .string("ACC-50321")],
                       result: .object(["email": .string("buyer@shop.example")])),
            S.StepSpec(kind: .toolCall, operation: "email.send", arguments: ["to": .string("buyer@shop.example")]),
        ])
        var shadow = evaluator()
        let outcomes = shadow.evaluate(run)
        #expect(outcomes[0].provenance == [.request])
        #expect(outcomes[1].provenance.map(\.step) == ["s0", "request"])
        #expect(outcomes[2].provenance.map(\.step) == ["s1", "s0", "request"])
        #expect(outcomes[2].provenance.map(\.description) == ["s1 (tool_call accounts.get)", "s0 (tool_call orders.find)", "request"])
    }

    @Test func replayGivesTheSameSummaryWhateverOrderRunsArriveInWithinTheWindow() {
        let runs = S.benignRuns + [S.poisonedRun]
        func replay(_ runs: [Run]) -> (ShadowSummary, Int) {
            var replay = ShadowReplay(sandboxes: S.sandboxes, policies: Self.policies)
            var emitted = 0
            for run in runs { replay.consume(run) { _, _ in emitted += 1 } }
            replay.finish { _, _ in emitted += 1 }
            return (replay.tally.summary(), emitted)
        }
        let (inOrder, emitted) = replay(runs)
        let (reversed, _) = replay(runs.reversed())
        #expect(emitted == runs.reduce(0) { $0 + $1.steps.count })
        #expect(inOrder.steps == emitted)
        #expect(inOrder == reversed)
        #expect(inOrder.totals.tightened == 1)
        #expect(inOrder.totals.agreeAllow == emitted - 1)
        #expect(inOrder.samples.map(\.step) == ["s3"])
        #expect(inOrder.samples.first?.run == "r1060")
    }

    @Test func theBaselineCountsStepsThatDifferFromTheirTasksMajority() {
        var tally = ShadowTally()
        let allow = Decision(regime: .legacy, effect: .allow, rule: "t/allow", reason: "ok")
        let deny = Decision(regime: .legacy, effect: .deny, rule: "t/limits.requestsPerMinute", reason: "rate")
        let node = Decision(regime: .node, effect: .allow, rule: "wf/n", reason: "ok")
        for (index, legacy) in [allow, allow, deny].enumerated() {
            let step = S.run("acme", "r\(index)", at: 0, [S.memoryRead("acme")]).steps[0]
            tally.add(step, ShadowOutcome(legacy: legacy, node: node, nodeId: "n", provenance: []))
        }
        // Seen in one run only: not a task of the baseline.
        let single = S.run("globex", "g1", at: 0, [S.memoryRead("globex")]).steps[0]
        tally.add(single, ShadowOutcome(legacy: deny, node: node, nodeId: "n", provenance: []))
        let summary = tally.summary()
        #expect(summary.legacyBaseline == ShadowSummary.Baseline(tasks: 1, steps: 3, varyingSteps: 1))
        #expect(summary.nodeBaseline == ShadowSummary.Baseline(tasks: 1, steps: 3, varyingSteps: 0))
        #expect(summary.totals.widened == 2 && summary.totals.agreeAllow == 2)
        #expect(summary.disagreementRate == 0.5)
        #expect(summary.rules == [ShadowSummary.RuleCount(rule: "t/limits.requestsPerMinute", comparison: .widened, steps: 2)])
        // One sample per (node, class): the smallest (tenant, run, step) key.
        #expect(summary.samples.map(\.tenant) == ["acme"])
        #expect(summary.samples.map(\.run) == ["r2"])
    }

    @Test func labelledIncidentsReportEachStepsClassAndTheTellingStep() {
        let label = IncidentLabel(id: "inc-1", kind: "poisoned-retrieval-write", tenant: "acme", run: "r1060",
                                  steps: ["s2", "s3", "s9"])
        var replay = ShadowReplay(sandboxes: S.sandboxes, policies: Self.policies, incidents: [label])
        replay.consume(S.poisonedRun) { _, _ in }
        replay.finish { _, _ in }
        let incident = try! #require(replay.tally.summary().incidents.first)
        #expect(incident.counts.agreeAllow == 1 && incident.counts.tightened == 1)
        #expect(incident.stepsMissing == 1)
        #expect(incident.sample?.step == "s3")
        #expect(incident.sample?.incident == "inc-1")
    }
}
