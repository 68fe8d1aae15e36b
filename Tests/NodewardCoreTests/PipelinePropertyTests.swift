import Foundation
import Testing
@testable import NodewardCore

/// The whole pipeline over random fleets (issue 14): analyze → infer → generate (each strictness) → check →
/// replay → plan → Cedar export, in process, with invariants that hold for any well-formed input.
/// `NODEWARD_PROPERTY_CASES=N` runs more cases; `NODEWARD_PROPERTY_SEED=S` runs one seed.
@Suite struct PipelinePropertyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds: [UInt64] = {
        if let seed = environment["NODEWARD_PROPERTY_SEED"].flatMap(UInt64.init) { return [seed] }
        let count = environment["NODEWARD_PROPERTY_CASES"].flatMap(Int.init) ?? 200
        var mixer = SplitMix64(state: 0x5EED_F1EE7)
        return (0..<count).map { _ in mixer.next() }
    }()

    struct Replayed {
        var classes: [ComparisonClass: Int] = [:]
        /// Legacy-allowed steps the node regime denies, with the deciding rule (for failure messages).
        var tightened: [String] = []
        var widened: [String] = []
        var unknown: [String] = []
        var decisions: [String] = []
    }

    static func replay(_ workspace: Workspace, sandboxes: [TenantSandbox], sets: [PolicySet]) -> Replayed {
        var replay = ShadowReplay(sandboxes: sandboxes, policies: CompiledPolicySet(sets))
        var result = Replayed()
        let emit: (Step, ShadowOutcome) -> Void = { step, outcome in
            result.classes[outcome.comparison, default: 0] += 1
            let id = "\(step.tenant)/\(step.runId)/\(step.stepId) \(step.kind.rawValue) \(step.operation.prefix(40))"
            result.decisions.append("\(id) \(outcome.legacy.effect.rawValue):\(outcome.legacy.rule) \(outcome.node.effect.rawValue):\(outcome.node.rule)")
            if outcome.comparison == .tightened { result.tightened.append("\(id): \(outcome.node.rule)") }
            if outcome.comparison == .unknownStep { result.unknown.append("\(id) parents \(step.parents): \(outcome.node.rule) \(outcome.node.reason)") }
            if outcome.comparison == .widened { result.widened.append("\(id): legacy \(outcome.legacy.rule)") }
        }
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
            replay.consume(run, emit: emit)
        }
        replay.finish(emit: emit)
        return result
    }

    /// The first line where two texts differ, for failure messages that stay short.
    static func firstDifference(_ lhs: String, _ rhs: String) -> String {
        let (left, right) = (lhs.split(separator: "\n", omittingEmptySubsequences: false), rhs.split(separator: "\n", omittingEmptySubsequences: false))
        for (index, pair) in zip(left, right).enumerated() where pair.0 != pair.1 {
            return "line \(index + 1): \(pair.0.prefix(300)) ≠ \(pair.1.prefix(300))"
        }
        return "lengths \(left.count) ≠ \(right.count) lines"
    }

    static func temporaryFolder(_ seed: UInt64) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-property-\(seed)-\(UUID().uuidString)")
    }

    @Test(arguments: seeds)
    func pipelineHoldsOnRandomFleets(seed: UInt64) throws {
        let fleet = RandomFleet(seed: seed)
        let folder = Self.temporaryFolder(seed)
        defer { if Self.environment["NODEWARD_PROPERTY_KEEP"] == nil { try? FileManager.default.removeItem(at: folder) } }
        let workspace = try fleet.write(to: folder)
        let stages = Pipeline.Stages(analyze: AnalyzerOptions(), infer: InferenceOptions())
        let first = Pipeline.run(workspace: workspace, stages: stages)
        #expect(!first.hasInputErrors, "seed \(seed): \(first.diagnostics.filter { $0.severity == .error }.prefix(3))")
        let graphs = try #require(first.graphs)
        let analysis = try #require(first.analysis)
        #expect(first.traceSummary.runs == fleet.runCount, "seed \(seed): every generated run is read")

        // Byte-identical on a second run.
        let second = Pipeline.run(workspace: workspace, stages: stages)
        #expect(StableJSON.encode(second.graphs ?? []) == StableJSON.encode(graphs), "seed \(seed): graphs differ between runs")
        #expect(StableJSON.encode(second.analysis) == StableJSON.encode(analysis), "seed \(seed): analysis differs between runs")

        for strictness in PolicyStrictness.allCases {
            let options = PolicyGeneratorOptions(strictness: strictness)
            let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: first.sandboxes, options: options).generate() }
            let again = graphs.map { PolicyGenerator(graph: $0, sandboxes: first.sandboxes, options: options).generate() }
            #expect(sets.map { $0.yaml() } == again.map { $0.yaml() }, "seed \(seed) \(strictness): policies differ between runs")
            #expect(Set(sets.map(\.fileStem)).count == sets.count, "seed \(seed): two workflows share a policy file")

            // The files read back, and confinement holds: a generated policy is never wider than the sandbox.
            var files: [PolicyFile] = []
            for set in sets {
                let read = PolicyReader.readFile(yaml: set.yaml(), file: set.fileStem + ".yaml")
                #expect(!read.diagnostics.contains { $0.severity == .error }, "seed \(seed) \(strictness): \(read.diagnostics.prefix(2))")
                if let file = read.file { files.append(file) }
            }
            let check = PolicyCheck(files: files, sandboxes: first.sandboxes, graphs: graphs).run()
            #expect(check.widenings.isEmpty, "seed \(seed) \(strictness): \(check.widenings.prefix(2).map(\.diagnostic.description))")

            let replayed = Self.replay(workspace, sandboxes: first.sandboxes, sets: sets)
            #expect(replayed.classes.values.reduce(0, +) == first.traceSummary.steps,
                    "seed \(seed) \(strictness): every step read is decided once")
            // Confinement in effect: the node regime never allows what the tenant sandbox denies.
            #expect(replayed.widened.isEmpty, "seed \(seed) \(strictness): widened \(replayed.widened.prefix(3))")
            if strictness == .permissive {
                // Every training run's steps are allowed at permissive: all runs here are training runs.
                #expect(replayed.tightened.isEmpty, "seed \(seed): permissive tightens \(replayed.tightened.count) steps, e.g. \(replayed.tightened.prefix(3))")
                #expect(replayed.unknown.isEmpty, "seed \(seed): steps of training runs are unknown to their own policies: \(replayed.unknown.prefix(3))")
            }
            let replayedAgain = Self.replay(workspace, sandboxes: first.sandboxes, sets: sets)
            #expect(replayedAgain.decisions == replayed.decisions, "seed \(seed) \(strictness): decisions differ between runs")

            // Cedar export is deterministic; its decisions are compared with Cedar's in `cedarAgreesOnRandomFleets`.
            #expect(CedarExport.export(sets) == CedarExport.export(again), "seed \(seed) \(strictness): Cedar export differs")

            // The plan report builds and renders the same twice.
            func plan() -> PlanReport {
                var tally = ShadowTally(incidents: [])
                var replay = ShadowReplay(sandboxes: first.sandboxes, policies: CompiledPolicySet(sets))
                _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
                    replay.consume(run) { tally.add($0, $1) }
                }
                replay.finish { tally.add($0, $1) }
                return PlanReport(PlanReportInputs(
                    workspace: "random", analysis: analysis, graphs: graphs, committedGraphs: nil,
                    policies: sets.map { ($0, $0.fileStem + ".yaml", $0.yaml()) }, policyOrigin: "generated", policyFolder: "policies",
                    strictness: strictness.rawValue, shadow: tally.summary(), check: check))
            }
            let report = plan()
            let markdown = report.markdown(), markdownAgain = plan().markdown()
            #expect(markdown == markdownAgain, "seed \(seed) \(strictness): plan.md differs between runs: \(Self.firstDifference(markdown, markdownAgain))")
            #expect(!report.plainText().isEmpty && !report.sarif().isEmpty && !report.html().isEmpty)
        }
    }

    /// Cedar decides the exported policies of random fleets as the node evaluator does, on a sample of
    /// the cases (one Cedar process per case).
    @Test(.enabled(if: CedarPython.enabled, Comment(rawValue: CedarPython.setup)), arguments: seeds.prefix(12))
    func cedarAgreesOnRandomFleets(seed: UInt64) throws {
        let fleet = RandomFleet(seed: seed)
        let folder = Self.temporaryFolder(seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workspace = try fleet.write(to: folder)
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let sets = try #require(inferred.graphs).map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() }
        let bundle = CedarExport.export(sets)
        var builder = CedarRequestBuilder(policies: sets, sandboxes: inferred.sandboxes)
        var requests: [CedarRequest] = []
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
            requests += builder.requests(for: run)
        }
        guard !requests.isEmpty, let decisions = try CedarPython.decide(bundle, requests) else { return }
        let (mismatches, _) = CedarPython.compare(bundle, requests, decisions)
        #expect(mismatches.isEmpty, "seed \(seed): \(mismatches.count) of \(requests.count) differ, e.g. \(mismatches.prefix(2))")
    }
}
