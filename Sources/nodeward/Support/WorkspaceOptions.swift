import ArgumentParser
import Foundation
import NodewardCore

/// The inputs every pipeline command takes: a workspace folder, or explicit paths that override it.
struct WorkspaceOptions: ParsableArguments {
    @Argument(help: "Workspace folder containing nodeward.yaml. Optional when --tenants and --traces are given.")
    var workspace: String?

    @Option(name: .long, help: ArgumentHelp("Tenant sandbox YAML files or folders (repeatable).", valueName: "path"))
    var tenants: [String] = []

    @Option(name: .long, help: ArgumentHelp("Trace files or folders: OTLP/JSON or Nodeward JSONL (repeatable).", valueName: "path"))
    var traces: [String] = []

    @Option(name: .customLong("trace-format"),
            help: ArgumentHelp("Read every trace file as this format instead of detecting it per file (overrides traceFormat in nodeward.yaml).",
                               valueName: "format"))
    var traceFormat: TraceFormatChoice?

    @Option(name: .long, help: ArgumentHelp("Incident labels file (optional).", valueName: "file"))
    var labels: String?

    @Option(name: .long, help: ArgumentHelp("Output folder for files this command writes.", valueName: "dir"))
    var out: String?

    @Flag(name: .customLong("allow-outside-workspace"),
          help: "Let nodeward.yaml name inputs and outputs outside the workspace folder (.., absolute paths, symbolic links).")
    var allowOutsideWorkspace = false

    func validate() throws {
        if workspace == nil && (tenants.isEmpty || traces.isEmpty) {
            throw ValidationError("give a workspace folder, or both --tenants and --traces")
        }
    }

    /// The workspace file (if a folder was given) with the explicit paths applied on top. `overriding` names
    /// the `nodeward.yaml` keys the command's own options replace (`outputs.store` for `--store`, …): they
    /// are not checked against the workspace boundary.
    func resolve(overriding: Set<String> = []) throws(Diagnostic) -> Workspace {
        try Self.resolve(workspace: workspace, tenants: tenants, traces: traces, labels: labels, out: out,
                         allowOutside: allowOutsideWorkspace, overriding: overriding, traceFormat: traceFormat)
    }

    /// `Workspace.load` with the workspace boundary, for commands that read only a path or two of the
    /// workspace (`report`, `store`): the first path that leaves it is thrown, the others printed.
    static func load(folder: String, allowOutside: Bool, overriding: Set<String> = []) throws(Diagnostic) -> Workspace {
        let workspace = try Workspace.load(folder: folder)
        guard !allowOutside else { return workspace }
        let violations = workspace.boundaryViolations(overridden: overriding)
        for violation in violations.dropFirst() { Terminal.err(violation.description) }
        if let first = violations.first { throw first }
        return workspace
    }

    /// The `nodeward.yaml` keys a command's own path options replace.
    static func overridden(store: String? = nil, noStore: Bool = false, policies: String? = nil, graphs: String? = nil,
                           threats: String? = nil) -> Set<String> {
        var keys: Set<String> = []
        if store != nil || noStore { keys.insert("outputs.store") }
        if policies != nil { keys.insert("outputs.policies") }
        if graphs != nil { keys.insert("outputs.graphs") }
        if threats != nil { keys.insert("threats") }
        return keys
    }

    /// `resolve()` for commands that declare these inputs themselves (`bench`, whose workspace is optional).
    static func resolve(workspace: String?, tenants: [String], traces: [String], labels: String?, out: String?,
                        allowOutside: Bool = false, overriding: Set<String> = [],
                        traceFormat: TraceFormatChoice? = nil) throws(Diagnostic) -> Workspace {
        var resolved: Workspace
        if let folder = workspace {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .error(.workspaceMissing, "workspace folder \(folder) does not exist")
            }
            let hasFile = FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(Workspace.fileName))
            if hasFile || (tenants.isEmpty && traces.isEmpty) {
                resolved = try Workspace.load(folder: folder)
            } else {
                resolved = Workspace(root: folder)
            }
        } else {
            resolved = Workspace()
        }
        if !allowOutside {
            var explicit = overriding
            if !tenants.isEmpty { explicit.insert("tenants") }
            if !traces.isEmpty { explicit.insert("traces") }
            if labels != nil { explicit.insert("labels") }
            if out != nil { explicit.insert("outputs.reports") }
            let violations = resolved.boundaryViolations(overridden: explicit)
            // Every offending path is named; the first is thrown (exit 2), the others printed before it.
            for violation in violations.dropFirst() { Terminal.err(violation.description) }
            if let first = violations.first { throw first }
        }
        if !tenants.isEmpty { resolved.tenants = tenants }
        if !traces.isEmpty { resolved.traces = traces }
        if let labels { resolved.labels = labels }
        if let out { resolved.reports = out }
        if let traceFormat { resolved.traceFormat = traceFormat }
        return resolved
    }
}

extension TraceFormatChoice: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
