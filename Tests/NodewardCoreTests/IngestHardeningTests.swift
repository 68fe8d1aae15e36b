import Foundation
import Testing
@testable import NodewardCore

/// Issue 13: inputs as they arrive in practice (cut first lines, shared trace ids, slug-alike workflow
/// names, devices and FIFOs, byte order marks, compressed files, confusable tenant ids).
@Suite struct IngestHardeningTests {
    // MARK: Helpers

    static func jsonl(tenant: String = "acme", run: String = "r1", step: String, time: Int = 1) -> String {
        #"{"tenant":"\#(tenant)","agent":"bot","run":"\#(run)","step":"\#(step)","time":\#(time),"kind":"output","operation":"reply"}"#
    }

    /// One OTLP export line: an `invoke_agent` root and `tools` tool spans of one trace, for one tenant.
    static func otlpLine(trace: String, tenant: String?, spans: [String], root: String = "aaaaaaaaaaaaaaa0") -> String {
        let tenantAttribute = tenant.map { #",{"key":"tenant.id","value":{"stringValue":"\#($0)"}}"# } ?? ""
        var items = [#"{"traceId":"\#(trace)","spanId":"\#(root)","name":"n","startTimeUnixNano":"1","endTimeUnixNano":"9","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},{"key":"gen_ai.agent.name","value":{"stringValue":"bot"}}]}"#]
        for (index, span) in spans.enumerated() {
            items.append(#"{"traceId":"\#(trace)","spanId":"\#(span)","parentSpanId":"\#(root)","name":"n","startTimeUnixNano":"\#(index + 2)","endTimeUnixNano":"9","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"search"}}]}"#)
        }
        return #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}\#(tenantAttribute)]},"scopeSpans":[{"scope":{"name":"t"},"spans":[\#(items.joined(separator: ","))]}]}]}"#
    }

    static let traceA = "0123456789abcdef0123456789abcdef"
    static let traceB = "1123456789abcdef0123456789abcdef"
    static let traceC = "2123456789abcdef0123456789abcdef"

    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func fifo(in folder: String, named name: String) throws -> String {
        let path = folder + "/" + name
        try #require(mkfifo(path, 0o600) == 0)
        return path
    }

    static let sandboxYAML = """
        apiVersion: agents.example.com/v1
        kind: TenantAgentSandbox
        metadata: {name: acme}
        spec:
          tenant: {id: acme}
          memory: {namespace: acme-memory}

        """

    // MARK: 7. Format detection from more than one line

    @Test func jsonlFileCutInItsFirstLineKeepsEveryWholeLine() {
        let whole = (1...5).map { Self.jsonl(step: "s\($0)", time: $0) }
        let cut = String(whole[0].dropFirst(40))
        let outcome = TraceFixtures.read(text: ([cut] + whole[1...]).joined(separator: "\n") + "\n")
        #expect(outcome.summary.files["mem.jsonl"] == .nodewardJSONL)
        #expect(outcome.stepIds == ["s2", "s3", "s4", "s5"])
        #expect(outcome.summary.skipped == [.traceJSON: 1])
        #expect(outcome.lines(.traceJSON) == [1])
    }

    @Test func otlpLinesWhoseFirstTwoLinesAreBadAreReadLineByLine() {
        let lines = [
            String(Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"]).prefix(60)),
            "{not json at all",
            Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"]),
            Self.otlpLine(trace: Self.traceB, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"]),
            Self.otlpLine(trace: Self.traceC, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"]),
        ]
        var options = TraceReaderOptions()
        options.readChunkBytes = 97
        let outcome = TraceFixtures.read(text: lines.joined(separator: "\n") + "\n", file: "x.otlp.jsonl", options: options)
        #expect(outcome.summary.files["x.otlp.jsonl"] == .otlpJSONLines)
        #expect(outcome.runs.map(\.runId) == [Self.traceA, Self.traceB, Self.traceC])
        #expect(outcome.summary.skipped == [.traceJSON: 2])
        #expect(outcome.lines(.traceJSON) == [1, 2])
    }

    @Test func fileWithNoRecordAmongItsFirstLinesIsStillRejectedWhole() {
        let outcome = TraceFixtures.read(text: "hello\n[1,2]\n\"x\"\n")
        #expect(outcome.summary.skipped == [.traceFormat: 1])
        #expect(outcome.runs.isEmpty)
    }

    // MARK: 8. A run is (tenant, run id)

    @Test func sameTraceIdInTwoTenantsFilesIsTwoRuns() {
        let spans = ["aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2"]
        var runs: [Run] = []
        let summary = TraceReader().read(data: [
            (file: "acme.otlp.jsonl", bytes: Array((Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: spans) + "\n").utf8)),
            (file: "globex.otlp.jsonl", bytes: Array((Self.otlpLine(trace: Self.traceA, tenant: "globex", spans: spans) + "\n").utf8)),
        ]) { runs.append($0) }
        #expect(summary.skipped.isEmpty)
        #expect(runs.map(\.key) == [RunKey(tenant: "acme", run: Self.traceA), RunKey(tenant: "globex", run: Self.traceA)])
        #expect(runs.map { $0.steps.map(\.stepId) } == [spans, spans])
        #expect(runs.allSatisfy { run in run.agent == "bot" && run.steps.allSatisfy { $0.tenant == run.tenant } })
        #expect(summary.diagnostics.map(\.code) == [.traceMixedTenants])
    }

    @Test func spansNamingNoTenantBeforeTheTenantAreTheTenantsRun() {
        let early = Self.otlpLine(trace: Self.traceA, tenant: nil, spans: ["aaaaaaaaaaaaaaa1"])
        let late = Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: ["aaaaaaaaaaaaaaa2"], root: "aaaaaaaaaaaaaaa9")
        let outcome = TraceFixtures.read(text: early + "\n" + late + "\n", file: "x.otlp.jsonl")
        #expect(outcome.runs.map(\.key) == [RunKey(tenant: "acme", run: Self.traceA)])
        #expect(outcome.stepIds == ["aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2"])
        #expect(outcome.summary.skipped.isEmpty)
    }

    // MARK: 9. File stems are injective

    @Test func workflowsThatSlugAlikeGetDistinctFileStems() {
        let names = ["billing/eu", "billing-eu", "billing eu", "Billing-EU", "billing--eu", ".hidden", "", "facturación"]
        let stems = names.map(TaskGraph.fileStem(for:))
        #expect(Set(stems).count == names.count)
        #expect(Set(stems.map { $0.lowercased() }).count == names.count)
        #expect(TaskGraph.fileStem(for: "billing-eu") == "billing-eu")
        #expect(TaskGraph.fileStem(for: "billing/eu").hasPrefix("billing-eu--"))
        #expect(stems.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("/") })
        #expect(TaskGraph.fileStemCollisions(names).isEmpty)
    }

    @Test func policiesOfSlugAlikeWorkflowsAreTwoFilesReadBackToTheirWorkflows() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let evidence = TaskGraph.Evidence(runs: 1, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: [])
        let sets = ["billing/eu", "billing-eu"].map { PolicySet(workflow: $0, agent: "bot", evidence: evidence, nodes: []) }
        for set in sets {
            try set.yaml().write(toFile: folder + "/" + set.fileStem + ".yaml", atomically: true, encoding: .utf8)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 2)
        let (read, diagnostics) = PolicyFolder.load(directory: folder)
        #expect(diagnostics.isEmpty)
        #expect(read.map(\.workflow) == ["billing-eu", "billing/eu"])
    }

    // MARK: 11. Only regular files are read

    @Test(.timeLimit(.minutes(1))) func devZeroAsATraceInputIsRefusedAtOnce() {
        var runs = 0
        let summary = TraceReader().read(paths: ["/dev/zero"]) { _ in runs += 1 }
        #expect(runs == 0)
        #expect(summary.skipped == [.inputNotRegularFile: 1])
        #expect(summary.diagnostics.first?.location?.file == "/dev/zero")
    }

    @Test(.timeLimit(.minutes(1))) func fifoInATraceFolderIsRefusedWithoutBlocking() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try Self.fifo(in: folder, named: "pipe.jsonl")
        try (Self.jsonl(step: "s1") + "\n").write(toFile: folder + "/good.jsonl", atomically: true, encoding: .utf8)
        var steps = 0
        let summary = TraceReader().read(paths: [folder]) { steps += $0.steps.count }
        #expect(steps == 1)
        #expect(summary.skipped == [.inputNotRegularFile: 1])
    }

    @Test(.timeLimit(.minutes(1))) func devicesAndFIFOsAsSandboxInputsAreErrors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = try Self.fifo(in: folder, named: "acme.yaml")
        let result = SandboxReader().read(paths: ["/dev/zero", fifo])
        #expect(result.errors.map(\.code) == [.inputNotRegularFile, .inputNotRegularFile])
        #expect(result.sandboxes.isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func workspaceFileThatIsAFIFOIsAnError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try Self.fifo(in: folder, named: Workspace.fileName)
        do {
            _ = try Workspace.load(folder: folder)
            Issue.record("a FIFO was read as nodeward.yaml")
        } catch {
            #expect(error.code == .inputNotRegularFile)
        }
    }

    // MARK: 15. Byte order marks and compressed traces

    @Test func byteOrderMarkBeforeASandboxIsSkipped() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(InputFile.byteOrderMark + Array(Self.sandboxYAML.utf8)).write(to: URL(fileURLWithPath: folder + "/acme.yaml"))
        let result = SandboxReader().read(paths: [folder])
        #expect(result.errors.isEmpty)
        #expect(result.sandboxes.map(\.tenantId) == ["acme"])
        #expect(SandboxReader().parse(text: "\u{FEFF}" + Self.sandboxYAML, file: "a.yaml").sandboxes.count == 1)
    }

    @Test func byteOrderMarkBeforeJSONLinesAndADocumentIsSkipped() {
        var options = TraceReaderOptions()
        options.readChunkBytes = 1
        let lines = Array((Self.jsonl(step: "s1") + "\n" + Self.jsonl(step: "s2") + "\n").utf8)
        var steps: [String] = []
        let summary = TraceReader(options: options).read(data: InputFile.byteOrderMark + lines, file: "a.jsonl") {
            steps += $0.steps.map(\.stepId)
        }
        #expect(summary.skipped.isEmpty)
        #expect(steps == ["s1", "s2"])

        let pretty = Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"])
            .replacingOccurrences(of: "[{", with: "[\n{")
        var runs = 0
        let document = TraceReader().read(data: InputFile.byteOrderMark + Array(pretty.utf8), file: "b.json") { _ in runs += 1 }
        #expect(document.skipped.isEmpty)
        #expect(document.files["b.json"] == .otlpJSON)
        #expect(runs == 1)
    }

    @Test func byteOrderMarkBeforeAPolicyFileIsSkipped() {
        let evidence = TaskGraph.Evidence(runs: 1, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: [])
        let set = PolicySet(workflow: "support", agent: "bot", evidence: evidence, nodes: [])
        let (read, diagnostics) = PolicyReader.read(yaml: "\u{FEFF}" + set.yaml(), file: "policies/support.yaml")
        #expect(diagnostics.isEmpty)
        #expect(read?.workflow == "support")
    }

    /// `text` gzip-compressed by the system's gzip (a format reference apart from the reader's zlib).
    static func gzip(_ text: String) throws -> [UInt8] {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try text.write(toFile: folder + "/in", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-c", folder + "/in"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return Array(data)
    }

    @Test func gzipTracesInAFolderAreReadAndOtherCompressionsReported() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try (Self.jsonl(step: "s1") + "\n").write(toFile: folder + "/a.jsonl", atomically: true, encoding: .utf8)
        // Two gzip members one after another (`cat x.gz y.gz`), lines of another run.
        let members = try Self.gzip(Self.jsonl(run: "r2", step: "s2") + "\n") + Self.gzip(Self.jsonl(run: "r2", step: "s3", time: 2) + "\n")
        try Data(members).write(to: URL(fileURLWithPath: folder + "/b.jsonl.gz"))
        let pretty = Self.otlpLine(trace: Self.traceA, tenant: "acme", spans: ["aaaaaaaaaaaaaaa1"]).replacingOccurrences(of: "[{", with: "[\n{")
        try Data(Self.gzip(pretty)).write(to: URL(fileURLWithPath: folder + "/c.otlp.json.gz"))
        try Data([0x28, 0xB5, 0x2F, 0xFD]).write(to: URL(fileURLWithPath: folder + "/d.jsonl.zst"))
        var options = TraceReaderOptions()
        options.readChunkBytes = 7
        var steps: [String] = []
        let summary = TraceReader(options: options).read(paths: [folder]) { steps += $0.steps.map(\.stepId) }
        #expect(steps == ["s1", "s2", "s3", "aaaaaaaaaaaaaaa1"])
        #expect(summary.files.values.sorted { $0.rawValue < $1.rawValue } == [.nodewardJSONL, .nodewardJSONL, .otlpJSON])
        #expect(summary.skipped == [.traceUnsupportedCompression: 1])
        #expect(summary.diagnostics.compactMap { $0.location?.file }.map { ($0 as NSString).lastPathComponent } == ["d.jsonl.zst"])
    }

    @Test func truncatedGzipTraceKeepsTheLinesBeforeTheCutAndIsReported() throws {
        let text = (1...400).map { Self.jsonl(run: "r\($0 % 7)", step: "s\($0)", time: $0) + "\n" }.joined()
        let compressed = try Self.gzip(text)
        var steps = 0
        let summary = TraceReader().read(data: Array(compressed.prefix(compressed.count / 2)), file: "cut.jsonl.gz") { steps += $0.steps.count }
        #expect(steps > 0 && steps < 400)
        #expect(summary.skipped[.traceCorruptCompression] == 1)
        let whole = TraceReader().read(data: compressed, file: "whole.jsonl.gz") { _ in }
        #expect(whole.steps == 400 && whole.skipped.isEmpty)
    }

    // MARK: 6. Confusable tenant ids

    @Test func sandboxTenantIdWithAnInvisibleCharacterIsAnError() {
        // YAML escapes: zero-width space, right-to-left override, BEL, NEL (C1), left-to-right isolate.
        for invisible in [#"\u200B"#, #"\u202E"#, #"\a"#, #"\x85"#, #"\u2066"#] {
            let text = Self.sandboxYAML.replacingOccurrences(of: "id: acme}", with: "id: \"acme\(invisible)\"}")
            let result = SandboxReader().parse(text: text, file: "a.yaml")
            #expect(result.errors.map(\.code) == [.sandboxInvalidId], "\(invisible)")
            #expect(result.sandboxes.isEmpty)
        }
    }

    @Test func sandboxTenantIdsAreNFCAndCaseOnlyDifferencesWarn() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.sandboxYAML.replacingOccurrences(of: "id: acme}", with: "id: \"cafe\u{0301}\"}")
            .write(toFile: folder + "/a.yaml", atomically: true, encoding: .utf8)
        try Self.sandboxYAML.replacingOccurrences(of: "id: acme}", with: "id: Acme}")
            .write(toFile: folder + "/b.yaml", atomically: true, encoding: .utf8)
        try Self.sandboxYAML.write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
        let result = SandboxReader().read(paths: [folder])
        #expect(result.errors.isEmpty)
        #expect(result.sandboxes.map { Array($0.tenantId.utf8) }.contains(Array("caf\u{00E9}".utf8)))
        #expect(result.diagnostics.map(\.code) == [.sandboxConfusableTenant])
        #expect(result.diagnostics.first?.location?.file.hasSuffix("c.yaml") == true)
    }

    @Test func traceRecordsWithAnInvisibleTenantCharacterAreCountedSkips() {
        let text = [
            Self.jsonl(tenant: "acme", step: "s1"),
            Self.jsonl(tenant: "acme\u{200B}", step: "s2"),
            Self.jsonl(tenant: "acme", step: "s3"),
        ].joined(separator: "\n") + "\n"
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.runs.map(\.tenant) == ["acme"])
        #expect(outcome.stepIds == ["s1", "s3"])
        #expect(outcome.summary.skipped == [.traceInvalidId: 1])
        #expect(outcome.lines(.traceInvalidId) == [2])
    }

    @Test func traceTenantIdsAreNFCAndCaseOnlyDifferencesWarnOnce() {
        let text = [
            Self.jsonl(tenant: "cafe\u{0301}", step: "s1"),
            Self.jsonl(tenant: "Acme", step: "s1"),
            Self.jsonl(tenant: "acme", step: "s1"),
            Self.jsonl(tenant: "acme", step: "s2"),
            Self.jsonl(tenant: "Acme", step: "s2"),
        ].joined(separator: "\n") + "\n"
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.runs.map { Array($0.tenant.utf8) }.contains(Array("caf\u{00E9}".utf8)))
        #expect(outcome.runs.flatMap(\.steps).allSatisfy { $0.tenant.utf8.count == $0.tenant.precomposedStringWithCanonicalMapping.utf8.count })
        #expect(outcome.diagnostics(.traceConfusableTenant).map { $0.location?.line } == [3])
        #expect(outcome.summary.skipped.isEmpty)
    }

    @Test func workflowIdsAreNormalisedAndInvisibleCharactersSkipTheRun() {
        let text = [
            #"{"tenant":"acme","agent":"bot","workflow":"factura\u0301","run":"r1","step":"s1","time":1,"kind":"output","operation":"reply"}"#,
            #"{"tenant":"acme","agent":"bot","workflow":"billing\u200b","run":"r2","step":"s1","time":1,"kind":"output","operation":"reply"}"#,
            #"{"tenant":"acme","agent":"bot","workflow":"billing\u200b","run":"r2","step":"s2","time":2,"kind":"output","operation":"reply"}"#,
        ].joined(separator: "\n") + "\n"
        let outcome = TraceFixtures.read(text: text)
        #expect(outcome.runs.map(\.runId) == ["r1"])
        #expect(outcome.runs.first.map { Array($0.workflow.utf8) } == Array("factur\u{00E1}".utf8))
        #expect(outcome.runs.first?.steps.first.map { Array($0.workflow.utf8) } == Array("factur\u{00E1}".utf8))
        #expect(outcome.summary.skipped == [.traceInvalidId: 2])
    }
}
