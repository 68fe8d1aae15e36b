import Foundation
import Testing
@testable import NodewardCore

/// Every decision over the sample fleet, pinned by digest: the node evaluator (one reused run context,
/// as replay and `nodeward bench` drive it), the legacy fleet (decision and exercised grants) and shadow
/// outcomes (with provenance chains). The digests were recorded from the evaluators before their fast
/// paths (precompiled lookups, lazy provenance tokens) were added, so any change of an effect, rule,
/// reason, grant or chain over these ~20,000 steps fails here.
@Suite struct DecisionEquivalenceTests {
    static let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet").path

    /// FNV-1a over UTF-8, with a separator after each field: stable across processes (unlike `Hasher`).
    struct Digest {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        mutating func add(_ text: String) {
            for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        var hex: String { String(value, radix: 16) }
    }

    struct Outcome {
        var node = Digest()
        var legacy = Digest()
        var shadow = Digest()
        var counts: [String: Int] = [:]
    }

    static func decideFleet() throws -> Outcome {
        let workspace = try Workspace.load(folder: fleet)
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let graphs = try #require(inferred.graphs)
        let sandboxes = inferred.sandboxes
        let policies = CompiledPolicySet(graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes).generate() })
        var runs: [Run] = []
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { runs.append($0) }
        runs.sort { ($0.startNanos, $0.tenant, $0.runId) < ($1.startNanos, $1.tenant, $1.runId) }

        var outcome = Outcome()
        var node = NodeEvaluator(policies: policies, sandboxes: sandboxes)
        var legacy = LegacyFleet(sandboxes: sandboxes)
        var shadow = ShadowEvaluator(sandboxes: sandboxes, policies: policies)
        var context = RunContext(runId: "", userRequest: nil)
        for run in runs {
            context.reset(runId: run.runId, userRequest: run.userRequest)
            var shadowContext = ShadowRunContext(run)
            for step in run.steps {
                let decision = node.evaluate(step, in: &context)
                outcome.node.add(decision.description)
                outcome.counts["node \(decision.effect.rawValue)", default: 0] += 1
                let evaluation = legacy.evaluateDetailed(step)
                outcome.legacy.add(evaluation.decision.description)
                for rule in evaluation.exercised { outcome.legacy.add(rule) }
                outcome.counts["legacy \(evaluation.decision.effect.rawValue)", default: 0] += 1
                let paired = shadow.evaluate(step, in: &shadowContext)
                outcome.shadow.add("\(paired.comparison) \(paired.nodeId ?? "-") \(paired.legacy) \(paired.node)")
                for link in paired.provenance { outcome.shadow.add(link.description) }
            }
        }
        return outcome
    }

    @Test func everyDecisionOfTheSampleFleetIsUnchanged() throws {
        let outcome = try Self.decideFleet()
        let summary = "node \(outcome.node.hex) legacy \(outcome.legacy.hex) shadow \(outcome.shadow.hex) \(outcome.counts.sorted { $0.key < $1.key })"
        #expect(outcome.node.hex == "968182b7d70f74e9", "\(summary)")
        #expect(outcome.legacy.hex == "298b9324799524ec", "\(summary)")
        #expect(outcome.shadow.hex == "7dae5ff5362e25d7", "\(summary)")
    }

    /// The one-call convenience and the reused-context path decide alike (`reset` forgets the last run).
    @Test func aReusedRunContextDecidesAsAFreshOne() throws {
        let workspace = try Workspace.load(folder: Self.fleet)
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let policies = CompiledPolicySet(try #require(inferred.graphs).map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() })
        var runs: [Run] = []
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { runs.append($0) }
        var fresh = NodeEvaluator(policies: policies, sandboxes: inferred.sandboxes)
        var reused = NodeEvaluator(policies: policies, sandboxes: inferred.sandboxes)
        var context = RunContext(runId: "", userRequest: nil)
        var differing: [String] = []
        for run in runs.prefix(400) {
            let expected = fresh.evaluate(run)
            context.reset(runId: run.runId, userRequest: run.userRequest)
            for (step, decision) in zip(run.steps, expected) where reused.evaluate(step, in: &context) != decision {
                differing.append("\(run.runId)/\(step.stepId)")
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
    }
}
