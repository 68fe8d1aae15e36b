import Testing
@testable import NodewardCore

@Suite struct PolicyGenerationTests {
    typealias S = PolicyScenario

    static let policies = S.policies(S.benignRuns + [S.poisonedRun])

    func node(_ id: String, in set: PolicySet = Self.policies) throws -> NodePolicy {
        try #require(set.nodes.first { $0.id == id })
    }

    @Test func leastPrivilegeGrantsOnlyObservedResourcesTemplatedAcrossTenants() throws {
        let memory = try node("memory_read.search_memory")
        #expect(memory.match.resources == ["memory:${tenant.memory}/prefs/*"])
        #expect(memory.allow.resources == ["memory:${tenant.memory}/prefs/*"])
        #expect(memory.tenants == ["acme", "globex"])
        #expect(memory.evidence.tenants == ["acme", "globex"])
        let retrieval = try node("retrieval.${tenant.vectorIndex}")
        #expect(retrieval.allow.resources == ["vector:${tenant.vectorIndex}#${tenant.vectorKey}"])
        // Reads stay cheap: no argument constraints.
        #expect(memory.allow.arguments == nil)
        #expect(retrieval.allow.arguments == nil)
        #expect(try node("tool_call.tickets.get").allow.arguments == nil)
    }

    @Test func theRarePoisonedEdgeIsWithheldAndTheWriteGetsAnOriginConstraint() throws {
        let send = try node("tool_call.email.send")
        #expect(send.inputs == [InputGrant(from: "request", arguments: ["ticket"]),
                                InputGrant(from: "tool_call.tickets.get", arguments: ["to"])])
        #expect(send.allow.arguments == [ArgumentConstraint(name: "ticket", origin: ["request"]),
                                         ArgumentConstraint(name: "to", origin: ["tool_call.tickets.get"])])
        let withheld = try #require(send.withheld)
        #expect(withheld.count == 1)
        #expect(withheld[0].hasPrefix("input retrieval.${tenant.vectorIndex} -> to: rare"))
    }

    /// Permissive allows every step of its training runs (issue 14): even the rare edge from a retrieved
    /// document into a send, which balanced withholds. It adds no origins.
    @Test func permissiveGrantsEveryObservedEdgeAndAddsNoOrigins() throws {
        var options = PolicyGeneratorOptions(strictness: .permissive)
        options.minRuns = 1
        let send = try node("tool_call.email.send", in: S.policies(S.benignRuns + [S.poisonedRun], options: options))
        #expect(send.inputs.contains { $0.from == "retrieval.${tenant.vectorIndex}" })
        #expect(send.withheld == nil)
        #expect(send.allow.arguments == nil)
    }

    @Test func strictNeedsTwoTenantsForExternalEdgesIntoWrites() throws {
        // Only acme's runs send to the ticket's customer; globex's send to the requester.
        let runs = (0..<20).map { index -> Run in
            let tenant = index % 2 == 0 ? "acme" : "globex"
            if tenant == "acme" { return S.benign(tenant, index) }
            return S.run(tenant, "r\(index)", at: Int64(index) * 1_000_000_000, request: "mail me at requester\(index)@globex.example", [
                S.ticketsGet("TCK-\(index)77", customer: "other\(index)@globex.example"), S.send(to: "requester\(index)@globex.example", ticket: "none"),
            ])
        }
        let balanced = try node("tool_call.email.send", in: S.policies(runs))
        #expect(balanced.inputs.contains(InputGrant(from: "tool_call.tickets.get", arguments: ["to"])))
        let strict = try node("tool_call.email.send", in: S.policies(runs, options: PolicyGeneratorOptions(strictness: .strict)))
        #expect(!strict.inputs.contains { $0.from == "tool_call.tickets.get" })
        #expect(strict.inputs.contains(InputGrant(from: "request", arguments: ["ticket", "to"])))
        #expect(strict.withheld?.contains { $0.contains("seen in 1 of the 2 tenants strict needs") } == true)
        // Strict pins arguments that never carried upstream data to carrying none.
        #expect(strict.allow.arguments?.first { $0.name == "body" }?.origin == [])
    }

    @Test func limitsComeFromTheMostStepsInOneRunWithHeadroomAndTheLegacyRate() throws {
        let runs = (0..<8).map { index in
            S.run(index % 2 == 0 ? "acme" : "globex", "r\(index)", at: Int64(index) * 1_000_000_000,
                  Array(repeating: S.StepSpec(kind: .toolCall, operation: "invoices.get"), count: 1 + index % 3) + [S.reply])
        }
        let invoices = try node("tool_call.invoices.get", in: S.policies(runs))
        #expect(invoices.limits == NodePolicy.Limits(perRun: 6, perMinute: 300))
        var options = PolicyGeneratorOptions()
        options.headroom = 1.5
        #expect(try node("tool_call.invoices.get", in: S.policies(runs, options: options)).limits.perRun == 5)
        #expect(try node("output.reply", in: S.policies(runs)).limits == NodePolicy.Limits(perRun: 2, perMinute: nil))
    }

    @Test func aNodeIsNotGrantedToATenantWhoseLegacySandboxDeniesIt() throws {
        let sandboxes = [S.sandboxes[0], S.sandbox("globex", memory: "globex-mem", allow: [ToolRule(tool: S.glob("tickets.*"), index: 0)])]
        let set = S.policies(S.benignRuns, sandboxes: sandboxes)
        let send = try node("tool_call.email.send", in: set)
        #expect(send.tenants == ["acme"])
        #expect(send.withheld == ["tenant globex: the legacy sandbox denies this node (globex/tools.default)"])
        #expect(try node("tool_call.tickets.get", in: set).tenants == ["acme", "globex"])
    }

    @Test func legacyArgumentGlobsAreCarriedAsTemplatedPatternsAndExclusions() throws {
        func rules(_ tenant: String) -> [ToolRule] {
            [ToolRule(tool: S.glob("tickets.*"), index: 0),
             ToolRule(tool: S.glob("email.send"), args: ["to": S.glob("*@\(tenant).example")], index: 1)]
        }
        let sandboxes = [S.sandbox("acme", memory: "acme-memory", allow: rules("acme")),
                         S.sandbox("globex", memory: "globex-mem", allow: rules("globex"),
                                   deny: [ToolRule(tool: S.glob("email.*"), args: ["to": S.glob("*@evil.example")], index: 0)])]
        let send = try node("tool_call.email.send", in: S.policies(S.benignRuns, sandboxes: sandboxes))
        #expect(send.tenants == ["acme", "globex"])
        #expect(send.allow.arguments?.first { $0.name == "to" } == ArgumentConstraint(
            name: "to", pattern: "*@${tenant.id}.example", excluded: ["*@evil.example"], origin: ["tool_call.tickets.get"]))
    }

    @Test func generationIsDeterministicAcrossInputOrder() {
        let runs = S.benignRuns + [S.poisonedRun]
        let forward = S.policies(runs).yaml()
        let backward = S.policies(runs.reversed()).yaml()
        #expect(!forward.isEmpty)
        #expect(forward == backward)
        #expect(forward.hasPrefix("version: 1\nworkflow: support\nagent: agent\n"))
    }
}

extension PolicyGenerationTests {
    @Test func aStoreWriteIsNotGrantedToATenantWhoseStoreIsReadOnly() throws {
        func withStore(_ sandbox: TenantSandbox, _ access: StoreAccess) -> TenantSandbox {
            var copy = sandbox
            copy.dataStores = [DataStoreConfig(name: "crm", kind: "postgres", access: access, scopePrefix: "\(sandbox.tenantId).", index: 0)]
            return copy
        }
        let sandboxes = [withStore(S.sandboxes[0], .readWrite), withStore(S.sandboxes[1], .read)]
        let runs = (0..<6).map { index -> Run in
            let tenant = index % 2 == 0 ? "acme" : "globex"
            return S.run(tenant, "w\(index)", at: Int64(index) * 1_000_000_000, [
                S.StepSpec(kind: .dataWrite, operation: "crm.upsert", resources: [.store("crm", path: "\(tenant).contacts/row-\(index)77", access: .write)]),
            ])
        }
        let write = try node("data_write.crm.upsert", in: S.policies(runs, sandboxes: sandboxes))
        #expect(write.allow.resources == ["store:crm/${tenant.scope}contacts/* [write]"])
        #expect(write.tenants == ["acme"])
        #expect(write.withheld == ["tenant globex: the legacy sandbox denies this node (globex/dataStores[crm].access)"])
    }
}

extension PolicyGenerationTests {
    @Test func aWriteSeenOnlyInOnePoisonedRunIsGrantedToNoOneUnlessPermissive() throws {
        var hijacked = S.poisoned("acme", 60)
        hijacked.steps[3].operation = "payments.transfer"
        let runs = S.benignRuns + [hijacked]
        for strictness in [PolicyStrictness.balanced, .strict] {
            let transfer = try node("tool_call.payments.transfer", in: S.policies(runs, sandboxes: Self.allowingPayments,
                                                                                  options: PolicyGeneratorOptions(strictness: strictness)))
            #expect(transfer.tenants == [])
            #expect(transfer.withheld?.first == "all tenants: \(strictness.rawValue) grants no low-support state-changing node")
        }
        let permissive = try node("tool_call.payments.transfer", in: S.policies(runs, sandboxes: Self.allowingPayments,
                                                                                options: PolicyGeneratorOptions(strictness: .permissive)))
        #expect(permissive.tenants == ["acme", "globex"])
    }

    static let allowingPayments = S.sandboxes.map { sandbox -> TenantSandbox in
        var copy = sandbox
        copy.tools.allow.append(ToolRule(tool: S.glob("payments.*"), index: 3))
        return copy
    }
}

extension PolicyGenerationTests {
    @Test func aTenantWithoutTheBindingATemplateNeedsIsNotGranted() throws {
        var globex = S.sandboxes[1]
        globex.memory = nil
        let set = S.policies(S.benignRuns, sandboxes: [S.sandboxes[0], globex])
        // Without a namespace to template, globex's reads are a role of their own (only its id templated).
        let templated = try #require(set.nodes.first { $0.match.resources == ["memory:${tenant.memory}/prefs/*"] })
        #expect(templated.tenants == ["acme"])
        #expect(templated.withheld == ["tenant globex: its sandbox lacks a value the node's templates need"])
        let literal = try #require(set.nodes.first { $0.match.resources == ["memory:${tenant.id}-mem/prefs/*"] })
        #expect(literal.tenants == [])
        #expect(literal.withheld == ["tenant acme: the legacy sandbox denies this node (acme/memory.namespace)",
                                     "tenant globex: the legacy sandbox denies this node (globex/memory)"])
    }
}
