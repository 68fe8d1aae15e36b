import Foundation
import Testing

/// Every error reaches the user as our diagnostic: lowercase `error:`, a code, an action; no Foundation
/// or GRDB text; a mistyped command gets a suggestion.
@Suite struct CLIErrorMappingTests {
    static let internals = ["NSCocoaErrorDomain", "Error Domain", "Database.execute", "GRDB", "Error: ", "Swift."]

    static func expectNoInternals(_ result: CLIResult, _ what: String) {
        for text in internals {
            #expect(!result.stderr.contains(text), "\(what) shows \(text): \(result.stderr)")
        }
    }

    @Test func aMistypedCommandSuggestsTheClosestOneAndExits64() async throws {
        let result = try await CLI.run(["plna", "Samples/fleet"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: unknown command 'plna'; did you mean 'plan'?"), "\(result.stderr)")
        #expect(result.stderr.contains("[usage.unknown-command]"))
        let nested = try await CLI.run(["policy", "chekc"])
        #expect(nested.status == 64)
        #expect(nested.stderr.contains("unknown command 'chekc'; did you mean 'check'?"), "\(nested.stderr)")
        let far = try await CLI.run(["frobnicate"])
        #expect(far.status == 64)
        #expect(far.stderr.contains("unknown command 'frobnicate'; the commands of nodeward are plan, report"), "\(far.stderr)")
        Self.expectNoInternals(result, "plna")
    }

    @Test func usageErrorsUseTheLowercaseCompilerStylePrefix() async throws {
        let result = try await CLI.run(["plan", "Samples/fleet", "--fail-on", "sideways"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("error: unknown --fail-on condition sideways"), "\(result.stderr)")
        #expect(result.stderr.contains("[usage]"))
        Self.expectNoInternals(result, "--fail-on")
        let missing = try await CLI.run(["policy", "explain"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("error: "), "\(missing.stderr)")
    }

    @Test func anUnwritableOutputIsOutputUnwritableWithThePathAndAnAction() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let result = try await CLI.run(["plan", "Samples/fleet", "--no-store", "--out", file.appendingPathComponent("reports").path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("error: "), "\(result.stderr)")
        #expect(result.stderr.contains("cannot write: "), "\(result.stderr)")
        #expect(result.stderr.contains("[output.unwritable]"), "\(result.stderr)")
        #expect(result.stderr.contains(file.path))
        Self.expectNoInternals(result, "unwritable --out")

        let generate = try await CLI.run(["generate", "--out", file.appendingPathComponent("fleet").path, "--runs", "10"])
        #expect(generate.status == 74, "\(generate.stderr)")
        #expect(generate.stderr.contains("[output.unwritable]"), "\(generate.stderr)")
        Self.expectNoInternals(generate, "generate into a file")
    }

    @Test func storeErrorsAreStoreDiagnosticsWithoutGRDBAdvice() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = root.appendingPathComponent("s.sqlite").path
        let replay = try await CLI.run(["shadow", "replay", "Samples/fleet", "--store", store, "--format", "json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let multiple = try await CLI.run(["store", "query", "SELECT 1; SELECT 2", "--store", store])
        #expect(multiple.status == 2, "\(multiple.stderr)")
        #expect(multiple.stderr.contains("more than one statement; give one statement at a time"), "\(multiple.stderr)")
        #expect(multiple.stderr.contains("[store."), "\(multiple.stderr)")
        Self.expectNoInternals(multiple, "two statements")
        try Data("not a database, just text that is long enough to be a header".utf8).write(to: URL(fileURLWithPath: root.appendingPathComponent("bad.sqlite").path))
        let bad = try await CLI.run(["store", "stats", "--store", root.appendingPathComponent("bad.sqlite").path])
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.contains("[store."), "\(bad.stderr)")
        Self.expectNoInternals(bad, "not a store")
    }

    @Test func versionComesFromOneConstant() async throws {
        let result = try await CLI.run(["--version"])
        #expect(result.status == 0)
        let source = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Sources/nodeward/Support/Version.swift"), encoding: .utf8)
        let version = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty && source.contains("\"\(version)\""), "\(result.stdout)")
    }

    @Test func reportCheckSaysWhyItFails() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let plan = try await CLI.run(["plan", "Samples/fleet", "--no-store", "--out", out.path, "--fail-on", "widened", "--format", "json"])
        #expect(plan.status == 1)
        let json = out.appendingPathComponent("plan.json").path
        let gate = try await CLI.run(["report", "--from", json, "--check"])
        #expect(gate.status == 1)
        #expect(gate.stderr.contains("the plan's gate (--fail-on widened) failed on widened"), "\(gate.stderr)")
        #expect(gate.stderr.contains("nodeward plan"))

        let markdown = out.appendingPathComponent("plan.md").path
        let fresh = try await CLI.run(["report", "--from", json, "--format", "markdown", "--out", markdown, "--check"])
        #expect(fresh.status == 1, "the gate still failed")
        let passing = try await CLI.run(["plan", "Samples/fleet", "--no-store", "--out", out.path, "--format", "json"])
        #expect(passing.status == 0)
        let upToDate = try await CLI.run(["report", "--from", json, "--format", "markdown", "--out", markdown, "--check"])
        #expect(upToDate.status == 0, "\(upToDate.stderr)")
        try Data("# edited by hand\n".utf8).write(to: URL(fileURLWithPath: markdown))
        let stale = try await CLI.run(["report", "--from", json, "--format", "markdown", "--out", markdown, "--check"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("\(markdown): out of date with \(json); regenerate it with `nodeward report --from \(json) --format markdown --out \(markdown)`"),
                "\(stale.stderr)")
        #expect(try String(contentsOfFile: markdown, encoding: .utf8) == "# edited by hand\n", "--check writes nothing")
    }

    @Test func policyCheckAndExplainFindTheWorkspacePoliciesWithoutAnOutputsKey() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")
        for item in ["tenants", "traces", "graphs"] {
            try FileManager.default.copyItem(at: fleet.appendingPathComponent(item), to: root.appendingPathComponent(item))
        }
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\n".utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        let generate = try await CLI.run(["policy", "generate", root.path])
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("policies/inbox-triage.yaml").path))
        let check = try await CLI.run(["policy", "check", root.path, "--format", "json"])
        #expect(check.status == 0 || check.status == 1, "\(check.stderr)")
        #expect(!check.stderr.contains("give --policies DIR"), "\(check.stderr)")
        let explain = try await CLI.run(["policy", "explain", "tool_call.email.send", root.path])
        #expect(explain.status == 0, "\(explain.stderr)")
    }

    @Test func benchOnADebugBuildWarnsOnStderr() async throws {
        let result = try await CLI.run(["bench", "Samples/fleet", "--workloads", "ingest", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #if DEBUG
        #expect(result.stderr.contains("warning: this nodeward is a debug build"), "\(result.stderr)")
        #else
        #expect(!result.stderr.contains("debug build"))
        #endif
    }
}
