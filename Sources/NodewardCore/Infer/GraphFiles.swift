import Foundation

/// Reading task graphs back from a `graphs/` folder (for `--compare` and the later stages).
public enum GraphFiles {
    public static func load(directory: String) -> (graphs: [TaskGraph], diagnostics: [Diagnostic]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return ([], [.error(.fileUnreadable, "cannot read the graphs folder \(directory)", at: SourceLocation(file: directory, line: 1))])
        }
        var graphs: [TaskGraph] = []
        var diagnostics: [Diagnostic] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            let text: String
            switch InputFile.readText(path, limit: 64 << 20, what: "task graph file") {
            case .success(let read): text = read
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
                continue
            }
            do {
                graphs.append(try TaskGraph.parse(yaml: text))
            } catch {
                diagnostics.append(PolicyReader.decodeDiagnostic(error, file: path, code: .workspaceInvalid, what: "not a task graph file"))
            }
        }
        return (graphs.sorted { $0.workflow < $1.workflow }, diagnostics)
    }
}

extension TaskGraph {
    /// One line per workflow for summaries: size, support, conformance, flagged elements.
    public var summaryRow: [String] {
        let rare = nodes.filter { $0.flags.contains("rare") }.count + controlEdges.filter { $0.flags.contains("rare") }.count
            + dataEdges.filter { $0.flags.contains("rare") }.count
        let fitness = conformance.map { "\($0.fitness.percent) (\($0.method))" } ?? "-"
        let precision = conformance.map { $0.precision.percent } ?? "-"
        return [workflow, agent, evidence.runs.grouped, "\(evidence.tenants.count)", "\(nodes.count)", "\(controlEdges.count)",
                "\(dataEdges.count)", "\(rare)", fitness, precision]
    }

    public static let summaryHeaders = ["workflow", "agent", "runs", "tenants", "nodes", "control edges", "data edges", "rare", "held-out fitness", "precision"]
}
