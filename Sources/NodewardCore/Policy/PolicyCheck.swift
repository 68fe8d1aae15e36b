/// `nodeward policy check`: lints of every policy file, monotonic confinement against the tenant
/// sandboxes (when given), and the threat model (when given). Pure; the command reads the files.
public struct PolicyCheck: Sendable {
    public var files: [PolicyFile]
    /// Nil: confinement is not checked (no tenant sandboxes were given).
    public var sandboxes: [TenantSandbox]?
    /// Task graphs by workflow: the argument names and models their nodes were seen with. Optional.
    public var graphs: [TaskGraph]
    public var threats: ThreatModel?

    public init(files: [PolicyFile], sandboxes: [TenantSandbox]? = nil, graphs: [TaskGraph] = [], threats: ThreatModel? = nil) {
        self.files = files
        self.sandboxes = sandboxes
        self.graphs = graphs
        self.threats = threats
    }

    public func run() -> PolicyCheckReport {
        let effects = PolicyLinter.toolEffects(of: sandboxes ?? [])
        let graphsByWorkflow = Dictionary(graphs.map { ($0.workflow, $0) }, uniquingKeysWith: { first, _ in first })
        var lints: [Diagnostic] = []
        var widenings: [ConfinementWidening] = []
        let bySandbox = Dictionary((sandboxes ?? []).map { ($0.tenantId, $0) }, uniquingKeysWith: { first, _ in first })
        for file in files {
            let graph = graphsByWorkflow[file.policies.workflow]
            lints += PolicyLinter(toolEffects: effects, graph: graph).lint(file)
            if sandboxes != nil {
                let models = Dictionary((graph?.nodes ?? []).filter { $0.kind == .llm }.map { ($0.id, $0.models) }, uniquingKeysWith: { first, _ in first })
                widenings += PolicyConfinementCheck.check(file, sandboxes: bySandbox, models: models)
            }
        }
        let assessments = threats.map {
            ThreatAssessor(toolEffects: effects, widenings: widenings).assess($0, policies: files.map(\.policies))
        }
        return PolicyCheckReport(
            files: files.map(\.path).sorted(), nodes: files.reduce(0) { $0 + $1.policies.nodes.count },
            lints: lints.sorted(by: PolicyCheckReport.order), confinementChecked: sandboxes != nil,
            tenants: bySandbox.keys.sorted(), widenings: widenings.sorted(), threats: assessments)
    }
}

public struct PolicyCheckReport: Sendable, Hashable, Codable {
    public var files: [String]
    public var nodes: Int
    /// Warnings (`policy.lint.*`), sorted by location.
    public var lints: [Diagnostic]
    public var confinementChecked: Bool
    /// The tenants whose sandboxes confinement was checked against.
    public var tenants: [String]
    public var widenings: [ConfinementWidening]
    /// Nil when no threat model was given.
    public var threats: [ThreatAssessment]?

    public var openThreats: [ThreatAssessment] { (threats ?? []).filter { $0.status == .open } }

    /// Every finding as a diagnostic: confinement errors first, then lint warnings.
    public var diagnostics: [Diagnostic] { widenings.map(\.diagnostic) + lints }

    static func order(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
        let left = lhs.location, right = rhs.location
        return (left?.file ?? "", left?.line ?? 0, left?.column ?? 0, lhs.code.rawValue, lhs.message)
            < (right?.file ?? "", right?.line ?? 0, right?.column ?? 0, rhs.code.rawValue, rhs.message)
    }

    /// One line: files, nodes, confinement, lints, threats.
    public var summary: String {
        let confinement = confinementChecked
            ? "\(widenings.count) confinement error\(widenings.count == 1 ? "" : "s") against \(tenants.count) tenant sandboxes"
            : "confinement not checked (no tenant sandboxes)"
        return "\(files.count) policy files, \(nodes) nodes: \(confinement), \(lints.count) lint warning\(lints.count == 1 ? "" : "s")"
            + (threats.map { ", \($0.count) threats (\(openThreats.count) open)" } ?? "")
    }

    /// The report; `titled: false` leaves out the heading and summary (the text format prints the summary first).
    public func document(titled: Bool = true) -> Document {
        var doc = Document()
        if titled {
            doc.heading("Policy check")
            doc.paragraph(summary + ".")
        }
        if !widenings.isEmpty {
            doc.heading("Confinement widenings", level: 3)
            var table = TextTable(headers: ["location", "workflow", "node", "tenant", "field", "granted", "legacy rule"])
            for item in widenings {
                // A grant outside the tenant boundary names the boundary check too (a cross-tenant grant).
                let rule = (item.legacyRule ?? "(no tenant sandbox)") + (item.boundary.map { " (outside the tenant boundary: \($0.rawValue))" } ?? "")
                table.rows.append([item.location.description, item.workflow, item.node, item.tenant, item.field, item.granted, rule])
            }
            doc.table(table)
        }
        if !lints.isEmpty {
            doc.heading("Lints", level: 3)
            var table = TextTable(headers: ["location", "code", "message"])
            for lint in lints { table.rows.append([lint.location?.description ?? "-", lint.code.rawValue, lint.message]) }
            doc.table(table)
        }
        for threat in threats ?? [] {
            doc.heading("Threat \(threat.id) (\(threat.kind.rawValue)): \(threat.status.rawValue)", level: 3)
            if !threat.description.isEmpty { doc.paragraph(threat.description) }
            doc.paragraph("\(threat.nodesInScope) nodes in scope, \(threat.openPaths.count) open paths, \(threat.mitigations.count) mitigating boundaries.")
            doc.bullets(threat.openPaths.map { "open: \($0.workflow)/\($0.node)" + ($0.path == $0.node ? "" : " [\($0.path)]") + ": \($0.reason)" })
            doc.bullets(threat.mitigations.map { "mitigated: \($0.workflow)/\($0.node): \($0.boundary)" })
        }
        return doc
    }
}
