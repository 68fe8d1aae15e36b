import Foundation
import Testing
@testable import NodewardCore

/// The current OpenTelemetry GenAI conventions in OTLP/JSON (issue 14): the fixtures under
/// Fixtures/traces/otel-genai/ (written from open-telemetry/semantic-conventions-genai, see the README
/// there), golden steps, bad records, detection, both decoders, and the pipeline end to end.
@Suite struct OTelGenAITraceTests {
    static let crewTrace = "0af7651916cd43dd8448eb211c80319c"
    static let goodFiles = ["crew-run.jsonl", "baggage-tenant.json", "mcp-sessions.jsonl"]

    static func fixture(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("traces/otel-genai").appendingPathComponent(name).path
    }

    static func read(_ names: [String], options: TraceReaderOptions = TraceReaderOptions()) throws -> (runs: [Run], summary: TraceReadSummary, paths: [String]) {
        let paths = try names.map(fixture)
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(paths: paths) { runs.append($0) }
        return (runs.sorted { ($0.tenant, $0.runId) < ($1.tenant, $1.runId) }, summary, paths)
    }

    static func read(text: String, file: String, options: TraceReaderOptions = TraceReaderOptions()) -> (runs: [Run], summary: TraceReadSummary) {
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return (runs, summary)
    }

    /// Every field of a step that a format can set, as one canonical JSON line (file paths as names).
    static func golden(_ step: Step) -> String {
        var fields: [String: JSONValue] = [
            "tenant": .string(step.tenant), "agent": .string(step.agent), "workflow": .string(step.workflow),
            "run": .string(step.runId), "step": .string(step.stepId), "parents": .array(step.parents.map(JSONValue.string)),
            "start": .int(step.startNanos), "end": .int(step.endNanos), "kind": .string(step.kind.rawValue),
            "operation": .string(step.operation), "arguments": .object(step.arguments),
            "resources": .array(step.resources.map { .string("\($0.description) \($0.access.rawValue)") }),
            "items": .array(step.dataItems.map { .string("\($0.id)@\($0.tenantTag ?? "") \($0.access.rawValue)") }),
            "executed": .bool(step.executed), "failed": .bool(step.failed),
            "source": .string("\((step.source.file as NSString).lastPathComponent):\(step.source.line)"),
        ]
        if let result = step.result { fields["result"] = result }
        if let provider = step.provider { fields["provider"] = .string(provider) }
        if let tokens = step.tokens { fields["tokens"] = .object(["input": .int(Int64(tokens.input)), "output": .int(Int64(tokens.output))]) }
        if let decision = step.recordedDecision {
            var recorded: [String: JSONValue] = ["effect": .string(decision.effect.rawValue)]
            if let rule = decision.rule { recorded["rule"] = .string(rule) }
            if let reason = decision.reason { recorded["reason"] = .string(reason) }
            fields["legacy"] = .object(recorded)
        }
        if let principal = step.principal, let subject = principal.subject { fields["subject"] = .string(subject) }
        return JSONValue.object(fields).canonicalText
    }

    @Test func theGoodFixturesMapOntoTheGoldenSteps() throws {
        let (runs, _, _) = try Self.read(Self.goodFiles)
        let actual = runs.flatMap(\.steps).map(Self.golden).joined(separator: "\n") + "\n"
        // Read from (and recorded into) the source tree, not the bundle's copy.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/traces/otel-genai/golden-steps.jsonl")
        if ProcessInfo.processInfo.environment["NODEWARD_RECORD_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "the steps differ from golden-steps.jsonl; re-record with NODEWARD_RECORD_GOLDEN=1 if the change is intended")
    }

    @Test func aWorkflowRunWithContentOnEventsMCPGuardrailsAndMemory() throws {
        let (runs, summary, paths) = try Self.read(["crew-run.jsonl"])
        #expect(summary.files[paths[0]] == .otlpJSONLines)
        #expect(summary.skippedTotal == 0, "\(summary.diagnostics.prefix(3))")
        #expect(summary.diagnostics.isEmpty, "\(summary.diagnostics.prefix(3))")
        let run = try #require(runs.first)
        #expect(runs.count == 1 && run.runId == Self.crewTrace)
        // The workflow is the invoke_workflow span's gen_ai.workflow.name; the agent the invoke_agent span.
        #expect(run.tenant == "acme" && run.agent == "planner" && run.workflow == "trip-planning")
        #expect(run.userRequest == "Book me a flight to Lisbon on May 3 and remember I prefer aisle seats")
        #expect(run.steps.map { "\($0.kind.rawValue) \($0.operation)" } == [
            "llm gpt-4o", "tool_call search_flights", "llm gpt-4o", "tool_call book_flight", "tool_call charge_card",
            "retrieval travel-docs", "memory_read search_memory", "memory_write update_memory",
        ])
        // Each step's agent is its nearest invoke_agent span: booker's tools are booker's.
        #expect(run.steps.map(\.agent) == ["planner", "planner", "planner", "booker", "booker", "planner", "planner", "planner"])
        let steps = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.operation + "/" + $0.stepId.suffix(2), $0) })
        // search_flights recorded no content on its span: the arguments are the chat's tool_call part, the
        // result the tool_call_response part on the next chat's details event.
        let search = try #require(steps["search_flights/05"])
        #expect(search.arguments == ["to": .string("LIS"), "date": .string("2027-05-03")])
        #expect(search.result == .object(["flights": .array([.object(["id": .string("TP1353"), "price": .int(182)])])]))
        // The MCP client and server spans of book_flight are the same call: one step, with the server's
        // result and the client's egress.
        let book = try #require(steps["book_flight/07"])
        #expect(book.arguments == ["flight": .string("TP1353"), "seat": .string("aisle")])
        #expect(book.result == .object(["confirmation": .string("ABC123")]))
        #expect(book.resources == [.egress("booking.example", port: 443)])
        #expect(!run.steps.contains { $0.stepId.hasSuffix("08") || $0.stepId.hasSuffix("09") })
        // Guardrails: the deny targets charge_card's call id; the allow is a child of the first chat.
        let charge = try #require(steps["charge_card/10"])
        #expect(charge.recordedDecision == RecordedDecision(effect: .deny, rule: "guardrail/payments-require-approval", reason: "a guardrail blocked it"))
        #expect(charge.failed)
        let chat = try #require(steps["gpt-4o/03"])
        #expect(chat.recordedDecision?.effect == .allow && chat.recordedDecision?.rule == "guardrail/prompt-shield")
        #expect(chat.resources == [.egress("api.openai.com", port: 443)] && chat.tokens == TokenUsage(input: 210, output: 32))
        #expect(run.steps.filter { $0.recordedDecision != nil }.count == 2)
        // Retrieval: the data source is the vector collection; memory: the store is the namespace.
        let retrieval = try #require(steps["travel-docs/12"])
        #expect(retrieval.resources == [Resource(scheme: .vector, container: "travel-docs")])
        #expect(retrieval.arguments == ["query": .string("baggage allowance TAP")] && retrieval.dataItems == [DataItem(id: "doc-3")])
        let recall = try #require(steps["search_memory/13"])
        #expect(recall.resources == [.memory("acme-memory")])
        #expect(recall.arguments == ["query": .string("seat preference")] && recall.dataItems == [DataItem(id: "mem-7")])
        #expect(recall.result?.arrayValue?.count == 1)
        let remember = try #require(steps["update_memory/14"])
        #expect(remember.resources == [.memory("acme-memory", key: "mem-7", access: .write)])
        #expect(remember.dataItems == [DataItem(id: "mem-7", access: .write)])
        #expect(remember.arguments["records"] == .array([.object(["id": .string("mem-7"), "content": .string("prefers aisle seats")])]))
    }

    @Test func theTenantCanComeFromBaggage() throws {
        let (runs, summary, paths) = try Self.read(["baggage-tenant.json"])
        #expect(summary.files[paths[0]] == .otlpJSON)
        let run = try #require(runs.first)
        // Only the root span carries the baggage; the spans that name no tenant join its run.
        #expect(runs.count == 1 && run.tenant == "globex" && run.agent == "support-bot" && run.workflow == "support-bot")
        let lookup = try #require(run.steps.first)
        #expect(run.steps.count == 1 && lookup.operation == "lookup_order")
        #expect(lookup.recordedDecision == RecordedDecision(effect: .allow, rule: "guardrail/run_guardrail input tool_call", reason: "a guardrail let it pass"))
        // The output guardrail started before any step: nothing to guard, a counted note.
        #expect(summary.skipped.isEmpty)
        #expect(summary.diagnostics.map(\.code) == [.traceNotAStep])
        #expect(summary.diagnostics.first?.severity == .warning)

        // A tenant attribute written `baggage.<key>` reads that key of the baggage (percent-decoded).
        var options = TraceReaderOptions()
        options.tenantAttribute = "baggage.org"
        let (byOrg, _, _) = try Self.read(["baggage-tenant.json"], options: options)
        #expect(byOrg.map(\.tenant) == ["globex corp"])
        // The attribute that holds the baggage is configurable; elsewhere it is not read.
        options = TraceReaderOptions()
        options.baggageAttribute = "w3c.baggage"
        let (none, noTenant, _) = try Self.read(["baggage-tenant.json"], options: options)
        #expect(none.isEmpty && noTenant.skipped == [.traceNoTenant: 1])
        let workspace = Workspace(attributes: ["baggage": "w3c.baggage", "tenant": "baggage.org"])
        #expect(workspace.traceReaderOptions().baggageAttribute == "w3c.baggage")
        #expect(workspace.traceReaderOptions().tenantAttribute == "baggage.org")
    }

    /// One OTLP export line of spans in one trace (tenant `acme` on the resource).
    static func line(_ spans: [String]) -> String {
        #"{"resourceSpans":[{"resource":{"attributes":[{"key":"tenant.id","value":{"stringValue":"acme"}}]},"scopeSpans":[{"spans":["#
            + spans.joined(separator: ",") + "]}]}]}\n"
    }

    static func span(_ id: Int, parent: Int? = nil, start: Int, _ attributes: [(String, String)]) -> String {
        let list = attributes.map { #"{"key":"\#($0.0)","value":{"stringValue":"\#($0.1)"}}"# }.joined(separator: ",")
        let parentMember = parent.map { #""parentSpanId":"\#(String(format: "%016x", $0))","# } ?? ""
        return #"{"traceId":"0123456789abcdef0123456789abcdef","spanId":"\#(String(format: "%016x", id))",\#(parentMember)"name":"s","startTimeUnixNano":"\#(1_793_700_000_000_000_000 + start)","attributes":[\#(list)]}"#
    }

    @Test func guardrailsAttachByTargetParentOrTimeAndADenyWins() throws {
        let tool: (String) -> [(String, String)] = { [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", $0)] }
        let guardrail: (String, String) -> [(String, String)] = { [("gen_ai.operation.name", "run_guardrail"), ("gen_ai.guardrail.target.type", $0), ("gen_ai.guardrail.verdict.type", $1)] }
        let text = Self.line([
            Self.span(1, start: 0, [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "a")]),
            // Two guardrails under `first`: an allow, then a deny; the deny wins.
            Self.span(2, parent: 1, start: 10, tool("first")),
            Self.span(3, parent: 2, start: 11, guardrail("input", "allow")),
            Self.span(4, parent: 2, start: 12, guardrail("input", "deny")),
            // `second` recorded its own decision: a guardrail does not replace it.
            Self.span(5, parent: 1, start: 20, tool("second") + [("nodeward.legacy.decision", "allow")]),
            Self.span(6, parent: 5, start: 21, guardrail("input", "deny")),
            // An output guardrail after `third` (a sibling) guards it; an action overrides the verdict.
            Self.span(7, parent: 1, start: 30, tool("third")),
            Self.span(8, parent: 1, start: 40, guardrail("output", "warn") + [("gen_ai.guardrail.action.type", "block")]),
            // An input guardrail guards the next sibling, even when it arrives after it.
            Self.span(10, parent: 1, start: 60, tool("fourth")),
            Self.span(9, parent: 1, start: 50, guardrail("input", "modify")),
        ])
        for decoder in [TraceDecoderChoice.fast, .reference] {
            var options = TraceReaderOptions()
            options.decoder = decoder
            let (runs, summary) = Self.read(text: text, file: "g.jsonl", options: options)
            #expect(summary.diagnostics.isEmpty, "\(summary.diagnostics)")
            let steps = try #require(runs.first).steps
            #expect(steps.map(\.operation) == ["first", "second", "third", "fourth"])
            #expect(steps.map { $0.recordedDecision?.effect } == [.deny, .allow, .deny, .allow])
            #expect(steps[1].recordedDecision?.rule == nil)
            #expect(steps[0].recordedDecision?.rule == "guardrail/s")
        }
    }

    @Test func planSpansAreStructureMemoryStoreLifecycleIsAWriteAndMCPNamesTheTool() throws {
        let text = Self.line([
            Self.span(1, start: 0, [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "a")]),
            Self.span(2, parent: 1, start: 10, [("gen_ai.operation.name", "plan"), ("gen_ai.agent.name", "a")]),
            Self.span(3, parent: 2, start: 11, [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "m")]),
            Self.span(4, parent: 1, start: 20, [("gen_ai.operation.name", "delete_memory_store"), ("gen_ai.memory.store.id", "scratch")]),
            Self.span(5, parent: 1, start: 30, [("mcp.method.name", "tools/list"), ("mcp.session.id", "s")]),
        ])
            // An MCP tools/call span without gen_ai.tool.name is named by its span name's target.
            .replacingOccurrences(of: "]}]}]}\n", with: "," + Self.span(6, parent: 1, start: 40, [("mcp.method.name", "tools/call")])
                .replacingOccurrences(of: #""name":"s""#, with: #""name":"tools/call get-weather""#) + "]}]}]}\n")
        let (runs, summary) = Self.read(text: text, file: "p.jsonl")
        #expect(summary.diagnostics.isEmpty && summary.skipped.isEmpty, "\(summary.diagnostics)")
        let steps = try #require(runs.first).steps
        #expect(steps.map { "\($0.kind.rawValue) \($0.operation)" } == ["llm m", "memory_write delete_memory_store", "tool_call get-weather"])
        // The plan span is no step, so the model call under it has no step parent.
        #expect(steps[0].parents.isEmpty)
        #expect(steps[1].resources == [.memory("scratch", access: .write)])
    }

    @Test func baggageMembersAreParsedAsTheW3CSpecSays() {
        let header = " tenant.id = acme ;p=1 , user=a%2Cb,empty=,tenant.id=second"
        #expect(W3CBaggage.value(of: "tenant.id", in: header) == "acme")
        #expect(W3CBaggage.value(of: "user", in: header) == "a,b")
        #expect(W3CBaggage.value(of: "empty", in: header) == "")
        #expect(W3CBaggage.value(of: "missing", in: header) == nil)
        #expect(W3CBaggage.value(of: "tenant", in: "tenant") == nil)
    }

    @Test func anMCPSessionWithoutPropagatedContextIsOneRun() throws {
        let (runs, summary, _) = try Self.read(["mcp-sessions.jsonl"])
        let run = try #require(runs.first)
        #expect(runs.count == 1 && run.runId == "mcp-session:3f9c2a")
        #expect(run.tenant == "initech" && run.agent == "weather-mcp")
        #expect(run.steps.map(\.operation) == ["lookup_weather", "lookup_weather"])
        #expect(run.steps.map(\.runId) == ["mcp-session:3f9c2a", "mcp-session:3f9c2a"])
        #expect(run.steps.map { $0.arguments["city"] } == [.string("Oslo"), .string("Bergen")])
        #expect(run.steps.map(\.result) == [.object(["temperature": .int(4)]), .object(["temperature": .int(7)])])
        // stdio transport: no network egress.
        #expect(run.steps.allSatisfy { $0.resources.isEmpty })
        // No invoke_agent span: the service name is the agent, said once.
        #expect(summary.diagnostics.map(\.code) == [.traceOrphanSpan])
    }

    @Test func badRecordsAreCountedWithTheirLocation() throws {
        let (runs, summary, paths) = try Self.read(["bad-records.jsonl"])
        let path = paths[0]
        #expect(summary.files[path] == .otlpJSONLines)
        #expect(summary.skipped == [.traceMissingField: 3, .traceInvalidValue: 1, .traceUnknownOperation: 1])
        func lines(_ code: DiagnosticCode, _ severity: Severity) -> [Int] {
            summary.diagnostics.filter { $0.code == code && $0.severity == severity }.compactMap { $0.location?.line }
        }
        #expect(lines(.traceMissingField, .error) == [2, 3, 4])
        #expect(lines(.traceInvalidValue, .error) == [7])
        #expect(lines(.traceUnknownOperation, .warning) == [8])
        // Line 5's verdict is no well-known value, line 6's records are not JSON: warnings, the span kept.
        #expect(lines(.traceInvalidValue, .warning) == [5, 6])
        #expect(summary.diagnostics.allSatisfy { $0.location?.file == path })
        #expect(!summary.diagnostics.contains { $0.message.contains("SECRET") })
        let run = try #require(runs.first)
        #expect(runs.count == 1 && run.tenant == "acme" && run.agent == "bad-agent")
        #expect(run.steps.map(\.operation) == ["search_memory", "lookup_order"])
        // Messages that are not JSON recover nothing; the memory records stay what they were.
        #expect(run.steps.last?.arguments.isEmpty == true)
        #expect(run.steps.first?.result == .string("SECRETRECORDS"))
    }

    @Test func theFormatIsDetectedFromTheContentNotTheName() throws {
        let crew = try String(contentsOfFile: try Self.fixture("crew-run.jsonl"), encoding: .utf8)
        let document = try String(contentsOfFile: try Self.fixture("baggage-tenant.json"), encoding: .utf8)
        let lines = Self.read(text: crew, file: "export.txt")
        #expect(lines.summary.files["export.txt"] == .otlpJSONLines)
        #expect(lines.runs.flatMap(\.steps).count == 8)
        let whole = Self.read(text: document, file: "export.jsonl")
        #expect(whole.summary.files["export.jsonl"] == .otlpJSON)
        #expect(whole.runs.first?.tenant == "globex")
    }

    @Test func aConfiguredWorkflowAttributeWinsOverTheConventionsName() throws {
        let crew = try String(contentsOfFile: try Self.fixture("crew-run.jsonl"), encoding: .utf8)
        var options = TraceReaderOptions()
        options.workflowAttribute = "app.workflow"
        // Not set anywhere: the invoke_workflow span's gen_ai.workflow.name still names the workflow.
        #expect(Self.read(text: crew, file: "a.jsonl", options: options).runs.map(\.workflow) == ["trip-planning"])
        // Set on the resource: it wins.
        let named = crew.replacingOccurrences(
            of: #"{"key":"tenant.id","value":{"stringValue":"acme"}}"#,
            with: #"{"key":"tenant.id","value":{"stringValue":"acme"}},{"key":"app.workflow","value":{"stringValue":"trips-v2"}}"#)
        #expect(named != crew)
        #expect(Self.read(text: named, file: "a.jsonl", options: options).runs.map(\.workflow) == ["trips-v2"])
    }

    @Test func fastAndReferenceDecodersAgree() throws {
        for name in Self.goodFiles + ["bad-records.jsonl"] {
            let differences = FastIngest.decoderDifferences(path: try Self.fixture(name), options: TraceReaderOptions())
            #expect(differences.isEmpty, "\(name): \(differences)")
        }
    }

    @Test func readingTwiceOrInAnotherSpanOrderGivesTheSameSteps() throws {
        let first = try Self.read(Self.goodFiles).runs.flatMap(\.steps).map(Self.golden)
        let second = try Self.read(Self.goodFiles).runs.flatMap(\.steps).map(Self.golden)
        #expect(first == second)
        // The lines of the crew run reversed: spans arrive before their parents and the MCP server span
        // before its client; the steps are the same (only their source lines differ).
        let crew = try String(contentsOfFile: try Self.fixture("crew-run.jsonl"), encoding: .utf8)
        let reversed = crew.split(separator: "\n").reversed().joined(separator: "\n") + "\n"
        func shape(_ runs: [Run]) -> [String] {
            runs.flatMap(\.steps).map { step in
                var copy = step
                copy.source = SourceLocation(file: "x", line: 0)
                return Self.golden(copy)
            }
        }
        #expect(shape(Self.read(text: reversed, file: "x.jsonl").runs) == shape(Self.read(text: crew, file: "x.jsonl").runs))
    }

    /// The fixtures end to end: analyze (the guardrail decisions are the recorded legacy decisions the
    /// fidelity check compares against), infer, generate at each strictness, shadow.
    @Test func theFixturesRunThroughThePipeline() throws {
        let (runs, summary, _) = try Self.read(Self.goodFiles)
        #expect(runs.count == 3)
        let acme = TenantSandbox(
            name: "acme", tenantId: "acme", memory: MemoryConfig(namespace: "acme-memory"),
            vectorIndex: VectorIndexConfig(collection: "travel-docs", isolation: .collection),
            tools: ToolsConfig(defaultEffect: .allow),
            network: NetworkConfig(egressDefault: .allow), source: SourceLocation(file: "acme.yaml", line: 1))
        let globex = TenantSandbox(name: "globex", tenantId: "globex", tools: ToolsConfig(defaultEffect: .allow), source: SourceLocation(file: "globex.yaml", line: 1))
        let initech = TenantSandbox(name: "initech", tenantId: "initech", tools: ToolsConfig(defaultEffect: .allow), source: SourceLocation(file: "initech.yaml", line: 1))
        let sandboxes = [acme, globex, initech]

        var analyzer = Analyzer(sandboxes: sandboxes)
        for run in runs { analyzer.consume(run) }
        let report = analyzer.finish(traceSummary: summary, sandboxDiagnostics: [], workspace: nil, tenantFiles: 3)
        #expect(report.traces.steps == 11 && report.traces.recordedDecisions == 3)
        #expect(report.fidelity.recorded == 3)
        // The allow-all sandbox reproduces the two allows, not the guardrail's block of charge_card.
        #expect(report.fidelity.reproduced == 2)
        #expect(report.fidelity.disagreements.map(\.recordedRule) == ["guardrail/payments-require-approval"])

        var inferencer = Inferencer(sandboxes: sandboxes)
        for run in runs { inferencer.consume(run) }
        let graphs = inferencer.finish()
        #expect(graphs.map(\.workflow).sorted() == ["support-bot", "trip-planning", "weather-mcp"])
        let trip = try #require(graphs.first { $0.workflow == "trip-planning" })
        #expect(trip.nodes.contains { $0.operation == "book_flight" } && trip.nodes.contains { $0.operation == "update_memory" })
        for strictness in PolicyStrictness.allCases {
            let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes, options: PolicyGeneratorOptions(strictness: strictness)).generate() }
            var evaluator = ShadowEvaluator(sandboxes: sandboxes, policies: CompiledPolicySet(sets))
            let outcomes = runs.flatMap { run in zip(run.steps, evaluator.evaluate(run)) }
            #expect(outcomes.count == 11)
            if strictness == .permissive {
                // Every step the policies were generated from is allowed where legacy allowed it.
                let tightened = outcomes.filter { $0.1.legacy.effect == .allow && $0.1.node.effect != .allow }
                #expect(tightened.isEmpty, "\(tightened.map { "\($0.0.operation): \($0.1.node.rule)" })")
            }
        }
    }
}
