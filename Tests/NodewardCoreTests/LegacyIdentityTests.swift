import Testing
@testable import NodewardCore

@Suite struct LegacyIdentityTests {
    typealias F = LegacyFixture

    static let sandbox = F.sandbox(
        identity: IdentityConfig(issuers: [
            IssuerConfig(issuer: "https://idp.acme.example", audience: "agents", tenantClaim: "org_id", tenantClaimValues: ["org_4f2a", "org_77"]),
            IssuerConfig(issuer: "https://login.partner.example"),
        ]),
        tools: ToolsConfig(defaultEffect: .allow))

    func decide(_ principal: Principal?) -> Decision {
        F.decide(Self.sandbox, F.step(.toolCall, "email.read", principal: principal))
    }

    @Test func boundPrincipalPasses() {
        #expect(decide(Principal(issuer: "https://idp.acme.example", audience: "agents", claims: ["org_id": "org_77"])).effect == .allow)
        // No issuer recorded: the first issuer's rules apply.
        #expect(decide(Principal(claims: ["org_id": "org_4f2a"])).effect == .allow)
        // The second issuer binds no claim.
        #expect(decide(Principal(issuer: "https://login.partner.example")).effect == .allow)
    }

    @Test func absentPrincipalIsNotChecked() {
        #expect(decide(nil).effect == .allow)
    }

    @Test func unknownIssuerIsDenied() {
        #expect(decide(Principal(issuer: "https://evil.example", claims: ["org_id": "org_4f2a"]))
                == Decision(regime: .legacy, effect: .deny, rule: "acme/identity.issuer", reason: "JWT issuer is not accepted by tenant acme"))
    }

    @Test func audienceMustMatchWhenBothAreKnown() {
        #expect(decide(Principal(issuer: "https://idp.acme.example", audience: "billing", claims: ["org_id": "org_4f2a"]))
                == Decision(regime: .legacy, effect: .deny, rule: "acme/identity.audience", reason: "JWT audience is not agents"))
        #expect(decide(Principal(issuer: "https://idp.acme.example", claims: ["org_id": "org_4f2a"])).effect == .allow)
    }

    @Test func tenantClaimMustBePresentAndBound() {
        #expect(decide(Principal(issuer: "https://idp.acme.example", audience: "agents"))
                == Decision(regime: .legacy, effect: .deny, rule: "acme/identity.tenantClaim", reason: "JWT lacks claim org_id"))
        let other = decide(Principal(issuer: "https://idp.acme.example", claims: ["org_id": "org_globex"]))
        #expect(other == Decision(regime: .legacy, effect: .deny, rule: "acme/identity.tenantClaim",
                                  reason: "claim org_id is not bound to tenant acme"))
        #expect(!other.reason.contains("org_globex"))
    }

    @Test func identityIsCheckedBeforeTools() {
        let sandbox = F.sandbox(identity: Self.sandbox.identity, tools: ToolsConfig(defaultEffect: .deny))
        let step = F.step(.toolCall, "crm.export", principal: Principal(issuer: "https://evil.example"))
        #expect(F.decide(sandbox, step).rule == "acme/identity.issuer")
    }
}

@Suite struct LegacyContextTaggingTests {
    typealias F = LegacyFixture

    static let tagged = F.sandbox(memory: MemoryConfig(namespace: "acme-memory"), contextTagging: ContextTaggingConfig(scheme: "hmac"))

    func read(_ items: [DataItem], sandbox: TenantSandbox = tagged) -> Decision {
        F.decide(sandbox, F.step(.memoryRead, "search_memory", resources: [.memory("acme-memory")], items: items))
    }

    @Test func itemTaggedForAnotherTenantIsDenied() {
        #expect(read([DataItem(id: "m-1", tenantTag: "acme"), DataItem(id: "m-2", tenantTag: "globex")])
                == Decision(regime: .legacy, effect: .deny, rule: "acme/contextTagging", reason: "a context item is tagged for tenant globex"))
    }

    @Test func ownAndUntaggedItemsPass() {
        #expect(read([DataItem(id: "m-1", tenantTag: "acme"), DataItem(id: "m-2")]).effect == .allow)
    }

    @Test func withoutContextTaggingTagsAreIgnored() {
        let untagged = F.sandbox(memory: MemoryConfig(namespace: "acme-memory"))
        #expect(read([DataItem(id: "m-2", tenantTag: "globex")], sandbox: untagged).effect == .allow)
    }
}

@Suite struct LegacyCheckOrderTests {
    typealias F = LegacyFixture

    @Test func aLaterDenyBeatsAnEarlierUnevaluable() {
        // The tool check is unevaluable (`to` not recorded) but the egress is certainly denied: deny.
        let sandbox = F.sandbox(tools: ToolsConfig(allow: [F.rule("email.send", ["to": "*@acme.example"], index: 0)]))
        let step = F.step(.toolCall, "email.send", resources: [.egress("smtp.evil.example", port: 25)])
        #expect(F.decide(sandbox, step).rule == "acme/network.egress.default")
        let unevaluable = F.step(.toolCall, "email.send")
        #expect(F.decide(sandbox, unevaluable).effect == .unevaluable)
    }

    @Test func theFirstDenyInCheckOrderDecides() {
        // Context tag (check 2) before the tool (check 3) before resources (check 4).
        let sandbox = F.sandbox(contextTagging: ContextTaggingConfig(scheme: "hmac"))
        let step = F.step(.toolCall, "crm.export", resources: [.store("nowhere", path: "x", access: .write)],
                          items: [DataItem(id: "d", tenantTag: "globex")])
        #expect(F.decide(sandbox, step).rule == "acme/contextTagging")
        var untagged = step
        untagged.dataItems = []
        #expect(F.decide(sandbox, untagged).rule == "acme/tools.default")
    }
}
