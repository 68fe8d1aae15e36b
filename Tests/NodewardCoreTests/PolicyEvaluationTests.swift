import Testing
@testable import NodewardCore

@Suite struct PolicyEvaluationTests {
    typealias S = PolicyScenario

    static let policies = S.policies(S.benignRuns + [S.poisonedRun])

    func decisions(_ run: Run, _ sets: [PolicySet] = [Self.policies]) -> [Decision] {
        var evaluator = S.evaluator(sets)
        return evaluator.evaluate(run)
    }

    @Test func everyStepOfTheBenignRunsIsAllowed() {
        var evaluator = S.evaluator([Self.policies])
        for run in S.benignRuns {
            for (step, decision) in zip(run.steps, evaluator.evaluate(run)) {
                #expect(decision.effect == .allow, "\(run.runId)/\(step.stepId): \(decision)")
                #expect(decision.regime == .node)
            }
        }
    }

    @Test func thePoisonedRunsSendIsDeniedByTheOriginOfItsRecipient() {
        let result = decisions(S.poisonedRun)
        #expect(result.map(\.effect) == [.allow, .allow, .allow, .deny, .allow])
        #expect(result[3].rule == "support/tool_call.email.send/arguments.to.origin")
        #expect(result[3].reason == "argument to carries data from retrieval.${tenant.vectorIndex}, which its origin does not list")
        #expect(!result[3].reason.contains("attacker"))
        #expect(result[1].rule == "support/tool_call.tickets.get")
    }

    @Test func withoutAnOriginConstraintTheUngrantedEdgeDeniesByInputs() {
        var set = Self.policies
        let index = set.nodes.firstIndex { $0.id == "tool_call.email.send" }!
        set.nodes[index].allow.arguments = nil
        let result = decisions(S.poisonedRun, [set])
        #expect(result[3].rule == "support/tool_call.email.send/inputs")
        #expect(result[3].reason == "data from retrieval.${tenant.vectorIndex} into argument to is not granted")
    }

    @Test func aStepMatchingNoNodeIsAnUnknownStep() {
        let run = S.run("acme", "x1", at: 0, [S.memoryRead("acme"), S.StepSpec(kind: .toolCall, operation: "payments.transfer")])
        let result = decisions(run)
        #expect(result[0].effect == .allow)
        #expect(result[1] == Decision(regime: .node, effect: .deny, rule: "support/unknown-step", reason: "unknown step"))
        #expect(NodeRuleIds.isUnknownStep(result[1]))
        #expect(!NodeRuleIds.isUnknownStep(result[0]))
    }

    @Test func aWorkflowWithoutPoliciesIsDenied() {
        let run = S.run("acme", "x2", at: 0, workflow: "billing", [S.memoryRead("acme")])
        #expect(decisions(run) == [Decision(regime: .node, effect: .deny, rule: "billing/unknown-workflow",
                                            reason: "no node policies for workflow billing")])
        #expect(NodeRuleIds.isUnknownWorkflow(decisions(run)[0]))
    }

    @Test func readingAnotherTenantsPartitionOrAnUnobservedKeyIsDeniedByResources() {
        let run = S.run("acme", "x3", at: 0, [S.memoryRead("acme", key: "secrets/api"), S.retrieve("globex")])
        let result = decisions(run)
        #expect(result.map(\.rule) == ["support/memory_read.search_memory/resources", "support/retrieval.${tenant.vectorIndex}/resources"])
        #expect(result.allSatisfy { $0.effect == .deny })
        // The same template bound to the step's own tenant is allowed.
        #expect(decisions(S.run("globex", "x4", at: 0, [S.retrieve("globex")]))[0].effect == .allow)
    }

    @Test func aTenantTheNodeIsNotGrantedToIsDenied() {
        let run = S.run("initech", "x5", at: 0, [S.StepSpec(kind: .output, operation: "reply")])
        #expect(decisions(run)[0].rule == "support/output.reply/tenants")
    }

    @Test func anOriginConstrainedArgumentThatWasNotRecordedIsUnevaluable() {
        let run = S.run("acme", "x6", at: 0, request: "close TCK-1000", [S.StepSpec(kind: .toolCall, operation: "email.send")])
        let result = decisions(run)[0]
        #expect(result.effect == .unevaluable)
        #expect(result.rule == "support/tool_call.email.send/arguments.ticket.origin")
    }

    @Test func explicitInputsAreCheckedAgainstTheGrants() {
        var send = S.send(to: "someone@acme.example", ticket: "x")
        send.inputs = [DataInput(step: "s0", argument: "to")]
        let run = S.run("acme", "x7", at: 0, [S.ticketsGet("TCK-5", customer: "c"), send])
        #expect(decisions(run)[1].effect == .allow)
        send.inputs = [DataInput(step: "s0", argument: "body")]
        let denied = decisions(S.run("acme", "x8", at: 0, [S.ticketsGet("TCK-5", customer: "c"), send]))[1]
        #expect(denied.rule == "support/tool_call.email.send/inputs")
    }

    @Test func thePerRunLimitDeniesTheStepPastIt() {
        let get = S.ticketsGet("TCK-1", customer: "c")
        let result = decisions(S.run("acme", "x9", at: 0, [get, get, get]))
        #expect(result.map(\.effect) == [.allow, .allow, .deny])
        #expect(result[2].rule == "support/tool_call.tickets.get/limits.perRun")
    }

    @Test func thePerMinuteLimitIsPerTenantAndRefills() {
        var set = Self.policies
        let index = set.nodes.firstIndex { $0.id == "output.reply" }!
        set.nodes[index].limits = NodePolicy.Limits(perRun: nil, perMinute: 2)
        var evaluator = S.evaluator([set])
        func reply(_ tenant: String, at seconds: Int64) -> Effect {
            var context = RunContext(runId: "r", userRequest: nil)
            let step = S.run(tenant, "r\(seconds)", at: seconds * 1_000_000_000, [S.reply]).steps[0]
            return evaluator.evaluate(step, in: &context).effect
        }
        #expect([reply("acme", at: 0), reply("acme", at: 1), reply("acme", at: 2), reply("globex", at: 2), reply("acme", at: 40)]
                == [.allow, .allow, .deny, .allow, .allow])
    }

    @Test func legacyPatternsAreBoundToTheStepsTenant() {
        func rules(_ tenant: String) -> [ToolRule] {
            [ToolRule(tool: S.glob("tickets.*"), index: 0),
             ToolRule(tool: S.glob("email.send"), args: ["to": S.glob("*@\(tenant).example")], index: 1)]
        }
        let sandboxes = [S.sandbox("acme", memory: "acme-memory", allow: rules("acme")),
                         S.sandbox("globex", memory: "globex-mem", allow: rules("globex"))]
        let set = S.policies(S.benignRuns, sandboxes: sandboxes)
        var evaluator = S.evaluator([set], sandboxes: sandboxes)
        let ok = S.run("acme", "p1", at: 0, [S.send(to: "ann@acme.example", ticket: "x")])
        let wrong = S.run("acme", "p2", at: 0, [S.send(to: "ann@globex.example", ticket: "x")])
        #expect(evaluator.evaluate(ok)[0].effect == .allow)
        #expect(evaluator.evaluate(wrong)[0].rule == "support/tool_call.email.send/arguments.to.pattern")
    }

    @Test func aLegacyPatternBindsOnlyTheTenantsWhoseRulesHaveIt() throws {
        let constrained = [ToolRule(tool: S.glob("tickets.*"), index: 0),
                           ToolRule(tool: S.glob("email.send"), args: ["to": S.glob("*@acme.example")], index: 1)]
        let open = [ToolRule(tool: S.glob("*"), index: 0)]
        let sandboxes = [S.sandbox("acme", memory: "acme-memory", allow: constrained),
                         S.sandbox("globex", memory: "globex-mem", allow: open)]
        let set = S.policies(S.benignRuns, sandboxes: sandboxes)
        let send = try #require(set.nodes.first { $0.id == "tool_call.email.send" })
        let to = try #require(send.allow.arguments?.first { $0.name == "to" })
        #expect(to.pattern == "*@${tenant.id}.example")
        #expect(to.patternTenants == ["acme"])
        #expect(send.tenants == ["acme", "globex"])
        let reread = PolicyReader.read(yaml: set.yaml(), file: "support.yaml")
        #expect(reread.diagnostics.isEmpty)
        #expect(reread.policies == set)
        var evaluator = S.evaluator([set], sandboxes: sandboxes)
        // globex's legacy allows any address, so the node policy does not narrow it to its own domain.
        #expect(evaluator.evaluate(S.run("globex", "g1", at: 0, [S.send(to: "bob@elsewhere.example", ticket: "x")]))[0].effect == .allow)
        #expect(evaluator.evaluate(S.run("acme", "a1", at: 0, [S.send(to: "bob@elsewhere.example", ticket: "x")]))[0].rule
                == "support/tool_call.email.send/arguments.to.pattern")
    }

    @Test func nodesSplitByPredecessorMatchOnlyAfterTheirPredecessor() throws {
        let kb = S.retrieve("acme")
        let plan = S.StepSpec(kind: .llm, operation: "gpt-4o")
        let runs = (0..<6).map { index in
            S.run("acme", "k\(index)", at: Int64(index) * 1_000_000_000, [S.ticketsGet("TCK-\(index)", customer: "c"), kb, plan, kb, S.reply])
        }
        let set = S.policies(runs)
        let afterTickets = try #require(set.nodes.first { $0.id == "retrieval.${tenant.vectorIndex}@after.tickets.get" })
        #expect(afterTickets.match.after == ["tool_call.tickets.get"])
        #expect(set.nodes.contains { $0.id == "retrieval.${tenant.vectorIndex}@after.llm" })
        var evaluator = S.evaluator([set])
        #expect(evaluator.evaluate(runs[0]).allSatisfy { $0.effect == .allow })
        let early = evaluator.evaluate(S.run("acme", "k9", at: 0, [kb]))
        #expect(early == [Decision(regime: .node, effect: .deny, rule: "support/unknown-step", reason: "unknown step")])
    }
}

extension PolicyEvaluationTests {
    @Test(arguments: PolicyStrictness.allCases)
    func everyBenignStepIsAllowedAtEveryStrictness(_ strictness: PolicyStrictness) {
        let set = S.policies(S.benignRuns + [S.poisonedRun], options: PolicyGeneratorOptions(strictness: strictness))
        var evaluator = S.evaluator([set])
        let denied = S.benignRuns.flatMap { run in zip(run.steps, evaluator.evaluate(run)).filter { $0.1.effect != .allow } }
        #expect(denied.isEmpty, "\(denied.first.map { "\($0.0.runId)/\($0.0.stepId): \($0.1)" } ?? "")")
        // The poisoned run was trained on: permissive allows it (every training step), balanced and
        // strict deny its send by the withheld rare edge from the retrieved document.
        #expect(evaluator.evaluate(S.poisonedRun)[3].effect == (strictness == .permissive ? .allow : .deny))
    }
}
