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

    @Option(name: .long, help: ArgumentHelp("Incident labels file (optional).", valueName: "file"))
    var labels: String?

    @Option(name: .long, help: ArgumentHelp("Output folder for files this command writes.", valueName: "dir"))
    var out: String?

    func validate() throws {
        if workspace == nil && (tenants.isEmpty || traces.isEmpty) {
            throw ValidationError("give a workspace folder, or both --tenants and --traces")
        }
    }

    /// The workspace file (if a folder was given) with the explicit paths applied on top.
    func resolve() throws(Diagnostic) -> Workspace {
        try Self.resolve(workspace: workspace, tenants: tenants, traces: traces, labels: labels, out: out)
    }

    /// `resolve()` for commands that declare these inputs themselves (`bench`, whose workspace is optional).
    static func resolve(workspace: String?, tenants: [String], traces: [String], labels: String?, out: String?) throws(Diagnostic) -> Workspace {
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
        if !tenants.isEmpty { resolved.tenants = tenants }
        if !traces.isEmpty { resolved.traces = traces }
        if let labels { resolved.labels = labels }
        if let out { resolved.reports = out }
        return resolved
    }
}
