import Foundation
import NodewardCore
import NodewardSamples

/// Generates fleets into temporary folders and indexes what they wrote, straight from the files.
enum GeneratorFixture {
    static func generate(_ options: FleetOptions) throws -> (root: URL, summary: FleetSummary) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-gen-\(UUID().uuidString)")
        let summary = try NodewardSamples.generate(options, into: root, force: false)
        return (root, summary)
    }

    static func files(_ root: URL) throws -> [String: Data] {
        var contents: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard !url.hasDirectoryPath else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            contents[relative] = try Data(contentsOf: url)
        }
        return contents
    }

    struct IndexedStep {
        var id: String
        var tenant: String
        var executed: Bool
        var effect: String?
        var rule: String?
        var hasResult: Bool
        var operation: String
        /// Start and end as written (RFC 3339 or nanosecond text: each sorts as text within one format).
        var start: String
        var end: String
        var arguments: String?
        var result: String?
        var issuer: String?
        var claims: [String: String]
    }

    struct IndexedRun {
        var tenant: String
        var workflow: String?
        var steps: [IndexedStep] = []
    }

    /// Every run and step in `traces/`, parsed with `FoundationJSONParser` (a parse failure throws).
    static func index(_ root: URL) throws -> [String: IndexedRun] {
        let parser = FoundationJSONParser()
        var runs: [String: IndexedRun] = [:]
        let traces = root.appendingPathComponent("traces")
        for name in try FileManager.default.contentsOfDirectory(atPath: traces.path).sorted() {
            let data = try Data(contentsOf: traces.appendingPathComponent(name))
            let documents: [JSONValue]
            if name.hasSuffix(".json") {
                documents = [try parser.parse(ArraySlice(data))]
            } else {
                documents = try data.split(separator: UInt8(ascii: "\n")).map { try parser.parse(ArraySlice($0)) }
            }
            for document in documents {
                if name.hasSuffix(".steps.jsonl") { indexJSONL(document, into: &runs) } else { indexOTLP(document, into: &runs) }
            }
        }
        return runs
    }

    private static func indexJSONL(_ record: JSONValue, into runs: inout [String: IndexedRun]) {
        guard let run = record["run"]?.stringValue, let tenant = record["tenant"]?.stringValue else { return }
        if record["type"]?.stringValue == "run" {
            runs[run, default: IndexedRun(tenant: tenant)].workflow = record["workflow"]?.stringValue
            return
        }
        runs[run, default: IndexedRun(tenant: tenant)].steps.append(IndexedStep(
            id: record["step"]?.stringValue ?? "", tenant: tenant, executed: record["executed"]?.boolValue ?? true,
            effect: record["legacy"]?["effect"]?.stringValue, rule: record["legacy"]?["rule"]?.stringValue,
            hasResult: record["result"] != nil, operation: record["operation"]?.stringValue ?? "",
            start: record["time"]?.stringValue ?? "", end: record["end"]?.stringValue ?? "",
            arguments: record["arguments"]?.canonicalText, result: record["result"]?.canonicalText,
            issuer: record["principal"]?["iss"]?.stringValue,
            claims: record["principal"]?["claims"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]))
    }

    private static func indexOTLP(_ document: JSONValue, into runs: inout [String: IndexedRun]) {
        for resourceSpans in document["resourceSpans"]?.arrayValue ?? [] {
            let resource = attributes(resourceSpans["resource"]?["attributes"])
            let tenant = resource["tenant.id"]?["stringValue"]?.stringValue ?? ""
            for scope in resourceSpans["scopeSpans"]?.arrayValue ?? [] {
                for span in scope["spans"]?.arrayValue ?? [] {
                    guard let trace = span["traceId"]?.stringValue, let id = span["spanId"]?.stringValue else { continue }
                    let attributes = attributes(span["attributes"])
                    if attributes["gen_ai.operation.name"]?["stringValue"]?.stringValue == "invoke_agent" {
                        runs[trace, default: IndexedRun(tenant: tenant)].workflow = attributes["gen_ai.workflow.name"]?["stringValue"]?.stringValue
                        continue
                    }
                    runs[trace, default: IndexedRun(tenant: tenant)].steps.append(IndexedStep(
                        id: id, tenant: tenant, executed: attributes["nodeward.executed"]?["boolValue"]?.boolValue ?? true,
                        effect: attributes["nodeward.legacy.decision"]?["stringValue"]?.stringValue,
                        rule: attributes["nodeward.legacy.rule"]?["stringValue"]?.stringValue,
                        hasResult: attributes["gen_ai.tool.call.result"] != nil,
                        operation: text(attributes["gen_ai.tool.name"] ?? attributes["gen_ai.request.model"] ?? attributes["gen_ai.data_source.id"]
                            ?? attributes["gen_ai.operation.name"]) ?? "",
                        start: span["startTimeUnixNano"]?.stringValue ?? "", end: span["endTimeUnixNano"]?.stringValue ?? "",
                        arguments: text(attributes["gen_ai.tool.call.arguments"]), result: text(attributes["gen_ai.tool.call.result"]),
                        issuer: text(attributes["nodeward.auth.issuer"]),
                        claims: attributes.filter { $0.key.hasPrefix("nodeward.auth.claim.") }
                            .reduce(into: [:]) { $0[String($1.key.dropFirst("nodeward.auth.claim.".count))] = text($1.value) }))
                }
            }
        }
    }

    private static func text(_ value: JSONValue?) -> String? { value?["stringValue"]?.stringValue }

    private static func attributes(_ list: JSONValue?) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for entry in list?.arrayValue ?? [] {
            if let key = entry["key"]?.stringValue, let value = entry["value"] { values[key] = value }
        }
        return values
    }
}
