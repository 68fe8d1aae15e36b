import Foundation
import Testing
@testable import NodewardCore

/// Claude Code OpenTelemetry logs (issue 14): the fixture session's golden steps in line and document form,
/// the pairing rules, counted skips, and the fixture through infer → generate → shadow.
@Suite struct ClaudeCodeLogTests {
    static let session = "5d0f6c1e-4a0b-4c53-9a57-2f4b0c1d9e21"
    static let t0: Int64 = 1_793_527_200_000_000_000

    static func read(_ text: String, file: String = "claude.jsonl", mapping: ClaudeCodeLogMapping = ClaudeCodeLogMapping()) -> TraceFixtures.Outcome {
        var options = TraceReaderOptions()
        options.claudeCodeMapping = mapping
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return TraceFixtures.Outcome(runs: runs.sorted { $0.runId < $1.runId }, summary: summary)
    }

    /// One log record in the documented shape: body = event name, string attributes.
    static func record(_ event: String, at seconds: Double, session: String? = "s-1", org: String? = "org-1",
                       _ attributes: [String: String] = [:], time: JSONValue? = nil) -> JSONValue {
        var all = attributes
        all["event.name"] = event
        if let session { all["session.id"] = session }
        if let org { all["organization.id"] = org }
        let list: [JSONValue] = all.keys.sorted().map { key in
            .object(["key": .string(key), "value": .object(["stringValue": .string(all[key] ?? "")])])
        }
        return .object([
            "timeUnixNano": time ?? .string(String(t0 + Int64(seconds * 1e9))),
            "body": .object(["stringValue": .string("claude_code." + event)]),
            "attributes": .array(list),
        ])
    }

    static func export(_ records: [JSONValue], resource: [String: String] = [:]) -> String {
        let attributes: [JSONValue] = resource.keys.sorted().map { key in
            .object(["key": .string(key), "value": .object(["stringValue": .string(resource[key] ?? "")])])
        }
        return JSONValue.object(["resourceLogs": .array([.object([
            "resource": .object(["attributes": .array(attributes)]),
            "scopeLogs": .array([.object(["scope": .object(["name": .string("com.anthropic.claude_code.events")]),
                                          "logRecords": .array(records)])]),
        ])])]).canonicalText + "\n"
    }

    /// The golden steps of the fixture session: kind, operation, arguments, recorded decision, executed.
    static let golden = [
        "api-1 llm claude-sonnet-4-5-20250929 {} - executed",
        #"toolu_01A tool_call Bash {"bash_command":"npm","description":"Run the test suite","full_command":"npm test"} allow claude-code/user_temporary executed"#,
        "toolu_02B tool_call Edit {} deny claude-code/user_reject blocked",
        #"toolu_03C tool_call mcp__github__get_file_contents {"mcp_server_name":"github","mcp_tool_name":"get_file_contents"} allow claude-code/config executed"#,
    ]

    static func shape(_ step: Step) -> String {
        let decision = step.recordedDecision.map { "\($0.effect.rawValue) \($0.rule ?? "-")" } ?? "-"
        return "\(step.stepId) \(step.kind.rawValue) \(step.operation) \(JSONValue.object(step.arguments).canonicalText) \(decision) \(step.executed ? "executed" : "blocked")"
    }

    @Test(arguments: ["claude-code/session.jsonl", "claude-code/session.json"])
    func fixtureSessionMapsToGoldenSteps(_ fixture: String) throws {
        let outcome = TraceFixtures.read(fixture)
        #expect(outcome.summary.skippedTotal == 0, "\(outcome.summary.diagnostics.prefix(3))")
        #expect(outcome.summary.files[TraceFixtures.path(fixture)] == .claudeCodeLogs)
        let run = try #require(outcome.runs.first)
        #expect(outcome.runs.count == 1)
        #expect(run.tenant == "org-acme" && run.runId == Self.session && run.agent == "claude-code" && run.workflow == "claude-code")
        #expect(run.userRequest == "Run the tests, then read the README from GitHub")
        #expect(run.steps.map(Self.shape) == Self.golden)
        let llm = run.steps[0], bash = run.steps[1], edit = run.steps[2], mcp = run.steps[3]
        #expect(llm.tokens == TokenUsage(input: 1200, output: 85))
        #expect(llm.startNanos == Self.t0 + 200_000_000 && llm.endNanos == Self.t0 + 2_500_000_000)
        // The decision's time starts the call, the result's time ends it; results are only sizes.
        #expect(bash.startNanos == Self.t0 + 3_000_000_000 && bash.endNanos == Self.t0 + 5_000_000_000)
        #expect(run.steps.allSatisfy { $0.result == nil })
        #expect(bash.parents == ["api-1"] && edit.parents == ["toolu_01A"] && mcp.parents == ["toolu_02B"])
        #expect(!bash.failed && !mcp.failed)
    }

    @Test func lineAndDocumentFormsReadTheSameSteps() throws {
        let lines = TraceFixtures.read("claude-code/session.jsonl"), document = TraceFixtures.read("claude-code/session.json")
        #expect(lines.runs.flatMap(\.steps).map(Self.shape) == document.runs.flatMap(\.steps).map(Self.shape))
        #expect(lines.runs.flatMap(\.steps).map(\.startNanos) == document.runs.flatMap(\.steps).map(\.startNanos))
    }

    @Test func withoutToolUseIdsResultsPairWithDecisionsInOrderPerTool() throws {
        let text = Self.export([
            Self.record("tool_decision", at: 1, ["tool_name": "Bash", "decision": "accept", "source": "config"]),
            Self.record("tool_decision", at: 2, ["tool_name": "Bash", "decision": "accept", "source": "user_permanent"]),
            Self.record("tool_result", at: 3, ["tool_name": "Bash", "success": "true", "tool_parameters": #"{"full_command":"ls"}"#]),
            Self.record("tool_result", at: 4, ["tool_name": "Bash", "success": "false", "tool_parameters": #"{"full_command":"rm x"}"#]),
        ])
        let run = try #require(Self.read(text).runs.first)
        #expect(run.steps.map(Self.shape) == [
            #"tool-1 tool_call Bash {"full_command":"ls"} allow claude-code/config executed"#,
            #"tool-2 tool_call Bash {"full_command":"rm x"} allow claude-code/user_permanent executed"#,
        ])
        #expect(run.steps.map(\.failed) == [false, true])
        #expect(run.steps.map(\.endNanos) == [Self.t0 + 3_000_000_000, Self.t0 + 4_000_000_000])
    }

    @Test func aResultWithoutItsDecisionCarriesItsOwnAndAnUnansweredAcceptIsKept() throws {
        let text = Self.export([
            Self.record("tool_result", at: 5, ["tool_name": "Write", "tool_use_id": "t1", "success": "true", "duration_ms": "500",
                                               "decision_type": "accept", "decision_source": "hook"]),
            Self.record("tool_decision", at: 6, ["tool_name": "Read", "tool_use_id": "t2", "decision": "accept", "source": "config"]),
        ])
        let run = try #require(Self.read(text).runs.first)
        #expect(run.steps.map(Self.shape) == [
            "t1 tool_call Write {} allow claude-code/hook executed",
            "t2 tool_call Read {} allow claude-code/config executed",
        ])
        #expect(run.steps.first?.startNanos == Self.t0 + 4_500_000_000)
    }

    @Test func tenantAndWorkflowComeFromWorkspaceAttributes() throws {
        let text = Self.export([Self.record("api_request", at: 1, org: nil, ["model": "claude-opus-4-1", "user.email": "a@b.example"])],
                               resource: ["team": "payments"])
        let byResource = try #require(Self.read(text, mapping: ClaudeCodeLogMapping(tenant: "team", workflow: "=coding")).runs.first)
        #expect(byResource.tenant == "payments" && byResource.workflow == "coding")
        let literal = try #require(Self.read(text, mapping: ClaudeCodeLogMapping(tenant: "=acme")).runs.first)
        #expect(literal.tenant == "acme" && literal.workflow == "claude-code")
        let none = Self.read(text)
        #expect(none.runs.isEmpty)
        #expect(none.summary.skipped[.traceNoTenant] == 1)
        #expect(none.diagnostics(.traceNoTenant).first?.message.contains("claudeTenant") == true)
    }

    @Test func workspaceAttributesSetTheMapping() throws {
        let text = "version: 1\ntenants: [tenants/]\ntraces: [traces/]\nattributes: {claudeTenant: \"=acme\", claudeWorkflow: team}\n"
        let workspace = try Workspace.parse(text: text, file: "nodeward.yaml", folder: "/tmp/ws")
        #expect(workspace.warnings.isEmpty, "\(workspace.warnings)")
        #expect(workspace.traceReaderOptions().claudeCodeMapping == ClaudeCodeLogMapping(tenant: "=acme", workflow: "team"))
    }

    @Test func badRecordsAreCountedSkipsWithTheirLineAndTheOthersAreRead() throws {
        let good = Self.record("api_request", at: 1, ["model": "claude-sonnet-4-5"])
        let other: JSONValue = .object(["timeUnixNano": .string("1"), "body": .object(["stringValue": .string("GET /health 200")])])
        let text = Self.export([good]) + Self.export([other])
            + Self.export([Self.record("tool_decision", at: 2, session: nil, ["tool_name": "Bash", "decision": "accept"])])
            + Self.export([Self.record("api_request", at: 3, ["model": "m"], time: .string("yesterday"))])
            + Self.export([Self.record("api_request", at: 3, ["model": "m"], time: .string("0"))])
        let outcome = Self.read(text)
        #expect(outcome.summary.files["claude.jsonl"] == .claudeCodeLogs)
        #expect(outcome.runs.flatMap(\.steps).map(\.stepId) == ["api-1"])
        #expect(outcome.lines(.traceUnknownOperation) == [2])
        #expect(outcome.lines(.traceMissingField) == [3, 5])
        #expect(outcome.lines(.traceInvalidValue) == [4])
        #expect(outcome.summary.skippedTotal == 4)
        // Messages never quote the input.
        #expect(!outcome.summary.diagnostics.contains { $0.message.contains("yesterday") || $0.message.contains("health") })
    }

    @Test func detectionIsByResourceLogsInLineAndDocumentForm() throws {
        let line = Self.export([Self.record("api_request", at: 1, ["model": "m"])])
        #expect(Self.read(line, file: "a.jsonl").summary.files["a.jsonl"] == .claudeCodeLogs)
        // Pretty-printed: no line is JSON on its own, so the file is read as one document.
        let pretty = line.replacingOccurrences(of: ",", with: ",\n  ")
        let document = Self.read(pretty, file: "b.json")
        #expect(document.summary.files["b.json"] == .claudeCodeLogs)
        #expect(document.runs.first?.steps.map(\.operation) == ["m"])
    }

    /// The fixture end to end: infer, generate, shadow, analyze. Shadow mode's legacy side is the modelled
    /// tenant sandbox (`LegacyFleet`); the recorded Claude Code decisions reach the steps and are what the
    /// analyzer's fidelity compares that model against.
    @Test func fixtureRunsThroughThePipeline() throws {
        let outcome = TraceFixtures.read("claude-code/session.jsonl")
        let runs = outcome.runs
        let sandbox = TenantSandbox(name: "acme", tenantId: "org-acme", tools: ToolsConfig(defaultEffect: .allow),
                                    source: SourceLocation(file: "acme.yaml", line: 1))
        var inferencer = Inferencer(sandboxes: [sandbox])
        for run in runs { inferencer.consume(run) }
        let graph = try #require(inferencer.finish().first)
        #expect(graph.workflow == "claude-code")
        let set = PolicyGenerator(graph: graph, sandboxes: [sandbox], options: PolicyGeneratorOptions(strictness: .permissive)).generate()
        var evaluator = ShadowEvaluator(sandboxes: [sandbox], policies: CompiledPolicySet([set]))
        let steps = runs.flatMap(\.steps)
        let outcomes = runs.flatMap { evaluator.evaluate($0) }
        #expect(outcomes.count == steps.count)
        #expect(outcomes.allSatisfy { $0.legacy.regime == .legacy })
        // The recorded decisions, as the log wrote them.
        #expect(steps.map { $0.recordedDecision?.effect } == [nil, .allow, .deny, .allow])
        var analyzer = Analyzer(sandboxes: [sandbox])
        for run in runs { analyzer.consume(run) }
        let report = analyzer.finish(traceSummary: outcome.summary, sandboxDiagnostics: [], workspace: nil, tenantFiles: 1)
        #expect(report.fidelity.recorded == 3)
        // The allow-all sandbox reproduces the two accepts, not the user's rejection of the Edit.
        #expect(report.fidelity.reproduced == 2)
        let disagreement = try #require(report.fidelity.disagreements.first)
        #expect(disagreement.step == "toolu_02B" && disagreement.recordedEffect == "deny" && disagreement.recordedRule == "claude-code/user_reject")
    }

    /// Many sessions interleaved line by line, as a busy collector writes them: every event is applied to
    /// its session in place, found by key, and the session table is never copied. (The adapter was
    /// quadratic in the sessions of a file when its holder copied the mapper per line; this counts that
    /// work instead of timing it.)
    @Test func interleavedSessionsAreMappedInPlaceWithoutCopyingTheTable() throws {
        let sessions = 300
        var text = ""
        for round in 0..<3 {
            for index in 0..<sessions {
                let at = Double(round * 10)
                let common = ["tool_name": "Bash", "tool_use_id": "toolu-\(index)-\(round)"]
                text += Self.export([Self.record("tool_decision", at: at, session: "s-\(index)", common.merging(["decision": "accept", "source": "config"]) { $1 })])
                text += Self.export([Self.record("tool_result", at: at + 1, session: "s-\(index)", common.merging(["success": "true"]) { $1 })])
            }
        }
        let session = TraceReadSession(options: TraceReaderOptions())
        let input = session.open(file: "claude.jsonl", bytes: Array(text.utf8))
        var runs: [Run] = []
        while session.advance(input) {
            while let run = session.nextReadyRun() { runs.append(run) }
        }
        session.finish()
        while let run = session.nextReadyRun() { runs.append(run) }
        #expect(session.collector.summary.skippedTotal == 0)
        #expect(runs.count == sessions && runs.allSatisfy { $0.steps.count == 3 })
        #expect(session.claudeLogs.sessions.count == sessions && session.claudeLogs.sessionIndex.count == sessions)
        #expect(session.claudeLogs.tableCopies == 0)
        #expect(session.claudeLogs.sessions.allSatisfy { $0.copies == 0 })
        // The same steps as the public reader, which drives the same session.
        #expect(runs.sorted { $0.runId < $1.runId }.map { $0.steps.map(Self.shape) } == Self.read(text).runs.map { $0.steps.map(Self.shape) })
    }

    /// The copy counter the test above relies on does count: mapping into a copy of a mapper whose table
    /// is still shared is one table copy.
    @Test func mappingIntoASharedCopyOfTheMapperIsCountedAsATableCopy() throws {
        var mapper = ClaudeCodeLogMapper(mapping: ClaudeCodeLogMapping(), parser: ByteJSONParser())
        let line = Self.export([Self.record("tool_decision", at: 0, ["tool_name": "Bash", "decision": "reject"])])
        let parsed = try ByteJSONParser().parse(Array(line.utf8)[...])
        guard case .object(let members) = parsed else { Issue.record("not an object"); return }
        _ = mapper.map(export: members, source: SourceLocation(file: "claude.jsonl", line: 1))
        #expect(mapper.tableCopies == 0)
        let held = mapper
        _ = mapper.map(export: members, source: SourceLocation(file: "claude.jsonl", line: 2))
        #expect(mapper.tableCopies == 1 && held.tableCopies == 0)
        #expect(held.sessions.count == 1 && mapper.sessions.count == 1)
    }
}
