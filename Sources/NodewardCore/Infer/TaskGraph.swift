/// A workflow's task graph: nodes are step roles, edges are control flow and data flow, each with the
/// evidence behind it. Merged across runs and tenants (shared orchestration, partitioned data): tenant
/// specifics in resources are `${tenant...}` templates. Written to `graphs/<workflow>.yaml`.
public struct TaskGraph: Sendable, Hashable, Codable {
    public static let formatVersion = 1

    public var version: Int = TaskGraph.formatVersion
    public var workflow: String
    public var agent: String
    public var evidence: Evidence
    public var conformance: Conformance?
    public var nodes: [Node]
    public var controlEdges: [ControlEdge]
    public var dataEdges: [DataEdge]

    public init(workflow: String, agent: String, evidence: Evidence, conformance: Conformance? = nil,
                nodes: [Node], controlEdges: [ControlEdge], dataEdges: [DataEdge]) {
        self.workflow = workflow
        self.agent = agent
        self.evidence = evidence
        self.conformance = conformance
        self.nodes = nodes
        self.controlEdges = controlEdges
        self.dataEdges = dataEdges
    }

    /// The file name stem for this graph (`graphs/<stem>.yaml`), see `fileStem(for:)`.
    public var fileStem: String { TaskGraph.fileStem(for: workflow) }

    /// The file name stem of a workflow's graph and policy files, one rule for both, injective: a
    /// workflow whose name is already a plain stem (lowercase ASCII letters, digits, `-`, `_`, `.`; not
    /// starting with `.`; no `--`; at most 96 characters) is its own stem; any other name (`billing/eu`,
    /// `Billing`, `facturación`) is a readable slug, `--`, and 16 hex digits of the name's fingerprint
    /// (`billing-eu--1c5fd5b1a7bd9a4e`). Plain stems never contain `--`, so they cannot meet a hashed one;
    /// two hashed stems meet only if two names share a 64-bit fingerprint, which writers still refuse
    /// (`fileStemCollisions`). Lowercase only, so case-insensitive file systems keep them apart too.
    public static func fileStem(for workflow: String) -> String {
        if isPlainStem(workflow) { return workflow }
        var readable = ""
        for scalar in workflow.lowercased().unicodeScalars {
            let plain = (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "."
            let next: Character = plain ? Character(scalar) : "-"
            if next == "-", readable.hasSuffix("-") || readable.isEmpty { continue }
            readable.append(next)
            if readable.count >= 48 { break }
        }
        readable = String(readable.drop { $0 == "." || $0 == "-" })
        while readable.hasSuffix("-") || readable.hasSuffix(".") { readable.removeLast() }
        let hex = String(Fingerprint.of(workflow), radix: 16)
        let digits = String(repeating: "0", count: 16 - hex.count) + hex
        return (readable.isEmpty ? "workflow" : readable) + "--" + digits
    }

    static func isPlainStem(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 96, !name.hasPrefix("."), !name.contains("--") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// Workflows whose stems are equal, as `(stem, workflows)` sorted; empty unless two names share a
    /// fingerprint. A writer given any refuses to write (one file would hold the other's policies).
    public static func fileStemCollisions(_ workflows: [String]) -> [(stem: String, workflows: [String])] {
        var byStem: [String: Set<String>] = [:]
        for workflow in workflows { byStem[fileStem(for: workflow), default: []].insert(workflow) }
        return byStem.filter { $0.value.count > 1 }.map { ($0.key, $0.value.sorted()) }.sorted { $0.stem < $1.stem }
    }


    /// Pseudo-node ids for the start and end of every run, and for the user's request as a data source.
    public static let start = "start"
    public static let end = "end"
    public static let request = "request"

    public struct Evidence: Sendable, Hashable, Codable {
        public var runs: Int
        public var tenants: [String]
        public var firstSeen: String?
        public var lastSeen: String?
        /// A few run ids (the smallest, so the sample is stable), `tenant/run`.
        public var sampleRuns: [String]

        public init(runs: Int, tenants: [String], firstSeen: String?, lastSeen: String?, sampleRuns: [String]) {
            self.runs = runs
            self.tenants = tenants
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.sampleRuns = sampleRuns
        }
    }

    public struct Node: Sendable, Hashable, Codable {
        public var id: String
        public var kind: StepKind
        public var operation: String
        /// Resource templates, e.g. `vector:${tenant.vectorIndex}#${tenant.vectorKey}`, with access.
        public var resources: [String]
        /// Set when one operation plays distinct roles; says how this role is told apart.
        public var disambiguator: String?
        /// Argument names seen on this node (values are payloads and are not kept).
        public var arguments: [String]
        /// Egress destinations seen (templated; `egress:*` past 16 distinct ones).
        public var egress: [String]
        /// For LLM nodes, the models seen (the role's operation is `${tenant.model}`).
        public var models: [String]
        /// Share of the workflow's runs that contain this node.
        public var share: Double
        public var optional: Bool
        /// Steps of this node that were attempted but blocked by the legacy sandbox.
        public var blocked: Int
        public var steps: Int
        /// The most steps of this node seen in one run (1 unless it loops).
        public var maxPerRun: Int
        public var evidence: Evidence
        /// `rare`, `low-support`.
        public var flags: [String]
        /// For a node split by predecessor: the nodes (or `start`) that its steps' first control parents
        /// matched, which is what tells the role apart. Not the same as the sources of its control edges: a
        /// step with several parents has edges from all of them, and other roles of the same operation may
        /// share those (policy generation once used the edges and made steps ambiguous). Nil in graph files
        /// written before it existed; generation then falls back to the edges.
        public var after: [String]? = nil
    }

    public struct ControlEdge: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        /// How many times the transition occurred, and in how many runs.
        public var count: Int
        public var runs: Int
        public var tenants: [String]
        /// `loop` (closes a cycle), `branch` (one of several successors), `rare`, `low-support`.
        public var flags: [String]
        public var sampleRuns: [String]
    }

    public enum TrustClass: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case userRequest = "user-request"
        case toolResult = "tool-result"
        case retrieval
        case memory
        case modelOutput = "model-output"

        public static func < (lhs: TrustClass, rhs: TrustClass) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        /// Tool results and retrieved documents are external content: what an attacker can plant.
        public var isExternal: Bool { self == .toolResult || self == .retrieval }
    }

    public struct DataEdge: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        /// The argument of `to` the data arrived through.
        public var argument: String
        public var trust: TrustClass
        /// `explicit` (recorded inputs) or `value-match` (provenance inferred from values).
        public var basis: String
        public var runs: Int
        public var tenants: [String]
        public var flags: [String]
        public var sampleRuns: [String]
    }

    public struct Conformance: Sendable, Hashable, Codable {
        /// `kfold-5` or `time-20%`.
        public var method: String
        public var heldOutRuns: Int
        /// Share of held-out runs whose every node and control edge the graph (built without them) accepts.
        public var fitness: Double
        /// 1 − the share of allowed-but-unseen successor choices in held-out runs (escaping edges).
        public var precision: Double
    }
}
