import Foundation
import NodewardCore

/// The `ingest-adapters` workload of `nodeward bench`: ingest throughput per trace adapter on inputs of
/// the same number of steps. Each adapter's fixture (Tests/NodewardCoreTests/Fixtures, `--fixtures`) is
/// copied until the file holds at least `--steps` steps, each copy with run identities of its own (trace
/// ids, session ids, task ids), one record per line; then the file is read and assembled as `ingest` does.
enum BenchAdapters {
    struct Adapter {
        var name: String
        /// Fixture files, relative to the fixtures folder.
        var files: [String]
        /// Workspace `attributes` the adapter needs (where its tenant and run come from).
        var attributes: [String: String]
        /// Object keys whose 32-hex-digit value is a run identity (OTLP `traceId`): its first 8 digits
        /// become the copy number.
        var hexKeys: Set<String> = []
        /// Object keys whose value is a run identity: the copy number is appended.
        var suffixKeys: Set<String> = []
        /// OTLP attribute keys (`{key, value: {stringValue}}` entries) whose value is a run identity.
        var attributeKeys: Set<String> = []
    }

    static let adapters: [Adapter] = [
        Adapter(name: "chat-transcripts", files: ["transcripts/tau-bench-airline/slice.json"],
                attributes: ["transcriptTenant": "=airline", "transcriptRun": "task_id+trial", "transcriptWorkflow": "=airline-support"],
                suffixKeys: ["task_id"]),
        Adapter(name: "claude-code", files: ["traces/claude-code/session.jsonl"], attributes: [:], attributeKeys: ["session.id"]),
        Adapter(name: "openai-agents", files: ["traces/openai-agents/multi-agent.jsonl"], attributes: [:], suffixKeys: ["trace_id"]),
        Adapter(name: "openinference", files: ["traces/openinference/agent-run.json"], attributes: ["tenant": "metadata.tenant"], hexKeys: ["traceId"]),
        Adapter(name: "otel-genai", files: ["traces/otel-genai/crew-run.jsonl", "traces/otel-genai/baggage-tenant.json", "traces/otel-genai/mcp-sessions.jsonl"],
                attributes: [:], hexKeys: ["traceId"], attributeKeys: ["mcp.session.id"]),
    ]

    struct Input {
        var adapter: Adapter
        var file: String
        var options: TraceReaderOptions
    }

    /// One file per adapter with at least `steps` steps, written into `folder` (reused when present).
    static func inputs(fixtures: String, steps: Int, folder: String) throws -> [Input] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var inputs: [Input] = []
        for adapter in adapters {
            let options = Workspace(attributes: adapter.attributes).traceReaderOptions()
            let file = (folder as NSString).appendingPathComponent("adapter-\(adapter.name)-steps-\(steps).jsonl")
            if !FileManager.default.fileExists(atPath: file) {
                let records = try adapter.files.flatMap { try Self.records((fixtures as NSString).appendingPathComponent($0)) }
                let one = copy(records, adapter, number: 0)
                var perCopy = 0
                _ = TraceReader(options: options).read(data: Array(one.utf8), file: adapter.name) { perCopy += $0.steps.count }
                guard perCopy > 0 else {
                    throw Diagnostic.error(.fileUnreadable, "the \(adapter.name) fixture gives no steps; check --fixtures", at: SourceLocation(file: fixtures, line: 0))
                }
                let copies = (steps + perCopy - 1) / perCopy
                Terminal.err("writing \(copies.grouped) copies of the \(adapter.name) fixture (\(perCopy) steps each) into \(file)")
                var text = ""
                for number in 0..<copies { text += copy(records, adapter, number: number) }
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            }
            inputs.append(Input(adapter: adapter, file: file, options: options))
        }
        return inputs
    }

    /// A fixture's records: one per line when every line is JSON, else the document (an array's items
    /// when it is an array).
    static func records(_ path: String) throws -> [JSONValue] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parser = ByteJSONParser()
        let lines = bytes.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D } }
        let parsed = lines.compactMap { try? parser.parse($0) }
        if parsed.count == lines.count, !parsed.isEmpty { return parsed }
        let document = try parser.parse(bytes[...])
        if case .array(let items) = document { return items }
        return [document]
    }

    /// The records of copy `number`, one canonical JSON text per line.
    static func copy(_ records: [JSONValue], _ adapter: Adapter, number: Int) -> String {
        records.map { tag($0, adapter, number: number).canonicalText + "\n" }.joined()
    }

    static func tag(_ value: JSONValue, _ adapter: Adapter, number: Int) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map { tag($0, adapter, number: number) })
        case .object(var members):
            if let key = members["key"]?.stringValue, adapter.attributeKeys.contains(key),
               let text = members["value"]?["stringValue"]?.stringValue {
                members["value"] = .object(["stringValue": .string("\(text)-\(number)")])
                return .object(members)
            }
            // An Agents SDK trace object's own `id` is the `trace_id` its spans name.
            if adapter.suffixKeys.contains("trace_id"), members["object"]?.stringValue == "trace", let id = members["id"]?.stringValue {
                members["id"] = .string("\(id)-\(number)")
            }
            for (key, member) in members where key != "id" || members["object"]?.stringValue != "trace" {
                if adapter.hexKeys.contains(key), let text = member.stringValue, text.utf8.count == 32 {
                    members[key] = .string(String(format: "%08x", number) + text.dropFirst(8))
                } else if adapter.suffixKeys.contains(key), let text = member.stringValue ?? member.int64Value.map(String.init) {
                    members[key] = .string("\(text)-\(number)")
                } else {
                    members[key] = tag(member, adapter, number: number)
                }
            }
            return .object(members)
        default:
            return value
        }
    }
}
