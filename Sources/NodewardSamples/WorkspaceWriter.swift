import Foundation
import NodewardCore

extension NodewardSamples {
    /// Writes a complete workspace into `directory`: `nodeward.yaml`, `tenants/*.yaml`, `traces/*`, and
    /// `labels/incidents.yaml`. Refuses a non-empty folder unless `force`; with `force` it replaces only
    /// the files a generation writes. Same options → byte-identical files.
    public static func generate(_ options: FleetOptions, into directory: URL, force: Bool) throws(GeneratorError) -> FleetSummary {
        guard options.tenants >= 1 else { throw .invalidOption("--tenants must be at least 1") }
        for dialect in options.dialects where !DialectConfigWriter.supported.contains(dialect) {
            throw .invalidOption("--dialects: unknown dialect (known: \(DialectConfigWriter.supported.joined(separator: ", ")))")
        }
        guard options.runs >= 0 else { throw .invalidOption("--runs must not be negative") }
        if let limit = options.stepLimit, limit < 1 { throw .invalidOption("--steps must be at least 1") }
        try prepare(directory, force: force)

        var generator = FleetGenerator(options: options)
        var files: [OutputFile] = []
        func open(_ path: String) throws(GeneratorError) -> OutputFile {
            let file = try OutputFile(root: directory, relativePath: path)
            files.append(file)
            return file
        }

        for state in generator.tenants {
            let config = DialectConfigWriter.render(state.profile.sandbox, dialect: state.profile.dialect)
            try open(config.path).write(config.text)
        }
        var lineWriters: [Int: OTLPLineWriter] = [:]
        var jsonlFiles: [Int: OutputFile] = [:]
        for (index, state) in generator.tenants.enumerated() {
            if state.format == .otlp {
                lineWriters[index] = OTLPLineWriter(file: try open("traces/\(state.profile.id).otlp.jsonl"), tenant: state.profile.id)
            } else {
                jsonlFiles[index] = try open("traces/\(state.profile.id).steps.jsonl")
            }
        }
        // initech's first runs go to one single-document export, so the sample has both OTLP forms.
        let documentTenant = generator.tenants.firstIndex { $0.profile.id == "initech" && $0.format == .otlp }
        let documentRuns = documentTenant.map { min(20, generator.tenants[$0].expectedRuns / 4) } ?? 0
        var documentBuffer: [GeneratedRun] = []
        var documentOrdinal = 0

        while !generator.isFinished {
            let (index, run) = generator.nextRun()
            if index == documentTenant, documentOrdinal < documentRuns {
                documentOrdinal += 1
                documentBuffer.append(run)
            } else if let writer = lineWriters[index] {
                try writer.append(run)
            } else if let file = jsonlFiles[index] {
                try file.write(JSONLWriter.lines(for: run))
            }
        }
        for index in lineWriters.keys.sorted() { try lineWriters[index]!.flush() }
        if let documentTenant, !documentBuffer.isEmpty {
            let tenant = generator.tenants[documentTenant].profile.id
            try open("traces/\(tenant)-export.json").write(OTLPDocumentWriter.document(runs: documentBuffer, tenant: tenant))
        }
        try open("labels/incidents.yaml").write(LabelsWriter.render(generator.labels))
        try open("threats.yaml").write(threatsYAML)
        try open("nodeward.yaml").write(workspaceYAML)
        for file in files { try file.close() }

        return FleetSummary(
            files: files.map(\.relativePath).sorted(), runs: generator.runsWritten, steps: generator.stepsWritten,
            bytes: files.reduce(0) { $0 + $1.bytesWritten }, incidents: generator.labels.count,
            unexpectedLegacy: generator.labels.filter { $0.recordedLegacy != nil && $0.spec.kind != .configDrift }.count)
    }

    static let workspaceYAML = """
        version: 1
        tenants: [tenants/]
        traces: [traces/]
        labels: labels/incidents.yaml
        threats: threats.yaml
        outputs: {graphs: graphs/, policies: policies/, reports: .nodeward/reports/, store: .nodeward/nodeward.sqlite}
        attributes: {tenant: tenant.id, workflow: gen_ai.workflow.name, legacyDecision: nodeward.legacy.decision}

        """

    /// The threat model `nodeward policy check` assesses (docs/policy-check.md): one threat of each kind,
    /// scoped to the workflows and tools of the sample fleet's seeded incidents.
    static let threatsYAML = """
        # Threats the team fears, checked by `nodeward policy check` against the node policies.
        version: 1
        threats:
          - id: T1
            kind: cross-tenant-access
            description: "One tenant's agent reads or writes another tenant's memory, documents or records."
          - id: T2
            kind: unauthorized-tool
            description: "The agent calls a destructive or escalating tool that its workflow should never call."
            scope: {tools: [crm.delete, payments.transfer, tickets.escalate]}
          - id: T3
            kind: context-poisoning-write
            description: "A retrieved document or tool result plants values that a write persists."
          - id: T4
            kind: context-poisoning-egress
            description: "Injected content makes the agent fetch an attacker's URL, leaking data in it."
            scope: {workflows: [crm-enrichment, support-ticket-summary]}
          - id: T5
            kind: exfiltration
            description: "Injected instructions make the agent send data to an address they choose."
            scope: {workflows: [inbox-triage, invoice-processing]}
          - id: T6
            kind: runaway-cost
            description: "A looping or flooded agent runs up model and tool costs."

        """

    /// Creates the folder, or checks it may be written: empty, or `force` (then stale generated files
    /// from an earlier, larger generation are removed so they cannot be mistaken for this one's).
    private static func prepare(_ directory: URL, force: Bool) throws(GeneratorError) {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: directory.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw .io("\(directory.path) exists and is not a folder") }
            let contents = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            guard contents.isEmpty || force else { throw .outputNotEmpty(directory.path) }
            for (folder, suffixes) in [("tenants", [".yaml"]), ("traces", [".otlp.jsonl", ".steps.jsonl", "-export.json"])] {
                let url = directory.appendingPathComponent(folder)
                for name in (try? manager.contentsOfDirectory(atPath: url.path)) ?? [] where suffixes.contains(where: name.hasSuffix) {
                    try? manager.removeItem(at: url.appendingPathComponent(name))
                }
            }
        } else {
            do { try manager.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
                throw .io("cannot create \(directory.path): \(GeneratorError.reason(error))")
            }
        }
    }
}

/// `labels/incidents.yaml`: the ground truth for the injected incidents.
enum LabelsWriter {
    static func render(_ labels: [IncidentLabel]) -> String {
        var out = """
            # Injected incidents in this sample fleet (ground truth; never inside the traces).
            # expectLegacy: what the current tenant sandbox decides for the incident's steps.
            # recordedLegacy (only when different): what the traces record.

            """
        if labels.isEmpty { return out + "incidents: []\n" }
        out += "incidents:\n"
        for label in labels {
            out += "  - id: \(label.id)\n"
            out += "    kind: \(label.spec.kind.rawValue)\n"
            out += "    tenant: \(SandboxYAMLWriter.scalar(label.spec.tenant))\n"
            out += "    workflow: \(label.spec.workflow.rawValue)\n"
            out += "    run: \(SandboxYAMLWriter.scalar(label.run))\n"
            out += "    steps: [" + label.steps.map(SandboxYAMLWriter.scalar).joined(separator: ", ") + "]\n"
            out += "    expectLegacy: \(label.spec.expectLegacy.rawValue)\n"
            if let recorded = label.recordedLegacy { out += "    recordedLegacy: \(recorded.rawValue)\n" }
            var description = ""
            JSONValue.writeQuoted(label.spec.description, into: &description)
            out += "    description: \(description)\n"
        }
        return out
    }
}
