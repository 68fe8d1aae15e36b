import Testing
@testable import NodewardCore

@Suite struct LegacyToolRulesTests {
    typealias F = LegacyFixture

    static let tools = ToolsConfig(
        defaultEffect: .deny,
        allow: [
            F.rule("email.read", index: 0),
            F.rule("email.send", ["to": "*@acme.example"], index: 1),
            F.rule("crm.update", ["account": "init*"], index: 2),
            F.rule("crm.*", index: 3),
            F.rule("payments.refund", index: 4),
        ],
        deny: [F.rule("crm.export", index: 0), F.rule("files.share", ["visibility": "public"], index: 1)],
        ask: [F.rule("payments.*", index: 0)])
    static let sandbox = F.sandbox(tools: tools)

    func decide(_ tool: String, _ arguments: [String: JSONValue] = [:], in sandbox: TenantSandbox = sandbox) -> Decision {
        F.decide(sandbox, F.step(.toolCall, tool, arguments: arguments))
    }

    @Test func plainAllowRuleAllows() {
        let decision = decide("email.read")
        #expect(decision == Decision(regime: .legacy, effect: .allow, rule: "acme/tools.allow[0]",
                                     reason: "allowed by tools.allow[0] (email.read)"))
    }

    @Test func askRuleDeniesBeforeAnyAllow() {
        // payments.refund is also allowed by tools.allow[4]; ask wins because traces have no approver.
        let decision = decide("payments.refund")
        #expect(decision.effect == .deny)
        #expect(decision.rule == "acme/tools.ask[0]")
        #expect(decision.reason == "tool payments.refund needs human approval (tools.ask[0]); traces have no approver")
    }

    @Test func denyRuleBeatsMatchingAllow() {
        // crm.export matches tools.allow[3] (crm.*), but deny rules come first.
        let decision = decide("crm.export")
        #expect(decision == Decision(regime: .legacy, effect: .deny, rule: "acme/tools.deny[0]",
                                     reason: "tool crm.export is denied by tools.deny[0]"))
    }

    @Test func firstMatchingAllowRuleDecides() {
        #expect(decide("crm.update", ["account": .string("initech")]).rule == "acme/tools.allow[2]")
        // allow[2]'s argument fails, so the next matching rule (crm.*) allows.
        #expect(decide("crm.update", ["account": .string("globex")]).rule == "acme/tools.allow[3]")
    }

    @Test func argumentGlobAllowsAndDeniesWithNamedReason() {
        #expect(decide("email.send", ["to": .string("dana@acme.example")]).rule == "acme/tools.allow[1]")
        let denied = decide("email.send", ["to": .string("mallory@evil.example")])
        #expect(denied == Decision(regime: .legacy, effect: .deny, rule: "acme/tools.default",
                                   reason: "argument `to` does not match *@acme.example (tools.allow[1])"))
        #expect(!denied.reason.contains("mallory"))
    }

    @Test func arrayArgumentNeedsEveryElementToMatch() {
        #expect(decide("email.send", ["to": .array([.string("a@acme.example"), .string("b@acme.example")])]).effect == .allow)
        #expect(decide("email.send", ["to": .array([.string("a@acme.example"), .string("b@evil.example")])]).effect == .deny)
    }

    @Test func numbersAndBooleansMatchTheirCanonicalText() {
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [
            F.rule("orders.list", ["limit": "[1-9]", "archived": "false"], index: 0),
        ]))
        #expect(decide("orders.list", ["limit": .int(5), "archived": .bool(false)], in: sandbox).effect == .allow)
        #expect(decide("orders.list", ["limit": .double(7.0), "archived": .bool(false)], in: sandbox).effect == .allow)
        #expect(decide("orders.list", ["limit": .int(50), "archived": .bool(false)], in: sandbox).reason
                == "argument `limit` does not match [1-9] (tools.allow[0])")
        #expect(decide("orders.list", ["limit": .int(5), "archived": .bool(true)], in: sandbox).effect == .deny)
        // An array of numbers: each element by its canonical text.
        #expect(decide("orders.list", ["limit": .array([.int(1), .int(2)]), "archived": .bool(false)], in: sandbox).effect == .allow)
    }

    @Test func starKeyTestsEveryStringArgument() {
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [F.rule("notes.write", ["*": "acme-*"], index: 0)]))
        #expect(decide("notes.write", ["title": .string("acme-x"), "body": .string("acme-y"), "count": .int(3)], in: sandbox).effect == .allow)
        let denied = decide("notes.write", ["title": .string("acme-x"), "body": .string("other"), "z": .string("other")], in: sandbox)
        #expect(denied.reason == "argument `body` does not match acme-* (tools.allow[0])")
        let unrecorded = decide("notes.write", [:], in: sandbox)
        #expect(unrecorded == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/tools.allow[0]",
                                       reason: "arguments were not recorded"))
    }

    @Test func unrecordedArgumentOfTheOnlyAllowRuleIsUnevaluable() {
        let decision = decide("email.send", ["subject": .string("hi")])
        #expect(decision == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/tools.allow[1]",
                                     reason: "argument `to` was not recorded"))
        #expect(decide("email.send").effect == .unevaluable)
    }

    @Test func unrecordedArgumentWithAnotherMatchingAllowRuleAllows() {
        // allow[2] needs `account`; crm.* (allow[3]) matches without arguments, so the effect is certain.
        #expect(decide("crm.update").rule == "acme/tools.allow[3]")
    }

    @Test func unrecordedArgumentOfADenyRuleIsUnevaluable() {
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [F.rule("files.*", index: 0)],
                                                   deny: [F.rule("files.share", ["visibility": "public"], index: 0)]))
        let decision = decide("files.share", ["path": .string("/x")], in: sandbox)
        #expect(decision == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/tools.deny[0]",
                                     reason: "argument `visibility` was not recorded"))
        #expect(decide("files.share", ["visibility": .string("team")], in: sandbox).rule == "acme/tools.allow[0]")
        #expect(decide("files.share", ["visibility": .string("public")], in: sandbox).rule == "acme/tools.deny[0]")
    }

    @Test func certainDenyWinsOverAnUnknownAskRule() {
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [F.rule("*", index: 0)],
                                                   deny: [F.rule("db.drop", index: 0)],
                                                   ask: [F.rule("db.*", ["table": "prod_*"], index: 0)]))
        #expect(decide("db.drop", in: sandbox).rule == "acme/tools.deny[0]")
        #expect(decide("db.query", in: sandbox) == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/tools.ask[0]",
                                                            reason: "argument `table` was not recorded"))
    }

    @Test func ruleWithAMismatchedArgumentIsNotUnevaluable() {
        // `to` fails, so the missing `cc` cannot make the rule apply: a certain non-match.
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [F.rule("email.send", ["to": "*@acme.example", "cc": "*@acme.example"], index: 0)]))
        #expect(decide("email.send", ["to": .string("x@evil.example")], in: sandbox).effect == .deny)
    }

    @Test func defaultDenyAndDefaultAllow() {
        #expect(decide("calendar.read") == Decision(regime: .legacy, effect: .deny, rule: "acme/tools.default",
                                                    reason: "tool calendar.read matches no allow rule"))
        let open = F.sandbox(tools: ToolsConfig(defaultEffect: .allow, deny: [F.rule("crm.export", index: 0)]))
        #expect(decide("calendar.read", in: open) == Decision(regime: .legacy, effect: .allow, rule: "acme/tools.default",
                                                              reason: "tool calendar.read matches no allow rule; tools.default is allow"))
        #expect(decide("crm.export", in: open).effect == .deny)
    }

    @Test func blockedStepsAreEvaluatedLikeAnyOther() {
        let step = F.step(.toolCall, "email.read", executed: false)
        #expect(F.decide(Self.sandbox, step).effect == .allow)
    }
}

@Suite struct LegacyToolEffectTests {
    @Test func declaredEffectWins() {
        #expect(ToolEffectInference.effect(of: "email.send", declared: ["email.send": .read]) == .read)
        #expect(ToolEffectInference.effect(of: "crm.lookup", declared: ["crm.lookup": .write]) == .write)
    }

    @Test func writeVerbSegmentsMakeATool_write() {
        for tool in ["email.send", "crm_update", "files/upload", "ticket-create", "db:insert", "Payments.Transfer", "jobs.run"] {
            #expect(ToolEffectInference.effect(of: tool, declared: [:]) == .write, "\(tool)")
        }
    }

    @Test func otherToolsRead() {
        // Segments must equal a verb: "sender", "settings", "running" are not verbs.
        for tool in ["email.read", "crm.lookup", "sender.list", "settings.get", "running.status", "search"] {
            #expect(ToolEffectInference.effect(of: tool, declared: [:]) == .read, "\(tool)")
        }
    }
}
