import Yams

/// Output formats of `nodeward infer`.
public enum GraphFormat: String, Sendable, CaseIterable {
    case yaml
    case json
    case mermaid
    case dot
}

extension TaskGraph {
    public func rendered(as format: GraphFormat) -> String {
        switch format {
        case .yaml: return yaml()
        case .json: return StableJSON.encode(self)
        case .mermaid: return mermaid()
        case .dot: return dot()
        }
    }

    /// YAML in declaration order (not sorted keys) so a reviewer reads version, workflow, evidence first.
    public func yaml() -> String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.width = -1
        return YAMLText.plainFloats((try? encoder.encode(self)) ?? "")
    }

    public static func parse(yaml text: String) throws -> TaskGraph {
        try YAMLDecoder().decode(TaskGraph.self, from: text)
    }

    /// Mermaid `flowchart`: control edges solid with run counts, data edges dotted with argument and trust;
    /// rare or low-support elements highlighted. `highlight` marks extra nodes (changed or disputed).
    public func mermaid(highlight: Set<String> = []) -> String {
        var ids: [String: String] = [TaskGraph.start: "start", TaskGraph.end: "finish", TaskGraph.request: "request"]
        for (index, node) in nodes.enumerated() { ids[node.id] = "n\(index)" }
        var lines = ["flowchart TD", "  start([start])", "  finish([end])"]
        if dataEdges.contains(where: { $0.from == TaskGraph.request }) { lines.append("  request[/user request/]") }
        for node in nodes {
            let label = "\(node.kind.rawValue)<br/>\(Self.mermaidEscape(node.operation))" + (node.optional ? "<br/><i>\(Self.shareText(node.share))</i>" : "")
            lines.append("  \(ids[node.id]!)[\"\(label)\"]")
        }
        var linkStyles: [String] = []
        var linkIndex = 0
        for edge in controlEdges {
            guard let from = ids[edge.from], let to = ids[edge.to] else { continue }
            lines.append("  \(from) -->|\(edge.runs)| \(to)")
            if edge.flags.contains("rare") { linkStyles.append("  linkStyle \(linkIndex) stroke:#d73a49,stroke-width:2px") }
            linkIndex += 1
        }
        // One arrow per (source, target, argument, trust): explicit and value-matched evidence draw alike.
        var drawn: [String: (flags: Set<String>, line: String)] = [:]
        var order: [String] = []
        for edge in dataEdges {
            guard let from = ids[edge.from], let to = ids[edge.to] else { continue }
            let line = "  \(from) -.->|\"\(Self.mermaidEscape(edge.argument)) · \(edge.trust.rawValue)\"| \(to)"
            if drawn[line] == nil { order.append(line) }
            drawn[line, default: ([], line)].flags.formUnion(edge.flags)
        }
        for line in order {
            lines.append(line)
            let flags = drawn[line]!.flags
            if flags.contains("rare") {
                linkStyles.append("  linkStyle \(linkIndex) stroke:#d73a49,stroke-width:2px,stroke-dasharray:4")
            } else if flags.contains("external-to-write") {
                linkStyles.append("  linkStyle \(linkIndex) stroke:#e36209,stroke-dasharray:4")
            }
            linkIndex += 1
        }
        lines += linkStyles
        let flagged = nodes.filter { $0.flags.contains("rare") || highlight.contains($0.id) }.compactMap { ids[$0.id] }
        if !flagged.isEmpty {
            lines.append("  classDef flagged fill:#ffeef0,stroke:#d73a49,stroke-width:2px")
            lines.append("  class \(flagged.joined(separator: ",")) flagged")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func dot() -> String {
        var lines = ["digraph \"\(Self.dotEscape(workflow))\" {", "  rankdir=TB;", "  node [shape=box, fontname=\"Helvetica\"];",
                     "  \"start\" [shape=circle];", "  \"end\" [shape=doublecircle];"]
        if dataEdges.contains(where: { $0.from == TaskGraph.request }) { lines.append("  \"request\" [shape=parallelogram, label=\"user request\"];") }
        for node in nodes {
            let color = node.flags.contains("rare") ? ", color=\"#d73a49\"" : ""
            lines.append("  \"\(Self.dotEscape(node.id))\" [label=\"\(node.kind.rawValue)\\n\(Self.dotEscape(node.operation))\"\(color)];")
        }
        for edge in controlEdges {
            let color = edge.flags.contains("rare") ? ", color=\"#d73a49\"" : ""
            lines.append("  \"\(Self.dotEscape(edge.from))\" -> \"\(Self.dotEscape(edge.to))\" [label=\"\(edge.runs)\"\(color)];")
        }
        for edge in dataEdges {
            let color = edge.flags.contains("rare") || edge.flags.contains("external-to-write") ? "#d73a49" : "#6a737d"
            lines.append("  \"\(Self.dotEscape(edge.from))\" -> \"\(Self.dotEscape(edge.to))\" [style=dashed, color=\"\(color)\", label=\"\(Self.dotEscape(edge.argument)) (\(edge.trust.rawValue))\"];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func shareText(_ share: Double) -> String { "\(Int((share * 100).rounded()))% of runs" }

    /// Mermaid entity codes for what would end a label, start HTML in it, or (backticks, line breaks)
    /// break the Markdown fence the graph is embedded in.
    static func mermaidEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "#amp;").replacingOccurrences(of: "\"", with: "#quot;")
            .replacingOccurrences(of: "|", with: "#124;").replacingOccurrences(of: "<", with: "#lt;").replacingOccurrences(of: ">", with: "#gt;")
            .replacingOccurrences(of: "`", with: "#96;").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func dotEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
