import Foundation
import Testing

/// Tenant payloads (arguments, results, requests) must appear in no report, log line or store row.
/// Unique secrets are planted in a copy of two sample tenants' JSONL traces; every output of plan,
/// shadow replay, analyze and infer, and every store table, is searched for them.
@Suite struct PayloadLeakTests {
    static let marker = "SECRETX"

    /// Adds a secret argument, a secret result field and a secret in the request of every run and step.
    static func plantSecrets(in file: URL, to target: URL) throws {
        var lines: [String] = []
        var index = 0
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            guard var record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            index += 1
            if record["type"] as? String == "run" {
                record["request"] = "\(record["request"] as? String ?? "") \(marker)-REQ-\(index)"
            } else {
                var arguments = record["arguments"] as? [String: Any] ?? [:]
                arguments["memo"] = "\(marker)-ARG-\(index)"
                record["arguments"] = arguments
                if var result = record["result"] as? [String: Any] {
                    result["secret"] = "\(marker)-RES-\(index)"
                    record["result"] = result
                }
            }
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: target)
    }

    static func allText(under folder: URL) throws -> [(String, String)] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var texts: [(String, String)] = []
        for case let url as URL in walker where !url.hasDirectoryPath && url.pathExtension != "sqlite" && !url.path.contains("sqlite-") {
            if let data = try? Data(contentsOf: url) { texts.append((url.lastPathComponent, String(decoding: data, as: UTF8.self))) }
        }
        return texts
    }

    @Test func plantedSecretsAppearInNoReportLogOrStoreRow() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let workspace = root.appendingPathComponent("ws")
        let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent("traces"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fleet.appendingPathComponent("tenants"), to: workspace.appendingPathComponent("tenants"))
        for name in ["globex.steps.jsonl", "umbrella.steps.jsonl"] {
            try Self.plantSecrets(in: fleet.appendingPathComponent("traces/\(name)"), to: workspace.appendingPathComponent("traces/\(name)"))
        }
        let planted = try String(contentsOf: workspace.appendingPathComponent("traces/globex.steps.jsonl"), encoding: .utf8)
        #expect(planted.components(separatedBy: "\(Self.marker)-ARG-").count > 1_000, "the secrets were planted")
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\n".utf8).write(to: workspace.appendingPathComponent("nodeward.yaml"))

        let out = root.appendingPathComponent("out"), store = root.appendingPathComponent("store.sqlite").path
        var outputs: [(String, String)] = []
        for arguments in [["plan", workspace.path, "--out", out.path, "--store", store, "--format", "markdown"],
                          ["shadow", "replay", workspace.path, "--store", store, "--format", "json"],
                          ["analyze", workspace.path, "--format", "json"],
                          ["infer", workspace.path, "--format", "yaml", "--no-write"]] {
            let result = try await CLI.run(arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
            outputs.append(("\(arguments.prefix(2)) stdout", result.stdout))
            outputs.append(("\(arguments.prefix(2)) stderr", result.stderr))
        }
        outputs += try Self.allText(under: out)
        for table in ["sessions", "policy_versions", "runs", "steps", "decisions"] {
            let rows = try await CLI.run(["store", "query", "SELECT * FROM \(table)", "--store", store, "--format", "json", "--limit", "100000"])
            #expect(rows.status == 0, "\(rows.stderr)")
            #expect(rows.stdout.count > 20, "\(table) has rows")
            outputs.append(("store \(table)", rows.stdout))
        }
        let steps = try await CLI.run(["store", "query", "SELECT argument_names FROM steps WHERE argument_names LIKE '%memo%' LIMIT 1",
                                       "--store", store, "--format", "json"])
        #expect(steps.stdout.contains("memo"), "the store keeps argument names, so the planted argument reached it")
        let leaks = outputs.filter { $0.1.contains(Self.marker) }.map(\.0)
        #expect(leaks.isEmpty, "planted payload values leaked into: \(leaks)")
        #expect(outputs.count > 12)
    }
}
