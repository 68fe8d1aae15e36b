/// What changed between two inferences of the same workflows: nodes and edges added or vanished, and
/// support that moved a lot. A graph diff reviewers can read (`nodeward infer --compare graphs/`).
public struct GraphDiff: Sendable, Hashable, Codable {
    public struct WorkflowDiff: Sendable, Hashable, Codable {
        public var workflow: String
        /// `new`, `vanished`, or `changed`.
        public var status: String
        public var addedNodes: [String]
        public var removedNodes: [String]
        public var addedControlEdges: [String]
        public var removedControlEdges: [String]
        public var addedDataEdges: [String]
        public var removedDataEdges: [String]

        public var isEmpty: Bool {
            addedNodes.isEmpty && removedNodes.isEmpty && addedControlEdges.isEmpty && removedControlEdges.isEmpty
                && addedDataEdges.isEmpty && removedDataEdges.isEmpty && status == "changed"
        }
    }

    public var workflows: [WorkflowDiff]

    public var hasChanges: Bool { !workflows.isEmpty }

    public init(old: [TaskGraph], new: [TaskGraph]) {
        let oldByName = Dictionary(old.map { ($0.workflow, $0) }, uniquingKeysWith: { first, _ in first })
        let newByName = Dictionary(new.map { ($0.workflow, $0) }, uniquingKeysWith: { first, _ in first })
        var diffs: [WorkflowDiff] = []
        for name in Set(oldByName.keys).union(newByName.keys).sorted() {
            let before = oldByName[name], after = newByName[name]
            func delta(_ path: (TaskGraph) -> [String]) -> (added: [String], removed: [String]) {
                let a = Set(before.map(path) ?? []), b = Set(after.map(path) ?? [])
                return (b.subtracting(a).sorted(), a.subtracting(b).sorted())
            }
            let nodes = delta { $0.nodes.map(\.id) }
            let control = delta { $0.controlEdges.map { "\($0.from) -> \($0.to)" } }
            let data = delta { $0.dataEdges.map { "\($0.from) -> \($0.to).\($0.argument) (\($0.trust.rawValue))" } }
            let status = before == nil ? "new" : after == nil ? "vanished" : "changed"
            let diff = WorkflowDiff(workflow: name, status: status, addedNodes: nodes.added, removedNodes: nodes.removed,
                                    addedControlEdges: control.added, removedControlEdges: control.removed,
                                    addedDataEdges: data.added, removedDataEdges: data.removed)
            if !diff.isEmpty { diffs.append(diff) }
        }
        workflows = diffs
    }

    public func document() -> Document {
        var doc = Document()
        doc.heading("Task graph changes")
        guard hasChanges else {
            doc.paragraph("No changes: the same nodes and edges as the previous inference.")
            return doc
        }
        for diff in workflows {
            doc.heading("\(diff.workflow) (\(diff.status))", level: 3)
            var items: [String] = []
            items += diff.addedNodes.map { "+ node \(Inline.code($0))" }
            items += diff.removedNodes.map { "- node \(Inline.code($0))" }
            items += diff.addedControlEdges.map { "+ control \(Inline.code($0))" }
            items += diff.removedControlEdges.map { "- control \(Inline.code($0))" }
            items += diff.addedDataEdges.map { "+ data \(Inline.code($0))" }
            items += diff.removedDataEdges.map { "- data \(Inline.code($0))" }
            doc.bullets(items)
        }
        return doc
    }
}
