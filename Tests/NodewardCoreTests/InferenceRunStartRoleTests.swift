import Testing
@testable import NodewardCore

/// Issue 14's crash: a tool called first in a run and again later is split into roles, one of which
/// follows the run start. Inference once used the run start as an index into the base keys and trapped.
@Suite struct InferenceRunStartRoleTests {
    typealias Spec = InferenceTests.StepSpec

    static func lookupTwiceRuns(count: Int) -> [Run] {
        (0..<count).map { index in
            InferenceTests.run("acme", "r\(index)", at: Int64(index) * 1_000_000_000, [
                Spec(kind: .toolCall, operation: "crm.lookup"),
                Spec(kind: .llm, operation: "gpt-4o"),
                Spec(kind: .toolCall, operation: "crm.lookup"),
                Spec(kind: .output, operation: "reply"),
            ])
        }
    }

    @Test func toolCalledFirstAndAgainLaterIsSplitWithAStartRole() throws {
        let graph = try #require(InferenceTests.infer(Self.lookupTwiceRuns(count: 3)).first)
        let lookups = graph.nodes.filter { $0.operation == "crm.lookup" }
        #expect(lookups.map(\.id) == ["tool_call.crm.lookup@after.llm", "tool_call.crm.lookup@start"])
        #expect(lookups.map(\.disambiguator) == ["after llm", "first step of the run"])
        #expect(graph.controlEdges.contains { $0.from == TaskGraph.start && $0.to == "tool_call.crm.lookup@start" })
    }

    @Test func startRoleOrderDoesNotDependOnInputOrder() throws {
        let runs = Self.lookupTwiceRuns(count: 4)
        let forward = try #require(InferenceTests.infer(runs).first)
        let backward = try #require(InferenceTests.infer(runs.reversed()).first)
        #expect(forward.nodes.map(\.id) == backward.nodes.map(\.id))
        #expect(forward.controlEdges.map { "\($0.from)>\($0.to)" } == backward.controlEdges.map { "\($0.from)>\($0.to)" })
    }

    /// A split role is told apart by its steps' first parent. Steps with several parents give the role
    /// control edges from all of them, so `after` taken from the edges let two roles claim one step: the
    /// evaluator then matched the wrong one and the rest of the run became unknown steps (found by
    /// `PipelinePropertyTests`).
    @Test func splitRoleAfterNamesFirstParentsNotEveryEdgeSource() throws {
        func step(_ run: String, _ id: String, _ index: Int, _ kind: StepKind, _ operation: String, parents: [String]) -> Step {
            Step(tenant: "acme", agent: "agent", workflow: "wf", runId: run, stepId: id, parents: parents,
                 startNanos: Int64(index) * 1_000_000, kind: kind, operation: operation, source: InferenceTests.location)
        }
        let runs = (0..<3).map { index -> Run in
            let id = "r\(index)"
            let steps = [
                step(id, "s1", 1, .toolCall, "docs.search", parents: []),
                step(id, "s2", 2, .toolCall, "orders.get", parents: ["s1"]),
                step(id, "s3", 3, .toolCall, "crm.lookup", parents: ["s1", "s2"]),
                step(id, "s4", 4, .toolCall, "crm.lookup", parents: ["s2", "s3"]),
            ]
            return Run(tenant: "acme", agent: "agent", workflow: "wf", runId: id, startNanos: 0, endNanos: 5_000_000,
                       steps: steps, source: InferenceTests.location)
        }
        let graph = try #require(InferenceTests.infer(runs).first)
        let afterOrders = try #require(graph.nodes.first { $0.id == "tool_call.crm.lookup@after.orders.get" })
        let afterDocs = try #require(graph.nodes.first { $0.id == "tool_call.crm.lookup@after.docs.search" })
        #expect(afterOrders.after == ["tool_call.orders.get"])
        #expect(afterDocs.after == ["tool_call.docs.search"])
        let set = PolicyGenerator(graph: graph, sandboxes: InferenceTests.sandboxes, options: .init(strictness: .permissive)).generate()
        var evaluator = ShadowEvaluator(sandboxes: InferenceTests.sandboxes, policies: CompiledPolicySet([set]))
        let outcomes = evaluator.evaluate(try #require(runs.first))
        #expect(outcomes.map(\.nodeId) == ["tool_call.docs.search", "tool_call.orders.get",
                                            "tool_call.crm.lookup@after.docs.search", "tool_call.crm.lookup@after.orders.get"])
    }
}
