import Foundation
import Testing
@testable import NodewardCore

/// `--trace-format` / workspace `traceFormat` (issue 14): a forced format reads a file detection would
/// misread, and a forced format the file is not in gives counted skips and one `trace.format` warning
/// naming the format detection sees, never a crash or a silent empty read.
@Suite struct TraceFormatOverrideTests {
    static func read(_ text: String, file: String = "traces.jsonl", format: TraceFormatChoice) -> (runs: [Run], summary: TraceReadSummary) {
        var options = TraceReaderOptions()
        options.format = format
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: Array(text.utf8), file: file) { runs.append($0) }
        return (runs, summary)
    }

    /// Nodeward JSONL whose first record, a run header, also keeps the conversation as `messages`: by its
    /// first line detection takes the file for chat transcripts.
    static let jsonlWithConversation = [
        #"{"v":1,"type":"run","tenant":"acme","agent":"helper","workflow":"triage","run":"r-1","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"v":1,"tenant":"acme","agent":"helper","workflow":"triage","run":"r-1","step":"s1","time":"2026-11-02T09:14:03.120Z","kind":"tool_call","operation":"email.read"}"#,
        #"{"v":1,"tenant":"acme","agent":"helper","workflow":"triage","run":"r-1","step":"s2","parents":["s1"],"time":"2026-11-02T09:14:04.120Z","kind":"tool_call","operation":"email.send"}"#,
    ].joined(separator: "\n") + "\n"

    @Test func aForcedFormatReadsAFileThatDetectionMisreads() throws {
        let detected = Self.read(Self.jsonlWithConversation, format: .auto)
        #expect(detected.summary.files["traces.jsonl"] == .chatTranscripts)
        #expect(!detected.runs.contains { $0.steps.map(\.operation) == ["email.read", "email.send"] })

        let forced = Self.read(Self.jsonlWithConversation, format: .nodewardJSONL)
        #expect(forced.summary.files["traces.jsonl"] == .nodewardJSONL)
        #expect(forced.summary.skippedTotal == 0, "\(forced.summary.diagnostics)")
        let run = try #require(forced.runs.first)
        #expect(forced.runs.count == 1 && run.runId == "r-1" && run.tenant == "acme" && run.workflow == "triage")
        #expect(run.steps.map(\.operation) == ["email.read", "email.send"])
        #expect(!forced.summary.diagnostics.contains { $0.code == .traceFormat })
    }

    @Test func aWrongForcedFormatSkipsEachRecordCountedAndSaysWhatTheFileIs() throws {
        let text = try String(contentsOf: URL(fileURLWithPath: TraceFixtures.path("claude-code/session.jsonl")), encoding: .utf8)
        let lines = text.split(separator: "\n").count
        let outcome = Self.read(text, file: "claude.jsonl", format: .otlp)
        #expect(outcome.runs.isEmpty)
        #expect(outcome.summary.skippedTotal == lines, "\(outcome.summary.skipped)")
        #expect(outcome.summary.skipped[.traceMissingField] == lines)
        let warning = try #require(outcome.summary.diagnostics.first { $0.code == .traceFormat })
        #expect(warning.location?.file == "claude.jsonl" && warning.location?.line == 1)
        #expect(warning.message.contains("--trace-format otlp") && warning.message.contains("claude-code-logs"))
        #expect(warning.message.contains("pass --trace-format auto"))
    }

    @Test func aWrongForcedFormatOnADocumentIsOneCountedSkip() throws {
        let text = try String(contentsOf: URL(fileURLWithPath: TraceFixtures.path("claude-code/session.json")), encoding: .utf8)
        for format in [TraceFormatChoice.chatTranscripts, .nodewardJSONL, .otlp, .agentsSDK] {
            let outcome = Self.read(text, file: "claude.json", format: format)
            #expect(outcome.runs.isEmpty)
            #expect(outcome.summary.skippedTotal == 1 && outcome.summary.skipped[.traceFormat] == 1, "\(format): \(outcome.summary.skipped)")
            let skip = try #require(outcome.summary.diagnostics.first)
            #expect(skip.message.contains("reads it as claude-code-logs"), "\(skip.message)")
        }
        let right = Self.read(text, file: "claude.json", format: .claudeCodeLogs)
        #expect(right.summary.files["claude.json"] == .claudeCodeLogs && right.runs.count == 1 && right.summary.skippedTotal == 0)
    }

    @Test func everyForcedFormatReadsItsOwnFixtureAsDetectionDoes() throws {
        let cases: [(TraceFormatChoice, String)] = [
            (.otlp, "otel-genai/crew-run.jsonl"), (.otlp, "openinference/agent-run.json"), (.claudeCodeLogs, "claude-code/session.jsonl"),
            (.agentsSDK, "openai-agents/multi-agent.jsonl"), (.nodewardJSONL, "good/formats-example.jsonl"),
        ]
        for (format, fixture) in cases {
            let text = try String(contentsOf: URL(fileURLWithPath: TraceFixtures.path(fixture)), encoding: .utf8)
            let detected = Self.read(text, file: fixture, format: .auto), forced = Self.read(text, file: fixture, format: format)
            #expect(forced.summary == detected.summary, "\(fixture)")
            #expect(forced.runs.map(\.steps) == detected.runs.map(\.steps), "\(fixture)")
        }
    }

    @Test func theWorkspaceKeySetsTheFormatAndAnUnknownOneIsAnError() throws {
        let workspace = try Workspace.parse(text: "version: 1\ntraces: [traces/]\ntraceFormat: claude-code-logs\n", file: "nodeward.yaml", folder: "/tmp/w")
        #expect(workspace.traceFormat == .claudeCodeLogs && workspace.traceReaderOptions().format == .claudeCodeLogs)
        #expect(try Workspace.parse(text: "version: 1\n", file: "nodeward.yaml", folder: "/tmp/w").traceFormat == .auto)
        do {
            _ = try Workspace.parse(text: "version: 1\ntraceFormat: otel\n", file: "nodeward.yaml", folder: "/tmp/w")
            Issue.record("an unknown trace format was accepted")
        } catch {
            #expect(error.code == .workspaceInvalid && error.location?.line == 2 && error.keyPath == "traceFormat")
            #expect(error.message.contains(TraceFormatChoice.names) && !error.message.contains("otel\n"))
        }
    }
}
