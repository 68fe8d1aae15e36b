import Foundation
import Testing
@testable import NodewardCore

/// `GeneralizationEvaluation` on hand-built runs of the policy scenario: what each strictness costs on
/// held-out benign work, what it stops, and that attacks never reach a training set.
@Suite struct GeneralizationTests {
    typealias S = PolicyScenario

    static let invoicesGet = S.StepSpec(kind: .toolCall, operation: "invoices.get")
    static let ticketsUpdate = S.StepSpec(kind: .toolCall, operation: "tickets.update")

    /// 40 runs, one per second. Before the time split's cutoff (the latest 20%: runs 32...39) acme sometimes
    /// looks an invoice up and updates the ticket after the retrieval; after it, globex starts doing both
    /// before the retrieval: a run shape training never saw, with a read and a write only acme was seen using.
    static let drifting: [Run] = (0..<40).map { index in
        let tenant = index % 2 == 0 ? "acme" : "globex"
        let ticket = "TCK-\(2000 + index)", customer = "customer\(index)@\(tenant).example"
        var specs = [S.memoryRead(tenant), S.ticketsGet(ticket, customer: customer), S.retrieve(tenant),
                     S.send(to: customer, ticket: ticket), S.reply]
        if index < 32, index % 4 == 0 { specs.insert(contentsOf: [invoicesGet, ticketsUpdate], at: 3) }
        if index >= 32, tenant == "globex" { specs.insert(contentsOf: [invoicesGet, ticketsUpdate], at: 2) }
        return S.run(tenant, "d\(2000 + index)", at: Int64(index) * 1_000_000_000,
                     request: "please close ticket \(ticket) and tell the customer", specs)
    }

    static func evaluation(_ runs: [Run], labels: [IncidentLabel] = [], splits: [HoldoutSplit] = [.time],
                           trainOnAttacks: Bool = false, sandboxes: [TenantSandbox] = S.sandboxes) -> GeneralizationEvaluation {
        var options = GeneralizationOptions()
        options.splits = splits
        options.trainOnAttacks = trainOnAttacks
        return GeneralizationEvaluation(runs: runs, sandboxes: sandboxes, labels: labels, options: options)
    }

    static func poisonedLabel(_ run: Run) -> IncidentLabel {
        IncidentLabel(id: "inc-\(run.runId)", kind: "poisoned-retrieval-write", tenant: run.tenant, workflow: run.workflow,
                      run: run.runId, steps: ["s3"])
    }

    @Test func anUnseenHeldOutVariantCostsStrictFalseDeniesButNotPermissive() throws {
        let byTenant = Dictionary(uniqueKeysWithValues: S.sandboxes.map { ($0.tenantId, $0) })
        let trained = Set(Self.drifting[..<32].map { HoldoutAssignment.variantFingerprint($0, sandbox: byTenant[$0.tenant]) })
        #expect(!trained.contains(HoldoutAssignment.variantFingerprint(Self.drifting[33], sandbox: byTenant["globex"])))

        let report = Self.evaluation(Self.drifting).evaluate()
        let permissive = try #require(report.row(.time, .permissive))
        #expect(permissive.benignRuns == 8)
        #expect(permissive.benignSteps == 8 * 5 + 4 * 2)
        #expect(permissive.falseDenies == 0)
        #expect(permissive.fullyAllowed == 8)
        let strict = try #require(report.row(.time, .strict))
        // Strict grants the ticket update (a write) only to the tenant seen on it: each of globex's 4 new runs
        // is denied once. The invoice lookup (a read) stays open to the workflow's tenants.
        #expect(strict.falseDenies == 4)
        #expect(strict.fullyAllowed == 4)
        #expect(strict.withoutDeny == 4)
        #expect(strict.falseDenyRules == [.init(rule: "support/tool_call.tickets.update/tenants", count: 4)])
        #expect(strict.falseDeniesPer1000 == 83.33)
        #expect(try #require(report.row(.time, .balanced)).falseDenies == 0)
    }

    @Test func anAttackRunIsStoppedAtEveryStrictnessInEverySplit() throws {
        let attack = S.poisoned("acme", 60)
        let report = Self.evaluation(S.benignRuns + [attack], labels: [Self.poisonedLabel(attack)], splits: HoldoutSplit.allCases).evaluate()
        #expect(report.runs == .init(total: 61, benign: 60, attack: 1, otherIncident: 0))
        #expect(report.rows.count == 9)
        for row in report.rows {
            #expect(row.attackRuns == 1, "\(row.split) \(row.strictness)")
            #expect(row.attacksStopped == 1, "\(row.split) \(row.strictness)")
            #expect(row.byKind == [.init(kind: "poisoned-retrieval-write", runs: 1, stopped: 1)])
        }
        // Every benign run is held out once by k-fold, and allowed: the scenario is uniform.
        let kfold = try #require(report.row(.kfold, .balanced))
        #expect(kfold.benignRuns == 60)
        #expect(kfold.falseDenies == 0)
        // All 60 benign runs share one shape, so the variant split holds the whole workflow out at once:
        // its fold trains on nothing, and every step is an unknown workflow.
        let variant = try #require(report.row(.variant, .permissive))
        #expect(variant.benignRuns == 60)
        #expect(variant.withoutDeny == 0)
        #expect(variant.falseDenyRules == [.init(rule: "support/unknown-workflow", count: 300)])
    }

    @Test func foldsNeverTrainOnAttacksUnlessAskedAndHoldEachBenignRunOutOnce() {
        let attacks = (0..<4).map { S.poisoned("acme", 60 + $0) }
        let drift = IncidentLabel(id: "inc-drift", kind: "config-drift", tenant: "globex", run: S.benignRuns[1].runId)
        let labels = attacks.map(Self.poisonedLabel) + [drift]
        for trainOnAttacks in [false, true] {
            let evaluation = Self.evaluation(S.benignRuns + attacks, labels: labels, trainOnAttacks: trainOnAttacks)
            let (classes, counts, _) = evaluation.classify()
            #expect(counts == .init(total: 64, benign: 59, attack: 4, otherIncident: 1))
            let attackIndices = Set(classes.indices.filter { if case .attack = classes[$0] { return true } else { return false } })
            let benignIndices = Set(classes.indices.filter { classes[$0] == .benign })
            for split in HoldoutSplit.allCases {
                let folds = evaluation.folds(split, classes: classes, sandboxes: [:])
                #expect(folds.count == (split == .time ? 1 : 5))
                for fold in folds {
                    let training = Set(fold.training)
                    #expect(training.isDisjoint(with: fold.benign))
                    #expect(Set(fold.benign).isSubset(of: benignIndices))
                    #expect(trainOnAttacks ? attackIndices.isSubset(of: training) : training.isDisjoint(with: attackIndices), "\(split)")
                }
                #expect(folds.flatMap(\.attacks).sorted() == attackIndices.sorted(), "each attack scored once per \(split)")
                if split != .time { #expect(folds.flatMap(\.benign).sorted() == benignIndices.sorted()) }
            }
        }
    }

    @Test func strictStopsPoisoningRepeatedInOneTenantEvenWhenTrainedOn() throws {
        // Four poisoned runs are neither rare (6%) nor low-support (≥ 3 runs): trained on, balanced grants their edge.
        let attacks = (0..<4).map { S.poisoned("acme", 60 + $0) }
        let labels = attacks.map(Self.poisonedLabel)
        let unseen = Self.evaluation(S.benignRuns + attacks, labels: labels, splits: [.kfold]).evaluate()
        #expect(unseen.rows.allSatisfy { $0.attacksStopped == 4 })
        let trained = Self.evaluation(S.benignRuns + attacks, labels: labels, splits: [.kfold], trainOnAttacks: true).evaluate()
        #expect(trained.trainOnAttacks)
        #expect(try #require(trained.row(.kfold, .balanced)).attacksStopped == 0)
        // Strict needs external content into a write from two tenants; only acme's runs show it.
        #expect(try #require(trained.row(.kfold, .strict)).attacksStopped == 4)
    }

    @Test func theReportIsDeterministicAcrossInputOrder() {
        let attack = S.poisoned("acme", 60)
        let runs = Self.drifting + [attack]
        let labels = [Self.poisonedLabel(attack), IncidentLabel(id: "inc-missing", kind: "injected-call", tenant: "acme", run: "nope")]
        let forward = Self.evaluation(runs, labels: labels, splits: HoldoutSplit.allCases).evaluate()
        let reordered = Array(runs.reversed()[7...] + runs.reversed()[..<7])
        let shuffled = Self.evaluation(reordered, labels: labels.reversed(), splits: HoldoutSplit.allCases).evaluate()
        #expect(forward == shuffled)
        #expect(StableJSON.encode(forward) == StableJSON.encode(shuffled))
        #expect(forward.document().plainText() == shuffled.document().plainText())
        #expect(forward.labelsWithoutRun == ["inc-missing"])
        let markdown = forward.document().markdown()
        #expect(markdown.contains("| split | strictness | benign runs | fully allowed |"))
        #expect(markdown.contains("| time | strict | 8 | 50.0% | 50.0% | 83.3 |"))
        #expect(!markdown.contains("customer"), "no payloads in the report")
    }

    @Test func theTimeSplitHoldsOutTheRunsInferenceConformanceHoldsOut() throws {
        var options = InferenceOptions()
        options.holdout = .time(0.2)
        var inferencer = Inferencer(sandboxes: S.sandboxes, options: options)
        for run in Self.drifting { inferencer.consume(run) }
        let conformance = try #require(inferencer.finish().first?.conformance)
        let evaluation = Self.evaluation(Self.drifting)
        let folds = evaluation.folds(.time, classes: evaluation.classify().classes, sandboxes: [:])
        #expect(folds.count == 1)
        #expect(folds[0].benign.count == conformance.heldOutRuns)
        #expect(folds[0].benign.map { evaluation.runs[$0].runId } == (32..<40).map { "d\(2000 + $0)" })
    }
}

/// The generator's level changes that the evaluation motivated.
@Suite struct GeneralizationLevelTests {
    typealias S = PolicyScenario

    @Test func strictDoesNotDeriveAPerRunLimitFromOneRunawayRun() throws {
        let calls = S.StepSpec(kind: .toolCall, operation: "tickets.get")
        var runs = (0..<20).map { S.run($0 % 2 == 0 ? "acme" : "globex", "p\($0)", at: Int64($0) * 1_000_000_000, [calls, S.reply]) }
        runs.append(S.run("acme", "loop", at: 30_000_000_000, Array(repeating: calls, count: 40) + [S.reply]))
        func limit(_ strictness: PolicyStrictness) throws -> Int? {
            try #require(S.policies(runs, options: PolicyGeneratorOptions(strictness: strictness)).nodes.first { $0.id == "tool_call.tickets.get" }).limits.perRun
        }
        #expect(try limit(.balanced) == 80)
        #expect(try limit(.strict) == 2)
        // Repetition that several runs show is kept: with two runs of 3 calls the second largest count is
        // bounded by 66 steps - 40 - (23 runs - 2) = 5, so the limit is 5 × 2.
        runs.append(S.run("globex", "three", at: 31_000_000_000, Array(repeating: calls, count: 3) + [S.reply]))
        runs.append(S.run("acme", "three-again", at: 32_000_000_000, Array(repeating: calls, count: 3) + [S.reply]))
        #expect(try limit(.strict) == 10)
    }
}
