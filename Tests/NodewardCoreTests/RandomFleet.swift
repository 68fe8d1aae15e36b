import Foundation
@testable import NodewardCore

/// A seeded random fleet for property tests of the whole pipeline: tenants, sandboxes and Nodeward JSONL
/// traces with structures the sample generator never writes (issue 14). Every draw comes from one
/// SplitMix64, so a failing seed reproduces exactly: `NODEWARD_PROPERTY_SEED=<seed> swift test --filter PipelineProperty`.
struct RandomFleet {
    struct Tenant {
        var id: String
        /// The tools the sandbox allows; nil = `tools.default: allow`.
        var allowlist: [String]?
        var denylist: [String]
    }

    let seed: UInt64
    var tenants: [Tenant] = []
    var workflows: [String] = []
    /// Per workflow: the tools its runs draw from.
    var tools: [[String]] = []
    /// JSONL lines per tenant file.
    var traceLines: [String: [String]] = [:]
    var runCount = 0
    var stepCount = 0

    private var random: SplitMix64

    init(seed: UInt64) {
        self.seed = seed
        random = SplitMix64(state: seed)
        generate()
    }

    // MARK: Draws

    private mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(random.next() % UInt64(bound))
    }

    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    private mutating func pick<T>(_ items: [T]) -> T {
        // Callers pass non-empty arrays (every pool has at least one entry).
        items[below(items.count)]
    }

    /// Names with the shapes real logs have: dotted, MCP-prefixed, unicode, very long.
    private mutating func name(_ prefix: String, _ index: Int) -> String {
        switch below(10) {
        case 0: return "\(prefix)-ünïcødé-\(index)-名前"
        case 1: return "mcp__server\(index % 7)__\(prefix)_\(index)"
        case 2: return String(repeating: "\(prefix)long", count: 30) + "\(index)"
        case 3: return "\(prefix).\(index).v2"
        // Names that make a tool a write (docs/legacy-model.md, "Tool effects"): edges into writes are
        // where generation is most careful.
        case 4: return "\(prefix)\(index).update"
        case 5: return "send_\(prefix)\(index)"
        default: return "\(prefix)\(index)"
        }
    }

    // MARK: The fleet

    private mutating func generate() {
        let tenantCount = 1 + below(3)
        let workflowCount = 1 + below(4)
        // Sometimes thousands of distinct tools, mostly a handful.
        let toolPoolSize = chance(10) ? 1_000 + below(2_000) : 1 + below(12)
        let pool = (0..<toolPoolSize).map { name("tool", $0) }
        workflows = (0..<workflowCount).map { "wf-\($0)-" + name("flow", $0) }
        tools = workflows.map { _ in
            let count = min(pool.count, 1 + below(toolPoolSize > 100 ? 400 : 8))
            return (0..<count).map { _ in pick(pool) }
        }
        for index in 0..<tenantCount {
            let id = ["acme", "globex", "tenant-ß", "t\(index)"][index % 4] + (index >= 4 ? "\(index)" : "")
            var tenant = Tenant(id: id, allowlist: nil, denylist: [])
            if chance(40) {
                // An allowlist of most (not all) of the tools: some steps are legacy-denied.
                let used = Set(tools.flatMap { $0 })
                tenant.allowlist = used.sorted().filter { _ in chance(85) }
            } else if chance(30), let denied = tools.flatMap({ $0 }).first {
                tenant.denylist = [denied]
            }
            tenants.append(tenant)
        }
        let runsPerTenant = 3 + below(10)
        var clock: Int64 = 1_793_500_000_000_000_000
        for tenant in tenants {
            var lines: [String] = []
            for runIndex in 0..<runsPerTenant {
                let workflow = below(workflows.count)
                // Duplicate run ids across tenants: a run's identity is (tenant, run id).
                let runID = chance(30) ? "run-\(runIndex)" : "run-\(tenant.id)-\(runIndex)"
                clock += Int64(1 + below(5_000)) * 1_000_000
                lines += run(tenant: tenant.id, runID: runID, workflow: workflow, clock: &clock)
                runCount += 1
            }
            traceLines[tenant.id] = lines
        }
    }

    private mutating func run(tenant: String, runID: String, workflow: Int, clock: inout Int64) -> [String] {
        let workflowName = workflows[workflow]
        let request = "please handle order ORD-\(below(1_000)) for cust\(below(50))@example.com"
        var lines = [JSONValue.object([
            "v": .int(1), "type": .string("run"), "tenant": .string(tenant), "agent": .string("agent"),
            "workflow": .string(workflowName), "run": .string(runID), "request": .string(request),
        ]).canonicalText]
        // One-step runs, runs without a tool call, long runs with loops.
        let length = chance(10) ? 1 : 1 + below(12)
        var produced: [String] = []  // values earlier results carried, for data flows
        var lastTool: String?
        let runHasNoTools = chance(5)
        for position in 0..<length {
            let stepID = "s\(position + 1)"
            var record: [String: JSONValue] = [
                "v": .int(1), "tenant": .string(tenant), "agent": .string("agent"), "workflow": .string(workflowName),
                "run": .string(runID), "step": .string(stepID), "time": .int(clock),
            ]
            clock += Int64(1 + below(900)) * 1_000_000
            record["end"] = .int(clock)
            // Parents: the previous step mostly; none, a forward reference or a dangling one sometimes.
            if position > 0 {
                switch below(10) {
                case 0: break
                case 1: record["parents"] = .array([.string("s\(position + 2)")])
                case 2: record["parents"] = .array([.string("nowhere-\(below(9))")])
                case 3 where position > 1: record["parents"] = .array([.string("s\(1 + below(position))"), .string("s\(position)")])
                default: record["parents"] = .array([.string("s\(position)")])
                }
            }
            // Runs with no tool call at all: model calls only.
            let noTools = runHasNoTools
            switch noTools ? 0 : below(10) {
            case 0: record["kind"] = .string("llm"); record["operation"] = .string("model-\(below(2))")
            case 1 where position == length - 1: record["kind"] = .string("output"); record["operation"] = .string("reply")
            case 2:
                record["kind"] = .string("retrieval"); record["operation"] = .string("docs")
                record["resources"] = .array([.string("vector:docs#tenant=\(tenant)")])
            default:
                // A tool first and again later, and self-loops: repeat the last tool sometimes.
                let tool = (chance(25) ? lastTool : nil) ?? pick(tools[workflow])
                lastTool = tool
                record["kind"] = .string("tool_call"); record["operation"] = .string(tool)
            }
            record["arguments"] = arguments(produced: produced, request: request)
            let (result, values) = result(position: position)
            if let result { record["result"] = result }
            produced += values
            if chance(20) { record["inputs"] = .array([.object(["step": .string(position > 0 ? "s\(position)" : "request")])]) }
            lines.append(JSONValue.object(record).canonicalText)
            stepCount += 1
        }
        return lines
    }

    /// Zero, a few or huge arguments; values copied from earlier results or the request, or new.
    private mutating func arguments(produced: [String], request: String) -> JSONValue {
        var arguments: [String: JSONValue] = [:]
        let count = chance(20) ? 0 : below(4)
        for index in 0..<count {
            let value: JSONValue
            switch below(6) {
            case 0 where !produced.isEmpty: value = .string(pick(produced))
            case 1: value = .string(request)
            case 2: value = .string(String(repeating: "x", count: chance(10) ? 20_000 : 40))
            case 3: value = .array([.string("a\(below(9))"), .int(Int64(below(100)))])
            case 4: value = .object(["nested": .string("n\(below(5))")])
            default: value = .string("v\(below(20))")
            }
            arguments["arg\(index)"] = value
        }
        return .object(arguments)
    }

    /// Results that are structured, text, YAML text or JSON inside a string.
    private mutating func result(position: Int) -> (JSONValue?, [String]) {
        let value = "val-\(below(30))"
        switch below(6) {
        case 0: return (nil, [])
        case 1: return (.string("Plain text mentioning \(value) somewhere."), [value])
        case 2: return (.string("id: \(value)\nitems:\n  - \(value)-a\n"), [value])
        case 3: return (.string(JSONValue.object(["id": .string(value)]).canonicalText), [value])
        case 4: return (.array([.object(["recipient": .string(value), "subject": .string("note \(value)")])]), [value])
        default: return (.object(["id": .string(value), "count": .int(Int64(position))]), [value])
        }
    }

    // MARK: Files

    func sandboxYAML(_ tenant: Tenant) -> String {
        var tools = "  tools:\n"
        if let allowlist = tenant.allowlist {
            tools += "    default: deny\n    allow:\n"
            tools += allowlist.isEmpty ? "      []\n" : allowlist.map { "      - \(Self.quoted($0))\n" }.joined()
        } else {
            tools += "    default: allow\n"
            if !tenant.denylist.isEmpty { tools += "    deny:\n" + tenant.denylist.map { "      - \(Self.quoted($0))\n" }.joined() }
        }
        return """
            apiVersion: agents.example.com/v1
            kind: TenantAgentSandbox
            metadata:
              name: \(Self.quoted(tenant.id))
            spec:
              tenant: {id: \(Self.quoted(tenant.id))}
              memory: {namespace: \(Self.quoted(tenant.id + "-memory"))}
              vectorIndex: {backend: qdrant, collection: docs, isolation: tenant, tenantKey: {field: tenant, value: \(Self.quoted(tenant.id))}}
            \(tools)  network: {egress: {default: allow}}
              limits: {requestsPerMinute: 100000}

            """
    }

    static func quoted(_ text: String) -> String { JSONValue.string(text).canonicalText }

    /// Writes `nodeward.yaml`, `tenants/` and `traces/` under `folder` and returns the workspace.
    func write(to folder: URL) throws -> Workspace {
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("tenants"), withIntermediateDirectories: true)
        try manager.createDirectory(at: folder.appendingPathComponent("traces"), withIntermediateDirectories: true)
        for (index, tenant) in tenants.enumerated() {
            try sandboxYAML(tenant).write(to: folder.appendingPathComponent("tenants/tenant-\(index).yaml"), atomically: true, encoding: .utf8)
        }
        for (index, tenant) in tenants.enumerated() {
            let text = (traceLines[tenant.id] ?? []).joined(separator: "\n") + "\n"
            try text.write(to: folder.appendingPathComponent("traces/tenant-\(index).jsonl"), atomically: true, encoding: .utf8)
        }
        try "version: 1\ntenants: [tenants/]\ntraces: [traces/]\n".write(
            to: folder.appendingPathComponent(Workspace.fileName), atomically: true, encoding: .utf8)
        return try Workspace.load(folder: folder.path)
    }
}
