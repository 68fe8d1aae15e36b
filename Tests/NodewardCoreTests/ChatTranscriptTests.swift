import Foundation
import Testing
@testable import NodewardCore

/// Chat transcripts in the OpenAI messages shape (issue 14): hand-built cases for each mapping rule, and
/// the real tau-bench slice through the pipeline.
@Suite struct ChatTranscriptTests {
    static let mapping = ChatTranscriptMapping(tenant: "=airline", run: "task_id+trial", workflow: "=airline-support")

    static func read(_ text: String, file: String = "chat.jsonl", mapping: ChatTranscriptMapping = mapping) -> (runs: [Run], summary: TraceReadSummary) {
        var options = TraceReaderOptions()
        options.transcriptMapping = mapping
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return (runs.sorted { $0.runId < $1.runId }, summary)
    }

    static func call(_ id: String, _ name: String, _ arguments: String) -> JSONValue {
        .object(["id": .string(id), "type": .string("function"),
                 "function": .object(["name": .string(name), "arguments": .string(arguments)])])
    }

    /// A conversation that reuses a call id in a later turn, as real logs do.
    static let conversation: JSONValue = .object([
        "task_id": .int(7), "trial": .int(0),
        "traj": .array([
            .object(["role": .string("system"), "content": .string("You are an airline agent.")]),
            .object(["role": .string("user"), "content": .string("Cancel my trip, user mia_li_3668")]),
            .object(["role": .string("assistant"), "content": .null, "tool_calls": .array([call("call_1", "get_user_details", #"{"user_id":"mia_li_3668"}"#)])]),
            .object(["role": .string("tool"), "tool_call_id": .string("call_1"), "name": .string("get_user_details"),
                     "content": .string(#"{"reservations":["ZFA04Y"]}"#)]),
            .object(["role": .string("user"), "content": .string("Yes, reservation ZFA04Y")]),
            .object(["role": .string("assistant"), "content": .null, "tool_calls": .array([call("call_1", "cancel_reservation", #"{"reservation_id":"ZFA04Y"}"#)])]),
            .object(["role": .string("tool"), "tool_call_id": .string("call_1"), "name": .string("cancel_reservation"), "content": .string("done")]),
            .object(["role": .string("assistant"), "content": .string("Your reservation is cancelled.")]),
        ]),
    ])

    @Test func toolCallsBecomeStepsAfterTheirModelCallWithTheLatestResultOfTheirID() throws {
        let (runs, summary) = Self.read(Self.conversation.canonicalText + "\n")
        #expect(summary.files["chat.jsonl"] == .chatTranscripts)
        let run = try #require(runs.first)
        #expect(runs.count == 1)
        #expect(run.tenant == "airline" && run.runId == "7-0" && run.workflow == "airline-support")
        #expect(run.steps.map { "\($0.kind.rawValue) \($0.operation) \($0.parents)" } == [
            "llm assistant []", "tool_call get_user_details [\"s1\"]", "llm assistant [\"s2\"]",
            "tool_call cancel_reservation [\"s3\"]", "llm assistant [\"s4\"]",
        ])
        let lookup = run.steps[1], cancel = run.steps[3]
        #expect(lookup.arguments == ["user_id": .string("mia_li_3668")])
        #expect(lookup.result == .object(["reservations": .array([.string("ZFA04Y")])]))
        // The reused id pairs with the latest call before the tool message, not the first.
        #expect(cancel.result == .string("done"))
        #expect(run.steps.map(\.startNanos) == run.steps.map(\.startNanos).sorted())
    }

    @Test func everyUserTurnIsPartOfTheRequest() throws {
        let run = try #require(Self.read(Self.conversation.canonicalText + "\n").runs.first)
        #expect(run.userRequest == "Cancel my trip, user mia_li_3668\nYes, reservation ZFA04Y")
    }

    @Test func argumentsThatAreNotAJSONObjectAreKeptWhole() throws {
        let text = JSONValue.object(["id": .string("c1"), "messages": .array([
            .object(["role": .string("assistant"), "tool_calls": .array([
                Self.call("a", "calculate", "2 + 2"), Self.call("b", "think", "[1, 2]"), Self.call("c", "noop", ""),
            ])]),
        ])]).canonicalText
        let run = try #require(Self.read(text + "\n", mapping: ChatTranscriptMapping(tenant: "=t")).runs.first)
        #expect(run.runId == "c1")
        #expect(run.steps.dropFirst().map(\.arguments) == [["arguments": .string("2 + 2")], ["arguments": .string("[1, 2]")], [:]])
    }

    @Test func aTranscriptThatNamesNoTenantIsACountedSkipAndTheOthersAreRead() throws {
        let named = JSONValue.object(["tenant": .string("acme"), "messages": .array([.object(["role": .string("user"), "content": .string("hi")]),
                                                                                     .object(["role": .string("assistant"), "content": .string("hello")])])])
        let unnamed = JSONValue.object(["messages": .array([.object(["role": .string("user"), "content": .string("hi")])])])
        let (runs, summary) = Self.read(unnamed.canonicalText + "\n" + named.canonicalText + "\n", mapping: ChatTranscriptMapping())
        #expect(runs.map(\.tenant) == ["acme"])
        #expect(runs.first?.runId == "chat#2")
        #expect(summary.skipped[.traceNoTenant] == 1)
        #expect(summary.diagnostics.contains { $0.code == .traceNoTenant && $0.location?.line == 1 && $0.message.contains("transcriptTenant") })
    }

    @Test func aJSONArrayOfTranscriptsReadsAsTheSameRunsAsOnePerLine() throws {
        let second = JSONValue.object(["task_id": .int(8), "trial": .int(1), "traj": .array([
            .object(["role": .string("assistant"), "tool_calls": .array([Self.call("x", "search_direct_flight", #"{"origin":"JFK"}"#)])]),
        ])])
        let lines = Self.read(Self.conversation.canonicalText + "\n" + second.canonicalText + "\n")
        let document = Self.read("[\n" + Self.conversation.canonicalText + ",\n" + second.canonicalText + "\n]\n", file: "chat.json")
        #expect(document.summary.files["chat.json"] == .chatTranscripts)
        #expect(document.runs.map(\.runId) == ["7-0", "8-1"])
        func shape(_ runs: [Run]) -> [String] { runs.flatMap { run in run.steps.map { "\(run.runId)/\($0.stepId) \($0.operation) \($0.arguments) \($0.result.map(\.canonicalText) ?? "-")" } } }
        #expect(shape(document.runs) == shape(lines.runs))
    }

    @Test func messagesThatCannotBeReadAreCountedWarningsNotSilentDrops() throws {
        let text = JSONValue.object(["tenant": .string("acme"), "messages": .array([
            .object(["role": .string("user"), "content": .string("hi")]),
            .string("not a message"),
            .object(["role": .string("assistant"), "tool_calls": .array([.object(["id": .string("c1"), "function": .object([:])])])]),
            .object(["role": .string("tool"), "tool_call_id": .string("nobody"), "content": .string("x")]),
        ])]).canonicalText
        let (runs, summary) = Self.read(text + "\n", mapping: ChatTranscriptMapping())
        #expect(runs.first?.steps.map(\.kind) == [.llm])
        let warnings = summary.diagnostics.filter { $0.severity == .warning && $0.code == .traceInvalidValue }.map(\.message)
        #expect(warnings == ["message 2 is not an object with a role; not read",
                             "a tool call of message 3 has no function name; not a step",
                             "tool message 4 answers no earlier tool call; its result is not kept"])
    }

    @Test func aOneLineArrayOfTranscriptsIsRead() throws {
        let text = "[" + Self.conversation.canonicalText + "]\n"
        let (runs, summary) = Self.read(text, file: "chat.json")
        #expect(summary.files["chat.json"] == .chatTranscripts)
        #expect(runs.map(\.runId) == ["7-0"])
    }

    /// A JSONL file cut inside its first line can leave that line starting with `[`: the file is still
    /// read line by line (issue 13, item 7), not taken for a pretty-printed array.
    @Test func aCutFirstLineThatStartsWithABracketDoesNotMakeTheFileADocument() throws {
        let record = #"{"v":1,"tenant":"acme","agent":"a","run":"r1","step":"s1","time":1,"kind":"tool_call","operation":"x"}"#
        let (runs, summary) = Self.read("[\"s0\"],\"kind\":\"llm\"}\n" + record + "\n", file: "cut.jsonl")
        #expect(summary.files["cut.jsonl"] == .nodewardJSONL)
        #expect(runs.map(\.runId) == ["r1"])
        #expect(summary.skipped[.traceJSON] == 1)
    }

    static var tauSlice: String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("transcripts/tau-bench-airline/slice.json").path
    }

    /// The real slice end to end: read, infer, generate, replay. Permissive allows every step it was
    /// generated from; the writes' data flows come from the lookups' results.
    @Test func tauBenchSliceRunsThroughThePipeline() throws {
        var options = TraceReaderOptions()
        options.transcriptMapping = Self.mapping
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: [Self.tauSlice]) { runs.append($0) }
        #expect(summary.skippedTotal == 0, "\(summary.diagnostics.prefix(3))")
        #expect(runs.count == 13)
        #expect(runs.flatMap(\.steps).filter { $0.kind == .toolCall }.count == 101)
        let sandbox = TenantSandbox(name: "airline", tenantId: "airline", tools: ToolsConfig(defaultEffect: .allow), source: SourceLocation(file: "airline.yaml", line: 1))
        var inferencer = Inferencer(sandboxes: [sandbox])
        for run in runs { inferencer.consume(run) }
        let graph = try #require(inferencer.finish().first)
        #expect(graph.workflow == "airline-support")
        #expect(graph.nodes.contains { $0.operation == "get_reservation_details" })
        #expect(graph.dataEdges.contains { $0.from.hasPrefix("tool_call.get_user_details") })
        let set = PolicyGenerator(graph: graph, sandboxes: [sandbox], options: PolicyGeneratorOptions(strictness: .permissive)).generate()
        var evaluator = ShadowEvaluator(sandboxes: [sandbox], policies: CompiledPolicySet([set]))
        let denied = runs.flatMap { run in zip(run.steps, evaluator.evaluate(run)).filter { $0.1.node.effect != .allow } }
        #expect(denied.isEmpty, "\(denied.prefix(3).map { "\($0.0.runId)/\($0.0.stepId): \($0.1.node.rule)" })")
    }
}
